"""The mel front end: its parameters and log-mel spectrograms.

All parameters live in a :class:`FrontEnd`, which a model bundle stores in its
manifest. The log-mel is computed per clip in float32, a few hundred frames
at a time, with operations that release the GIL (clips run in parallel
threads): PyTorch's real FFT of the Hann-windowed frames, the magnitude,
and the Slaney mel projection as a SciPy sparse matrix (each FFT bin feeds
at most two bands: about 1,000 of the 65,664 weights are non-zero), then
PyTorch's ``log1p`` on the same memory (:func:`compress`). It equals
``log10(1 + 10 * librosa.feature.melspectrogram(power=1))`` to float32
precision. ``from_blocks`` computes the same from a signal given block by
block (:func:`mirex.audio.stream`), with memory flat in its length:
:func:`mirex.frontends.segments.centred_segments` cuts such a stream into the
centred STFT's frames. Cutting a log-mel into segments and standardising them
is :mod:`mirex.frontends.segments`; the same in PyTorch on any device is
:mod:`mirex.frontends.torch_mel`.
A stream of 16-bit samples (int16) is scaled in the window, which saves a
pass over the signal.
"""
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse

from mirex.audio import PCM16_SCALE
from mirex.frontends.segments import centred_segments, segments, standardise

__all__ = ["FrontEnd", "MelSpectrogram", "LogMel", "compress", "mel_basis", "logmel"]


@dataclass(frozen=True)
class FrontEnd:
    """Front-end parameters (SYSTEM.md steps 2 and 3).

    Attributes
    ----------
    sr, n_fft, hop_length, n_mels : int
        Sample rate, FFT and Hann window length, hop, mel bands.
    segment_frames : int
        Frames per segment (129 frames, about 3 s).
    mean, std : float
        Standardisation statistics of the network's training data.
    """

    sr: int = 22050
    n_fft: int = 1024
    hop_length: int = 512
    n_mels: int = 128
    segment_frames: int = 129
    mean: float = 0.22620339
    std: float = 0.25794547

    def to_dict(self):
        """Return the parameters as a plain dict (for a manifest)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        """Build from a manifest dict, ignoring unknown keys."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@lru_cache(maxsize=8)
