"""The Python API: song and segment features of signals and files, from one feature system.

:func:`load_extractor` builds an :class:`Extractor` once (it loads the
bundle and the network); its methods are thread-safe, so one extractor can
serve many threads. Signals (NumPy arrays or torch tensors, any rate, mono or
multi-channel) go through the PyTorch front end and network on the
extractor's device; files go through :func:`mirex.extract.extract`, the path
the scripts use (decoding, feature cache, threads, errors as data).
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mirex.errors import SignalError
from mirex.features import DEFAULT_PRESET, SpecError, make_extractor

__all__ = ["load_extractor", "Extractor", "Segments", "default_device"]

#: Signals per front-end and network call of :meth:`Extractor.embed_batch` (bounds memory).
BATCH_SIGNALS = 16


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
    frontend : mirex.frontend.FrontEnd
        The bundle's front end (segment times follow its hop).
    """

    def __init__(self, spec=DEFAULT_PRESET, *, device=None):
        import torch

        self.device = torch.device(device or default_device())
        self._signals = make_extractor(spec, device=self.device)
        # files: the scripts' own path on the CPU (NumPy front end), the device's otherwise
        self._files = make_extractor(spec) if self.device.type == "cpu" else self._signals
        self.spec, self.sr, self.frontend = self._signals.spec, self._signals.sr, self._signals.frontend
        self.dim = self._signals.reduced_dim
        lengths = [n for n in self._signals.passes.values() if n is not None]
        self._segment_length = min(lengths, default=None)
        self.segment_dim = 0 if self._segment_length is None else self._signals.segment_features(
            np.zeros((1, 2, sum(self._signals.network.widths)), np.float32)).shape[1]

    def __repr__(self):
        return f"Extractor({str(self.spec)!r}, device={str(self.device)!r})"

    def embed(self, audio, sr):
        """The song feature of one signal.

        Parameters
        ----------
        audio : np.ndarray or torch.Tensor
            One signal: 1-D (mono), or 2-D with channels first (channels,
            samples) or last (samples, channels): the shorter axis is taken as
            the channels, which are averaged. Any float or integer dtype (not
            rescaled: floats in [-1, 1] are expected); non-finite samples count
            as 0.
        sr : int
            Its sample rate; resampled to :attr:`sr` when different.

        Returns
        -------
        np.ndarray, float32, shape (dim,)
            Finite.

        Raises
        ------
        mirex.errors.SignalError
            If the signal is not 1-D or 2-D, holds no samples, or gives
            features that are not finite (samples far outside [-1, 1], e.g.
            1e38, overflow the front end), as a file with those samples is
            reported.
        """
        return self.embed_batch([audio], sr)[0]

    def embed_batch(self, signals, sr):
        """Song features of several signals (each as :meth:`embed` takes it), one row each.

        Signals go through the front end and the network together, in groups
        of :data:`BATCH_SIGNALS`. A 2-D array or tensor is a batch of mono
        signals, one per row.

        Returns
        -------
        np.ndarray, float32, shape (len(signals), dim)
            Finite.

        Raises
        ------
        mirex.errors.SignalError
            As for :meth:`embed`, naming the first signal at fault.
        """
        signals = [_mono(audio, sr, rate=self.sr, index=i) for i, audio in enumerate(signals)]
        rows = [self._signals.features(signals[i : i + BATCH_SIGNALS])
                for i in range(0, len(signals), BATCH_SIGNALS)]
        features = np.concatenate(rows) if rows else np.zeros((0, self._signals.dim), np.float32)
        _check_finite(features, signals)
        return self._signals.reduce(features)

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
            log-mel, i.e. silence, beyond the signal).

        Returns
        -------
        Segments

        Raises
        ------
        mirex.features.SpecError
            If the system has no network (the timbre baseline).
        mirex.errors.SignalError
            As for :meth:`embed`.
        """
        if self._segment_length is None:
            raise SpecError(f"{self.spec}: no network, so no segment features")
        y = _mono(audio, sr, rate=self.sr)
        frontend, length = self.frontend, self._segment_length
        mel = self._signals.torch_frontend(y)
        if step is None:
            segs = self._signals.torch_frontend.cut(mel, length=length)
            first = np.arange(len(segs)) * length
        else:
            segs, centres = self._signals.torch_frontend.cut_centred(mel, step=step, length=length)
            first = centres.cpu().numpy() - length // 2
        features = self._signals.segment_features(self._signals.pooled(segs))
        _check_finite(features.reshape(1, -1), [y])
        frame = frontend.hop_length / frontend.sr
        duration = len(y) / frontend.sr
        return Segments(features=features, start=np.clip(first * frame, 0, duration),
                        end=np.clip((first + length) * frame, 0, duration))

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
        from mirex.cache import FeatureCache, project_cache_dir
        from mirex.extract import Extraction, extract

        store = None
        if cache:
            store = FeatureCache(project_cache_dir() if cache is True else Path(cache))
        result = extract(paths, extractor=self._files, cache=store, n_jobs=n_jobs, progress=progress)
        return Extraction(features=self._files.reduce(result.features), errors=result.errors, hits=result.hits)


def _check_finite(features, signals):
    """Refuse a row of ``features`` that is not finite; row ``i`` is ``signals[i]``'s."""
    bad = np.flatnonzero(~np.isfinite(features).all(axis=1))
    if len(bad):
        peak = float(signals[bad[0]].abs().max())
        raise SignalError(f"signal {bad[0]}: features are not finite (largest |sample| {peak:.3g}; floats in "
                          "[-1, 1] are expected)")


def _mono(audio, sr, *, rate, index=0):
    """One signal as a mono float32 tensor at ``rate``: channels averaged, non-finite samples zeroed.

    A 2-D signal is (channels, samples) or (samples, channels): the shorter
    axis holds the channels. A tensor stays on its device unless it must be
    resampled (soxr, on the CPU, as :func:`mirex.audio.load` resamples).
    ``index`` names the signal in errors (:class:`mirex.errors.SignalError`).
    """
    import soxr
    import torch

    y = torch.as_tensor(audio)
    if y.ndim == 2:
        y = y.to(torch.float32).mean(dim=int(np.argmin(y.shape)))
    elif y.ndim != 1:
        raise SignalError(f"signal {index}: expected 1-D or 2-D (channels first or last), not shape {tuple(y.shape)}")
    y = torch.nan_to_num(y.to(torch.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if len(y) == 0:
        raise SignalError(f"signal {index}: holds no samples")
    if sr != rate:
        y = torch.from_numpy(soxr.resample(y.cpu().numpy(), sr, rate, quality="HQ").astype(np.float32, copy=False))
    return y
