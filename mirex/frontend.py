"""The mel front end: log-mel spectrograms, 3-s segments and standardisation.

All parameters live in a :class:`FrontEnd`, which a model bundle stores in its
manifest. The log-mel is computed per clip in float32 with NumPy and SciPy,
whose FFT and sparse product release the GIL (clips run in parallel
threads): a real FFT of the Hann-windowed frames, the magnitude, and the
Slaney mel projection as a sparse matrix (each FFT bin feeds at most two
bands: about 1,000 of the 65,664 weights are non-zero). It equals
``log10(1 + 10 * librosa.feature.melspectrogram(power=1))`` to float32
precision. ``from_blocks`` computes the same from a signal given block by
block (:func:`mirex.audio.stream`), with memory flat in its length:
:func:`centred_segments` cuts such a stream into the centred STFT's frames.
"""
import itertools
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.sparse

__all__ = [
    "FrontEnd", "MelSpectrogram", "LogMel", "centred_segments", "mel_basis", "logmel", "segments", "standardise", "stack_segments",
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


def _hz_to_mel(hz):
    """Slaney's mel scale: linear below 1 kHz, logarithmic above (librosa's ``htk=False``)."""
    hz = np.asarray(hz, dtype=np.float64)
    step, knee = 200.0 / 3, 1000.0
    logstep = np.log(6.4) / 27.0
    return np.where(hz >= knee, knee / step + np.log(np.maximum(hz, knee) / knee) / logstep, hz / step)


def _mel_to_hz(mel):
    step, knee = 200.0 / 3, 1000.0
    logstep = np.log(6.4) / 27.0
    return np.where(mel >= knee / step, knee * np.exp(logstep * (mel - knee / step)), mel * step)


@lru_cache(maxsize=8)
def mel_basis(sr, n_fft, n_mels):
    """Slaney mel filterbank, shape (n_mels, 1 + n_fft // 2), float32.

    Triangular filters from 0 Hz to ``sr / 2`` equally spaced on Slaney's mel
    scale, each scaled to unit area: ``librosa.filters.mel(sr=sr, n_fft=n_fft,
    n_mels=n_mels)`` (computed here in NumPy, as importing librosa costs
    seconds per process).
    """
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sr / 2.0), n_mels + 2))
    ramps = np.subtract.outer(edges, np.fft.rfftfreq(n_fft, 1.0 / sr))
    widths = np.diff(edges)
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(rising, falling)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


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
            included), e.g. :func:`mirex.audio.stream`; read once, one at a time.

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
        """Mel spectrogram of the frames ``padded[k * hop : k * hop + n_fft]`` that fit in ``padded``."""
        frames = np.lib.stride_tricks.sliding_window_view(padded, self.n_fft)[:: self.hop_length]
        # Frequency-major throughout: the FFT runs down the columns and the
        # sparse product then reads contiguous rows of the magnitude.
        magnitude = np.abs(scipy.fft.rfft((frames * self.window).T, axis=0, overwrite_x=True))
        return np.ascontiguousarray((self.mel @ magnitude).T)


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
        return self.compress(self.spectrogram(y))

    def from_blocks(self, blocks):
        """The log-mel of a signal given as blocks: equal to ``self(np.concatenate(blocks))`` (see
        :meth:`MelSpectrogram.from_blocks`)."""
        return self.compress(self.spectrogram.from_blocks(blocks))

    @staticmethod
    def compress(mel):
        """``log10(1 + 10 mel)`` of a magnitude mel spectrogram, in place; returns it."""
        mel *= 10.0
        mel += 1.0
        np.log(mel, out=mel)  # NumPy's float32 log is vectorised, its log10 is not
        mel *= np.float32(1 / np.log(10))
        return mel

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
    the blocks are cut; less than a frame of samples is carried from one
    block to the next.

    Parameters
    ----------
    blocks : iterable of np.ndarray
        Consecutive parts of a mono signal.
    n_fft, hop_length : int

    Yields
    ------
    segment : np.ndarray, float32, 1-D
        At least ``n_fft`` samples; the last one ends with the closing padding.
    """
    pad = np.zeros(n_fft // 2, dtype=np.float32)
    carry = pad
    for block in itertools.chain(blocks, [pad]):
        buffer = np.concatenate([carry, np.asarray(block, dtype=np.float32)])
        frames = (len(buffer) - n_fft) // hop_length + 1 if len(buffer) >= n_fft else 0
        if frames:
            yield buffer[: (frames - 1) * hop_length + n_fft]
        carry = buffer[frames * hop_length :]


@lru_cache(maxsize=8)
def _logmel(frontend):
    return LogMel(frontend)


def logmel(y, *, frontend):
    """Time-major log-mel spectrogram of one signal, shape (frames, n_mels), float32."""
    return _logmel(frontend)(y)


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


def stack_segments(parts):
    """Concatenate per-clip segment arrays; also return the clip index of each segment."""
    owner = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    return np.concatenate(parts), owner
