"""The pipeline of a feature system: network passes, timbre statistics, song features.

A :class:`~mirex.features.spec.FeatureSpec` is computed from *passes*, each
stored in the feature cache on its own: one per segment length (a network
pass over the clip's segments, which keeps every block's output pooled by
max and by mean over time, and their mean and std over the segments), one
for the timbre statistics (:mod:`mirex.features.timbre`) and one for the
i-vector's frames (:func:`mirex.ivector.mfcc_frames` of the timbre
statistics' mel spectrogram, at most :data:`mirex.ivector.frames.MAX_CLIP_FRAMES`
per clip). A song feature
picks from them what the spec names, so every system on the same bundle and
segment length shares one network pass per file; one decoded signal and one
mel spectrogram feed all passes. The i-vector is the fitted system's
(:class:`mirex.ivector.IVectorSystem`) map of the cached frames, appended
last; a pipeline of a ``+ivector`` system without a fitted one caches the
frames and leaves the i-vector out (what ``run_train.sh`` extracts before
it fits the system on the frames).

:func:`mirex.extract.extract` drives the stages in threads: ``prepare`` (one
signal -> the input of each pass it needs), ``compute`` (a batch of inputs
of one pass -> one cache entry each), ``combine`` (a file's entries -> its
song feature), and ``reduce`` (the bundle's artist LDA, when the spec asks
for it and the bundle has one).
"""
import numpy as np
import torch

from mirex.audio import as_float32
from mirex.bundle import load_bundle
from mirex.features import timbre
from mirex.features.spec import FeatureSpec, SpecError
from mirex.frontends.mel import MelSpectrogram, compress
from mirex.frontends.mel import FrontEnd
from mirex.frontends.segments import centred, segments, standardise
from mirex.frontends.torch_mel import TorchLogMel
from mirex.nets import frozen_network

__all__ = ["FeaturePipeline", "TIMBRE_PASS", "IVECTOR_PASS"]

#: Cache namespace of the timbre statistics.
TIMBRE_PASS = "mfcc20-delta-meanstd-v2"
#: Cache namespace of the i-vector's frames (each entry: at most 2000 frames x 60, float32).
IVECTOR_PASS = "mfcc20-dd-frames2000-v1"
_POOLS = {"max": [0], "mean": [1], "maxmean": [0, 1]}
_STATS = {"mean": [0], "meanstd": [0, 1]}


