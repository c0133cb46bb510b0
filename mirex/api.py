"""The Python API: song and segment features of signals and files, from one feature system.

:func:`load_extractor` builds an :class:`Extractor` once (it loads the
bundle and the network); its methods are thread-safe, so one extractor can
serve many threads. Signals (NumPy arrays or torch tensors, any rate, mono or
multi-channel) and files take the scripts' path (:func:`mirex.extract.extract`):
the same front end (NumPy on the CPU, PyTorch on another device), threads
and batches; signals skip the decoding and the cache, files get decoding,
the feature cache and errors as data.
"""
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mirex.extract import extract, spec_features
from mirex.features import DEFAULT_PRESET, SpecError, feature_pipeline
from mirex.frontends.mel import FrontEnd
from mirex.malloc import keep_freed_memory
from mirex.signals import check, mono, not_finite
from mirex.threads import default_jobs, in_order, one_thread_per_task

__all__ = ["load_extractor", "Extractor", "Segments", "default_device"]


def default_device():
    """``'cuda'`` when PyTorch sees a GPU, else ``'cpu'``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_extractor(spec=DEFAULT_PRESET, *, device=None):
    """Load a feature system for use on signals and files.

    Parameters
    ----------
    spec : str or mirex.features.FeatureSpec
        A preset name (``'hybrid'``, the default, ``'paper'``, ...), a spec in
        its text form (``'dcnn:blocks=1-5,pool=max,stats=mean,+mfcc'``) or a
        FeatureSpec.
    device : str or torch.device, optional
        Where the front end and the network run: ``'cuda'`` when PyTorch sees
        a GPU, else ``'cpu'``.

    Returns
    -------
    Extractor

    Raises
    ------
    mirex.errors.MirexError
        If the spec is not valid or its bundle cannot be loaded.
    """
    return Extractor(spec, device=device)


@dataclass(frozen=True)
class Segments:
    """Per-segment features of one signal.

    Attributes
    ----------
    features : np.ndarray, float32, shape (n, segment_dim)
    start, end : np.ndarray, float64, shape (n,)
        The span of each segment in seconds from the start of the signal,
        clipped to the signal (a signal shorter than one segment gives one
        segment, zero-padded, that ends where the signal does).
    """

    features: np.ndarray
    start: np.ndarray
    end: np.ndarray


class Extractor:
    """A feature system loaded for signals and files (see :func:`load_extractor`); thread-safe.

    Attributes
    ----------
    spec : mirex.features.FeatureSpec
    sr : int
        The rate the system works at; other rates are resampled (soxr, as
        for files).
    dim : int
        Length of a song feature (after the bundle's artist LDA when the spec
        asks for it).
    segment_dim : int
        Length of a segment feature (the spec's blocks and pooling of one
        segment; 0 for a system without a network).
    device : torch.device
    frontend : mirex.frontends.mel.FrontEnd
        The bundle's front end (segment times follow its hop).
    """

    def __init__(self, spec=DEFAULT_PRESET, *, device=None):
        import torch

        self.device = torch.device(device or default_device())
        # The scripts' path: on the CPU their NumPy front end, elsewhere PyTorch's on the device.
        self._pipeline = feature_pipeline(spec, device=None if self.device.type == "cpu" else self.device)
        self.spec, self.sr, self.frontend = self._pipeline.spec, self._pipeline.sr, self._pipeline.frontend
        self._concepts = {}
        self.dim = self._pipeline.reduced_dim
        lengths = {n: name for name, n in self._pipeline.passes.items() if n is not None}
        self._segment_pass = lengths[min(lengths)] if lengths else None
        self.segment_dim = 0 if self._segment_pass is None else self._pipeline.segment_features(
            np.zeros((1, 2, sum(self._pipeline.network.widths)), np.float32)).shape[1]

    def __repr__(self):
        return f"Extractor({str(self.spec)!r}, device={str(self.device)!r})"

    def embed(self, audio, sr, *, concept=None):
        """The song feature of one signal, or its embedding in one concept's sub-space.

        Parameters
        ----------
        audio : np.ndarray or torch.Tensor
            One signal: 1-D (mono), or 2-D with channels first (channels,
            samples) or last (samples, channels): the shorter axis is taken as
            the channels, which are averaged. Any float or integer dtype (not
            rescaled: floats in [-1, 1] are expected); non-finite samples count
            as 0.
        sr : int
            Its sample rate; resampled to ``sr`` when different.
        concept : str, optional
            The song feature through the bundle's embedding head, masked to
            this concept's sub-space (0 elsewhere); the spec must be the
            feature system the head takes (``mirex.features.head.head_spec``).

        Returns
        -------
        np.ndarray, float32, shape (dim,)
            With ``concept``: shape (the head's embedding length,).

        Raises
        ------
        mirex.errors.SignalError
            If the signal is not 1-D or 2-D, holds no samples, or gives
            features that are not finite (samples far outside [-1, 1], e.g.
            1e38, overflow the front end), as a file with those samples is
            reported.
        """
        return self.embed_batch([audio], sr, concept=concept)[0]

    def embed_batch(self, signals, sr, *, n_jobs=None, concept=None):
        """Song features of several signals (each as :meth:`embed` takes it), one row each.

        The path of :meth:`embed_files` without the decoding: the signals go
        through the front end and the network in batches of a few, in
        ``n_jobs`` threads (default: all cores); one signal runs in the
        calling thread. A 2-D array or tensor is a batch of mono signals, one
        per row. ``concept`` as for :meth:`embed`.

        Returns
        -------
        np.ndarray, float32, shape (len(signals), dim)
            Finite.

        Raises
        ------
        mirex.errors.SignalError
            As for :meth:`embed`, naming the first signal at fault.
        """
        signals = [check(audio, index=i) for i, audio in enumerate(signals)]
        if not signals:
            return np.zeros((0, self.dim), np.float32)
        result = extract(signals, extractor=self._pipeline, n_jobs=n_jobs,
                         decode=functools.partial(self._decoded, sr=sr))
        if result.errors:
            first = min(result.errors)
            raise not_finite(signals[first], index=first)
        features = spec_features(result, extractor=self._pipeline).features
        return features if concept is None else self._concept(concept)(features)

    def _concept(self, concept):
        """The embedder of a concept, built once."""
        if concept not in self._concepts:
            from mirex.features.head import concept_embedder

            if self._pipeline.bundle is None:
                raise SpecError(f"{self.spec}: no network, so no embedding head")
            self._concepts[concept] = concept_embedder(self._pipeline.bundle, spec=self.spec, concept=concept)
        return self._concepts[concept]

    def embed_segments(self, audio, sr, *, step=None):
        """Per-segment features of one signal (as :meth:`embed` takes it), before any statistics or LDA.

        Segments are the spec's shortest (for the presets: the bundle's own
        129 frames, about 3 s), standardised like the song feature's.

        Parameters
        ----------
        audio, sr
            As for :meth:`embed`.
        step : int, optional
            Default: the non-overlapping segments the song feature is made of.
            Otherwise one segment centred on every ``step``-th front-end frame
            (frame ``k`` is centred at ``k * hop_length / sr`` seconds; zero
            log-mel, i.e. silence, beyond the signal), all from one pass of
            the network over the signal's log-mel.

        Returns
        -------
        Segments

        Raises
        ------
        mirex.features.SpecError
            If the system has no network (the timbre baseline), or ``step``
            is given for a network without a mel front end.
        """
        return self.embed_segments_batch([audio], sr, step=step)[0]

    def embed_segments_batch(self, signals, sr, *, step=None, n_jobs=None):
        """:meth:`embed_segments` of several signals, in ``n_jobs`` threads (default: all cores).

        Returns
        -------
        list of Segments
            One per signal, in order.
        """
        if self._segment_pass is None:
            raise SpecError(f"{self.spec}: no network, so no segment features")
        if step is not None and not isinstance(self.frontend, FrontEnd):
            raise SpecError(f"{self.spec}: centred segments need a mel front end")
        signals = [check(audio, index=i) for i, audio in enumerate(signals)]
        keep_freed_memory()
        with one_thread_per_task():  # as extract() runs its tasks
            return list(in_order(functools.partial(self._segments, sr=sr, step=step), enumerate(signals),
                                 n_jobs=min(n_jobs or default_jobs(), max(len(signals), 1))))

    def embed_files(self, paths, *, cache=True, n_jobs=None, progress=False):
        """Song features of audio files: what the scripts compute, through their path.

        Runs :func:`mirex.extract.extract` (decoding, the feature cache,
        threads; on the CPU with the scripts' NumPy front end, on a GPU with
        the device's), then the bundle's artist LDA when the spec asks for it.

        Parameters
        ----------
        paths : sequence of str or Path
        cache : bool, str or Path
            The feature cache: True for the project's (``features/`` or
            ``$MIREX_FEATURE_CACHE``, as ``mirex embed`` uses), a folder, or
            False for none.
        n_jobs : int, optional
            Threads (default: all cores).
        progress : bool
            Show a progress bar on stderr.

        Returns
        -------
        mirex.extract.Extraction
            ``features`` (len(paths), dim) with NaN rows for files that
            failed; ``errors`` maps their index to a one-line reason.
        """
        from mirex.cache import FeatureCache
        from mirex.folders import feature_cache_dir

        store = None
        if cache:
            store = FeatureCache(feature_cache_dir() if cache is True else Path(cache))
        result = extract(paths, extractor=self._pipeline, cache=store, n_jobs=n_jobs, progress=progress)
        return spec_features(result, extractor=self._pipeline)

    def _decoded(self, audio, *, sr):
        """The blocks :meth:`mirex.features.FeaturePipeline.prepare` takes for one signal: the mono signal at :attr:`sr`."""
        return [mono(audio, sr=sr, rate=self.sr, device=self._pipeline.device)]

    def _segments(self, item, *, sr, step):
        """:meth:`embed_segments` of one checked signal, ``item`` = (index, signal), in this thread."""
        index, audio = item
        extractor, name = self._pipeline, self._segment_pass
        length = extractor.passes[name]
        y = self._decoded(audio, sr=sr)[0]
        if step is None:
            pooled = extractor.pooled(extractor.prepare([y], [name])[name])
            first = np.arange(len(pooled)) * length
        else:
            pooled = extractor.windows(y, step=step, length=length)
            first = np.arange(len(pooled)) * step - length // 2
        features = extractor.segment_features(pooled)
        if not np.isfinite(features).all():
            raise not_finite(audio, index=index)
        frame = getattr(self.frontend, "hop_length", 1) / self.sr  # a waveform network's frames are samples
        duration = len(y) / self.sr
        return Segments(features=features, start=np.clip(first * frame, 0, duration),
                        end=np.clip((first + length) * frame, 0, duration))