def mel_basis(sr, n_fft, n_mels):
    """Slaney mel filterbank, shape (n_mels, 1 + n_fft // 2), float32, read-only.

    ``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)``: triangular
    filters from 0 Hz to ``sr / 2`` equally spaced on Slaney's mel scale, each
    scaled to unit area. Importing librosa costs about a second of CPU, so each
    basis is computed once and kept in the project's cache folder
    (``mel-basis/``, keyed by the parameters and librosa's version); later
    processes read it from there.
    """
    from importlib.metadata import version

    from mirex.cache import FeatureCache
    from mirex.folders import feature_cache_dir

    cache, key = FeatureCache(feature_cache_dir()), f"librosa-{version('librosa')}-{sr}-{n_fft}-{n_mels}"
    basis = cache.get("mel-basis", key)
    if basis is None or basis.shape != (n_mels, 1 + n_fft // 2):
        from librosa.filters import mel

        basis = mel(sr=sr, n_fft=n_fft, n_mels=n_mels).astype(np.float32)
        cache.put("mel-basis", key, basis)
    basis.flags.writeable = False  # shared by every caller
    return basis


#: Frames of a mel spectrogram computed at a time.
_CHUNK_FRAMES = 192


class MelSpectrogram:
    """A magnitude mel spectrogram (centred STFT, Hann window, zero padding), ready to apply to many clips.

    Holds the window and the sparse mel matrix; calls are thread-safe. Equals
    ``librosa.feature.melspectrogram(power=1)`` with the same parameters to
    float32 precision.

    Parameters
    ----------
    frontend : FrontEnd
        Its ``sr``, ``n_fft``, ``hop_length`` and ``n_mels`` are used.
    """

    def __init__(self, frontend):
        sr, n_fft, n_mels = frontend.sr, frontend.n_fft, frontend.n_mels
        self.n_fft, self.hop_length = n_fft, frontend.hop_length
        n = np.arange(n_fft)
        self.window = (0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)).astype(np.float32)
        self._pcm16_window = self.window * PCM16_SCALE  # exact: a power of two
        self.mel = scipy.sparse.csr_matrix(mel_basis(sr, n_fft, n_mels))

    def __call__(self, y):
        """Time-major mel spectrogram of one mono signal, shape (frames, n_mels), float32."""
        return self._of_frames(np.pad(np.asarray(y, dtype=np.float32), self.n_fft // 2))

    def from_blocks(self, blocks):
        """The mel spectrogram of a signal given as blocks: equal to ``self(np.concatenate(blocks))``.

        Parameters
        ----------
        blocks : iterable of np.ndarray
            Consecutive parts of one mono signal (any lengths, empty ones
            included), e.g. :func:`mirex.audio.stream`; read once, one at a
            time. Float, or all int16: 16-bit samples, the signal times 2**15
            (``stream(..., pcm16=True)``).

        Returns
        -------
        mel : np.ndarray, shape (frames, n_mels), float32
        """
        parts = [self._of_frames(segment)
                 for segment in centred_segments(blocks, n_fft=self.n_fft, hop_length=self.hop_length)]
        if not parts:  # an empty signal and an odd n_fft: no frame, as for the whole signal
            return np.zeros((0, self.mel.shape[0]), dtype=np.float32)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _of_frames(self, padded):
        """Mel spectrogram of the frames ``padded[k * hop : k * hop + n_fft]`` that fit in ``padded`` (float32,
        or int16 16-bit samples)."""
        window = self._pcm16_window if padded.dtype == np.int16 else self.window
        frames = np.lib.stride_tricks.sliding_window_view(padded, self.n_fft)[:: self.hop_length]
        mel = np.empty((len(frames), self.mel.shape[0]), dtype=np.float32)
        # A few hundred frames at a time, so that the windowed frames and their
        # spectrum stay in the CPU's cache between the steps.
        windowed = np.empty((min(len(frames), _CHUNK_FRAMES), self.n_fft), dtype=np.float32)
        for start in range(0, len(frames), _CHUNK_FRAMES):
            chunk = np.multiply(frames[start : start + _CHUNK_FRAMES], window, out=windowed[: len(mel) - start])
            mel[start : start + len(chunk)] = (self.mel @ _magnitude_spectrum(chunk).T).T
        return mel


def _magnitude_spectrum(frames):
    """``abs(rfft(frames, axis=1))`` of a float32 array, with PyTorch's real FFT (MKL's on x86, about a
    quarter faster than SciPy's here; it releases the GIL too, and runs on the caller's torch threads)."""
    import torch

    return np.abs(torch.fft.rfft(torch.from_numpy(frames), dim=1).numpy())


class LogMel:
    """The log-mel transform of one front end, ready to apply to many clips (thread-safe).

    Parameters
    ----------
    frontend : FrontEnd
    """

    def __init__(self, frontend):
        self.frontend = frontend
        self.spectrogram = MelSpectrogram(frontend)

    def __call__(self, y):
        """Time-major log-mel of one mono signal, shape (frames, n_mels), float32."""
        return compress(self.spectrogram(y))

    def from_blocks(self, blocks):
        """The log-mel of a signal given as blocks: equal to ``self(np.concatenate(blocks))`` (see
        :meth:`MelSpectrogram.from_blocks`)."""
        return compress(self.spectrogram.from_blocks(blocks))

    def segments(self, y, *, length=None):
        """Standardised segments of one signal, shape (n_segments, length, n_mels).

        ``length`` defaults to the front end's ``segment_frames``.
        """
        length = length or self.frontend.segment_frames
        return standardise(segments(self(y), length=length), frontend=self.frontend)


@lru_cache(maxsize=8)
def _logmel(frontend):
    return LogMel(frontend)


def logmel(y, *, frontend):
    """Time-major log-mel spectrogram of one signal, shape (frames, n_mels), float32."""
    return _logmel(frontend)(y)


_INV_LN10 = float(1 / np.log(10))


def compress(mel):
    """``log10(1 + 10 mel)`` of a magnitude mel spectrogram, in place; returns it.

    Parameters
    ----------
    mel : np.ndarray (float32) or torch.Tensor
        Computed with PyTorch's vectorised ``log1p`` either way (on a NumPy
        array through a view of its memory): NumPy's float32 ``log1p`` is not
        vectorised, and its ``log`` takes about 1.4 times as long.
    """
    import torch

    tensor = torch.from_numpy(mel) if isinstance(mel, np.ndarray) else mel
    tensor.mul_(10.0).log1p_().mul_(_INV_LN10)
    return mel