class FeaturePipeline:
    """Song features of one feature system; all stages are thread-safe.

    Parameters
    ----------
    spec : FeatureSpec or str
        The feature system (a preset name or the text form).
    device : str or torch.device, optional
        Run the front end and the network in PyTorch on this device (the
        path after decoding; the timbre statistics stay in NumPy). Default:
        NumPy and SciPy for the front end, the network on the CPU.
    ivector : mirex.ivector.IVectorSystem, optional
        The fitted i-vector system of a ``+ivector`` spec: the song feature
        ends with the clip's i-vector. Without it the frames are computed
        and cached, and the song feature has no i-vector.

    Raises
    ------
    SpecError
        If the bundle's network has fewer blocks than the spec names, a
        segment is too short for it, or the spec asks for an LDA that does
        not fit the feature.
    BundleError
        If the bundle cannot be loaded.
    """

    def __init__(self, spec, *, device=None, ivector=None):
        self.spec = spec = FeatureSpec.parse(spec)
        if ivector is not None and not spec.ivector:
            raise SpecError(f"{spec}: an i-vector system is for a +ivector system only")
        self.ivector = ivector
        self.bundle = self.network = None
        self.frontend, self.passes = timbre.FRONTEND, {}
        if spec.uses_network:
            self.bundle = load_bundle(spec.bundle)
            self.network = frozen_network(arch=self.bundle.arch, path=self.bundle.weights_path)
            self.frontend = self.bundle.frontend
            self._check_network()
            lengths = spec.seg or (self.frontend.segment_frames,)
            self.passes = {f"dcnn-{self.bundle.fingerprint}-seg{n}-v2": n for n in lengths}
            edges = np.cumsum((0,) + self.network.widths)
            self._columns = np.concatenate([np.arange(edges[b - 1], edges[b]) for b in spec.blocks])
        if spec.mfcc:
            self.passes[TIMBRE_PASS] = None
        if spec.ivector:
            self.passes[IVECTOR_PASS] = None
        self._spectrograms = {_stft(frontend): MelSpectrogram(frontend)
                              for frontend in (self.frontend, timbre.FRONTEND) if isinstance(frontend, FrontEnd)}
        self.device = device
        #: The PyTorch front end on ``device``, or None for the NumPy one (and for waveform networks).
        self.torch_frontend = None
        if device is not None and isinstance(self.frontend, FrontEnd):
            self.torch_frontend = TorchLogMel(self.frontend, device=device)
            if self.network is not None:
                self.network = self.network.to(self.torch_frontend.device)
        self.sr = self.frontend.sr
        self.lda = self.bundle.lda if spec.lda and self.bundle is not None else None
        if self.lda is not None and self.lda.n_in != self.dim:
            raise SpecError(f"{spec}: the bundle's artist LDA takes {self.lda.n_in}-d features, "
                            f"this system gives {self.dim}-d (use +lda only with the system it was fitted on)")

    def _check_network(self):
        blocks, seg = len(self.network.widths), self.spec.seg
        if (self.spec.mfcc or self.spec.ivector) and self.frontend.sr != timbre.FRONTEND.sr:
            raise SpecError(f"{self.spec}: the MFCCs need a {timbre.FRONTEND.sr} Hz front end")
        if max(self.spec.blocks) > blocks:
            raise SpecError(f"{self.spec}: the network of {self.bundle.name} has {blocks} blocks")
        if seg and min(seg) < self.network.min_frames:
            raise SpecError(f"{self.spec}: segments need at least {self.network.min_frames} frames")

    @property
    def dim(self):
        """Length of the song feature (before any LDA)."""
        net = 0
        if self.network is not None:
            net = len(self.passes) - self.spec.mfcc - self.spec.ivector
            net *= len(self._columns) * len(_POOLS[self.spec.pool]) * len(_STATS[self.spec.stats])
        return net + timbre.DIM * self.spec.mfcc + (0 if self.ivector is None else self.ivector.dim)

    @property
    def fingerprint(self):
        """Names the cached passes of this system (changes with the bundle's weights and front end)."""
        return "+".join(self.passes)

    def prepare(self, blocks, passes):
        """Input of each named pass for one mono signal at ``sr``.

        Parameters
        ----------
        blocks : iterable of np.ndarray or torch.Tensor
            The signal's consecutive parts (e.g. :func:`mirex.audio.stream`,
            with ``pcm16=True`` too), read once. On the NumPy path only the
            mel spectrogram is kept, so memory is flat in the signal's
            length; on a ``device`` the parts are joined and the inputs
            are tensors there.
        passes : sequence of str
            Names from ``passes``.
        """
        inputs = {}
        network_passes = [name for name in passes if self.passes[name] is not None]
        waveform = bool(network_passes) and not isinstance(self.frontend, FrontEnd)
        mfccs = TIMBRE_PASS in passes or IVECTOR_PASS in passes
        needed = {_stft(front) for front, wanted in ((timbre.FRONTEND, mfccs),
                                                     (self.frontend, network_passes and not waveform)) if wanted}
        if waveform or self.torch_frontend is not None or len(needed) > 1:  # the whole signal, read once
            blocks = [as_float32(b) if isinstance(b, np.ndarray) else b for b in blocks]
            blocks = [blocks[0] if len(blocks) == 1 else np.concatenate(blocks)]
        mels = {}
        if self.torch_frontend is not None and network_passes:
            mels[_stft(self.frontend)] = self.torch_frontend.spectrogram(blocks[0])
        for key in needed - set(mels):
            mels[key] = self._spectrograms[key].from_blocks(
                b if isinstance(b, np.ndarray) else b.cpu().numpy() for b in blocks)

        def mel(frontend):
            return mels[_stft(frontend)]

        if mfccs:
            spectrum = mel(timbre.FRONTEND)
            spectrum = spectrum if isinstance(spectrum, np.ndarray) else spectrum.cpu().numpy()
            both = timbre.coefficients(spectrum)  # MFCCs and deltas, once for both passes
            if TIMBRE_PASS in passes:
                inputs[TIMBRE_PASS] = timbre.statistics_of(both)
            if IVECTOR_PASS in passes:
                from mirex.ivector.frames import evenly, mfcc_frames  # mirex.ivector imports mirex.features

                inputs[IVECTOR_PASS] = evenly(mfcc_frames(spectrum, both=both))
        if waveform:  # a waveform network's segments
            inputs.update({name: self.frontend.segments(blocks[0], length=self.passes[name]) for name in network_passes})
        elif network_passes:  # the timbre statistics are taken: the mel spectrogram can be compressed in place
            logmel = compress(mel(self.frontend))
            for name in network_passes:
                if self.torch_frontend is not None:
                    inputs[name] = self.torch_frontend.cut(logmel, length=self.passes[name])
                else:
                    segs = segments(logmel, length=self.passes[name])
                    inputs[name] = standardise(segs, frontend=self.frontend)
        return inputs

    def pooled(self, segs):
        """Every block's output pooled by max and by mean over time, for standardised segments.

        ``segs`` are what :meth:`prepare` gives for a network pass (a tensor on
        ``device`` when it is set); returns np.ndarray, float32, shape
        (n, 2, sum of block widths).
        """
        return self.network(segs) if self.torch_frontend is None else self.network.forward(segs).cpu().numpy()

    def windows(self, y, *, step, length):
        """Every block pooled over windows centred on every ``step``-th front-end frame of one signal.

        The window of frame ``k`` holds ``length`` frames around it (silence
        beyond the signal: :func:`mirex.frontends.segments.centred`). One pass of the
        network gives them all (:meth:`mirex.nets.dcnn_frozen.FrozenDCNN.windows`),
        equal to :meth:`pooled` of the windows cut one by one to float32
        rounding.

        Parameters
        ----------
        y : np.ndarray or torch.Tensor
            One mono signal at ``sr`` (a tensor only with ``device``).
        step, length : int

        Returns
        -------
        np.ndarray, float32, shape (ceil(frames / step), 2, sum of block widths)
        """
        x = centred(self.logmel(y), frontend=self.frontend, length=length)
        return self.network.windows(x, length=length, step=step).cpu().numpy()

    def logmel(self, y):
        """The log-mel of one mono signal at ``sr``: np.ndarray (frames, n_mels), or a tensor on ``device``."""
        if self.torch_frontend is not None:
            return self.torch_frontend(y)
        return compress(self._spectrograms[_stft(self.frontend)].from_blocks([y]))

    def segment_features(self, pooled):
        """The spec's blocks and pooling of pooled segment outputs, shape (n, segment_dim)."""
        return pooled[:, _POOLS[self.spec.pool]][..., self._columns].reshape(len(pooled), -1)

    def compute(self, name, inputs):
        """Cache entries of one pass for a batch of its inputs, shape (len(inputs), ...) (frames: a list)."""
        if name == IVECTOR_PASS:
            return [np.asarray(frames, dtype=np.float32) for frames in inputs]
        if self.passes[name] is None:
            return np.asarray(inputs, dtype=np.float32)
        pooled = self.pooled(np.concatenate(inputs) if isinstance(inputs[0], np.ndarray) else torch.cat(inputs))
        entries = np.empty((len(inputs), 2) + pooled.shape[1:], dtype=np.float32)
        end = 0
        for entry, x in zip(entries, inputs):  # each clip's segments are contiguous
            start, end = end, end + len(x)
            entry[0] = pooled[start:end].mean(axis=0, dtype=np.float64)
            entry[1] = pooled[start:end].std(axis=0, dtype=np.float64)
        return entries

    def combine(self, entries):
        """The song feature from a file's entries (pass name -> cached entry), shape (dim,)."""
        parts = []
        for name, length in self.passes.items():
            entry = entries[name]
            if name == IVECTOR_PASS:
                entry = np.zeros(0) if self.ivector is None else self.ivector.transform([entry])
            elif length is not None:
                entry = entry[_STATS[self.spec.stats]][:, _POOLS[self.spec.pool]][..., self._columns]
            parts.append(entry.ravel())
        return np.concatenate(parts).astype(np.float32)

    def features(self, signals):
        """Song features of decoded signals, computed in this thread, shape (len(signals), dim)."""
        inputs = [self.prepare([y], self.passes) for y in signals]
        entries = {name: self.compute(name, [x[name] for x in inputs]) for name in self.passes}
        return np.stack([self.combine({name: entries[name][i] for name in self.passes})
                         for i in range(len(signals))])

    @property
    def reduced_dim(self):
        """Length of the song feature after :meth:`reduce`."""
        return self.dim if self.lda is None else self.lda.transform(np.zeros((1, self.dim), np.float32)).shape[1]

    def reduce(self, features):
        """Apply the bundle's artist LDA when the spec asks for it and the bundle has one.

        Parameters
        ----------
        features : np.ndarray, shape (n, dim)
            Song features; NaN rows for files that could not be used.

        Returns
        -------
        np.ndarray, float32, shape (n, reduced_dim)
            NaN rows stay NaN rows, so the width is :attr:`reduced_dim` even
            when no row is usable.
        """
        if self.lda is None:
            return features
        reduced = np.full((len(features), self.reduced_dim), np.nan, dtype=np.float32)
        usable = np.isfinite(features).all(axis=1)
        if usable.any():
            reduced[usable] = self.lda.transform(features[usable])
        return reduced


def _stft(frontend):
    """The parameters that decide a front end's mel spectrogram."""
    return frontend.sr, frontend.n_fft, frontend.hop_length, frontend.n_mels
