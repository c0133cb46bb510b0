"""The mel front end: log-mel spectrograms, 3-s segments and standardisation.

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
:func:`centred_segments` cuts such a stream into the centred STFT's frames.
A stream of 16-bit samples (int16) is scaled in the window, which saves a
pass over the signal.
"""
import itertools
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse

from mirex.audio import PCM16_SCALE
from mirex.precision import full_float32

__all__ = [
    "FrontEnd", "MelSpectrogram", "LogMel", "centred_segments", "compress", "mel_basis", "logmel", "segments",
    "standardise", "centred", "TorchLogMel",
]


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


def centred_segments(blocks, *, n_fft, hop_length):
    """Cut a signal given block by block into the frames of its centred STFT.

    The centred STFT pads the whole signal with ``n_fft // 2`` zeros at both
    ends and takes a frame every ``hop_length`` samples. Each yielded segment
    holds a run of whole frames of that padded signal (frame ``k`` of a
    segment is ``segment[k * hop_length : k * hop_length + n_fft]``), and
    the runs follow each other with no frame left out or repeated, however
    the blocks are cut. Less than a frame of samples is carried from one
    block to the next: only the frames that start in it are copied, the
    others are views of the block.

    Parameters
    ----------
    blocks : iterable of np.ndarray
        Consecutive parts of a mono signal: float, or all int16 (kept as they are).
    n_fft, hop_length : int

    Yields
    ------
    segment : np.ndarray, float32 (int16 for int16 blocks), 1-D
        At least ``n_fft`` samples; the last one ends in the closing padding.

    Raises
    ------
    ValueError
        If int16 blocks and float ones are mixed.
    """
    blocks = iter(blocks)
    first = next(blocks, np.zeros(0, dtype=np.float32))
    dtype = np.int16 if np.asarray(first).dtype == np.int16 else np.float32
    pad = np.zeros(n_fft // 2, dtype=dtype)
    carry = pad  # the padded signal from the next frame's start on: fewer than n_fft samples
    for block in itertools.chain([first], blocks, [pad]):
        block = np.asarray(block)
        if (block.dtype == np.int16) != (dtype == np.int16):
            raise ValueError("a signal's blocks are all int16 or all float")
        block = block.astype(dtype, copy=False)
        total = len(carry) + len(block)
        frames = (total - n_fft) // hop_length + 1 if total >= n_fft else 0
        if not frames:
            carry = np.concatenate([carry, block])
            continue
        joined = min(frames, -(-len(carry) // hop_length))  # the frames that start in the carry
        if joined:
            yield np.concatenate([carry, block[: (joined - 1) * hop_length + n_fft - len(carry)]])
        if frames > joined:
            yield block[joined * hop_length - len(carry) : (frames - 1) * hop_length + n_fft - len(carry)]
        rest = frames * hop_length - len(carry)  # where the next frame starts, in the block
        carry = block[rest:] if rest >= 0 else np.concatenate([carry[rest:], block])


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


def segments(mel, *, length):
    """Cut a time-major log-mel into non-overlapping segments.

    Segments start at frame 0; a trailing remainder shorter than a segment is
    dropped, except that a clip shorter than one segment is zero-padded (zero
    is silence after the log compression) to give exactly one.

    Returns
    -------
    segs : np.ndarray, float32, shape (n_segments, length, n_mels)
    """
    count = len(mel) // length
    if count == 0:
        padded = np.zeros((length, mel.shape[1]), dtype=np.float32)
        padded[: len(mel)] = mel
        return padded[None]
    return np.ascontiguousarray(mel[: count * length].reshape(count, length, mel.shape[1]))


def standardise(x, *, frontend):
    """Standardise with the bundle's training mean and std."""
    return (x - np.float32(frontend.mean)) / np.float32(frontend.std)


def centred(mel, *, frontend, length):
    """A log-mel ready for windows centred on each of its frames: padded with silence, standardised.

    Frame ``k`` is centred on sample ``k * hop_length``; its window of
    ``length`` frames spans frames ``k - length // 2`` to ``k - length // 2
    + length - 1``, which are rows ``k`` to ``k + length - 1`` of the result
    (zero log-mel, i.e. silence, beyond the signal), so every part of the
    signal is covered, however short.

    Parameters
    ----------
    mel : np.ndarray or torch.Tensor, float32, shape (frames, n_mels)
        A log-mel.
    frontend : FrontEnd
    length : int

    Returns
    -------
    torch.Tensor, float32, shape (frames + length - 1, n_mels), on ``mel``'s device
    """
    import torch

    half = length // 2
    padded = torch.nn.functional.pad(torch.as_tensor(mel), (0, 0, half, length - 1 - half))
    return standardise(padded, frontend=frontend)


class TorchLogMel:
    """The front end in PyTorch: mel spectrogram, log-mel, segments and standardisation on any device.

    Computes what :class:`MelSpectrogram`, :class:`LogMel` and
    :func:`segments` compute (the same framing, periodic Hann window,
    magnitude of the real FFT, mel basis, ``log10(1 + 10 mel)`` and cut) to
    within 1e-4, so the whole path after decoding can run where the network
    runs. Holds no state but its constants; calls are thread-safe.

    Parameters
    ----------
    frontend : FrontEnd
    device : str or torch.device, optional
        Where the tensors live (default: the CPU).
    """

    def __init__(self, frontend, *, device=None):
        import torch

        self.frontend = frontend
        self.device = torch.device(device or "cpu")
        self.window = torch.hann_window(frontend.n_fft, periodic=True, dtype=torch.float32, device=self.device)
        self.mel_t = torch.from_numpy(mel_basis(frontend.sr, frontend.n_fft, frontend.n_mels).T.copy()).to(self.device)

    def spectrogram(self, y):
        """Time-major magnitude mel spectrogram of signals, shape (..., frames, n_mels), float32, on the device.

        Parameters
        ----------
        y : array-like or torch.Tensor, shape (..., samples)
            Mono signals at ``frontend.sr`` (NumPy or torch, any float dtype).
        """
        import torch

        fe = self.frontend
        y = torch.as_tensor(y, dtype=torch.float32).to(self.device)
        padded = torch.nn.functional.pad(y, (fe.n_fft // 2, fe.n_fft // 2))
        frames = padded.unfold(-1, fe.n_fft, fe.hop_length)
        with full_float32(self.device):
            return torch.fft.rfft(frames * self.window, dim=-1).abs() @ self.mel_t

    def __call__(self, y):
        """Time-major log-mel of signals, shape (..., frames, n_mels) (see :meth:`spectrogram`)."""
        return compress(self.spectrogram(y))

    def standardise(self, mel):
        """Standardise with the front end's mean and std."""
        return (mel - self.frontend.mean) / self.frontend.std

    def cut(self, mel, *, length=None):
        """Standardised non-overlapping segments of one log-mel, shape (n_segments, length, n_mels).

        The cut of :func:`segments`: from frame 0, the remainder dropped, a
        clip shorter than one segment zero-padded to one. ``length``
        defaults to the front end's ``segment_frames``.
        """
        import torch

        length = length or self.frontend.segment_frames
        count = max(len(mel) // length, 1)
        if len(mel) < length:
            mel = torch.nn.functional.pad(mel, (0, 0, 0, length - len(mel)))
        return self.standardise(mel[: count * length].reshape(count, length, mel.shape[1]))
