"""The mel front end: log-mel spectrograms, 3-s segments and standardisation.

All parameters live in a :class:`FrontEnd`, which a model bundle stores in its
manifest. The log-mel is computed in float32 with PyTorch's STFT and a dense
Slaney mel matrix from librosa, batched over many clips at once; it equals
``log10(1 + 10 * librosa.feature.melspectrogram(power=1))`` to float32 precision.
"""
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import torch

__all__ = ["FrontEnd", "logmel", "logmel_batch", "segments", "standardise", "song_segments"]


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
def _mel_basis(sr, n_fft, n_mels):
    import librosa

    return torch.from_numpy(librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels).T.astype(np.float32))


@lru_cache(maxsize=8)
def _window(n_fft):
    return torch.hann_window(n_fft, periodic=True, dtype=torch.float32)


def n_frames(n_samples, *, frontend):
    """Number of centred STFT frames of a signal of ``n_samples``."""
    return 1 + n_samples // frontend.hop_length


def logmel_batch(signals, *, frontend):
    """Log-mel spectrograms of several signals in one batched STFT.

    Parameters
    ----------
    signals : sequence of np.ndarray, float32, shape (n_i,)
        Mono signals at ``frontend.sr``.
    frontend : FrontEnd

    Returns
    -------
    mels : list of np.ndarray, float32, shape (frames_i, n_mels)
        Time-major log-mels, one per signal. Shorter signals are zero-padded
        for the batch and cut back to their own frame count, which gives the
        same values as computing them alone.
    """
    if not len(signals):
        return []
    longest = max(len(y) for y in signals)
    batch = torch.zeros((len(signals), longest), dtype=torch.float32)
    for row, y in zip(batch, signals):
        row[: len(y)] = torch.from_numpy(np.asarray(y, dtype=np.float32))
    spec = torch.stft(
        batch,
        n_fft=frontend.n_fft,
        hop_length=frontend.hop_length,
        window=_window(frontend.n_fft),
        center=True,
        pad_mode="constant",
        return_complex=True,
    ).abs()  # (batch, bins, frames)
    mel = torch.matmul(spec.transpose(1, 2), _mel_basis(frontend.sr, frontend.n_fft, frontend.n_mels))
    mel = torch.log10(1.0 + 10.0 * mel).numpy()
    return [mel[i, : n_frames(len(y), frontend=frontend)] for i, y in enumerate(signals)]


def logmel(y, *, frontend):
    """Time-major log-mel spectrogram of one signal, shape (frames, n_mels)."""
    return logmel_batch([y], frontend=frontend)[0]


def segments(mel, *, frontend):
    """Cut a time-major log-mel into non-overlapping segments.

    Segments start at frame 0; a trailing remainder shorter than a segment is
    dropped, except that a clip shorter than one segment is zero-padded (zero
    is silence after the log compression) to give exactly one.

    Returns
    -------
    segs : np.ndarray, float32, shape (n_segments, segment_frames, n_mels)
    """
    length = frontend.segment_frames
    count = len(mel) // length
    if count == 0:
        padded = np.zeros((length, mel.shape[1]), dtype=np.float32)
        padded[: len(mel)] = mel
        return padded[None]
    return np.ascontiguousarray(mel[: count * length].reshape(count, length, mel.shape[1]))


def standardise(x, *, frontend):
    """Standardise with the bundle's training mean and std."""
    return (x - np.float32(frontend.mean)) / np.float32(frontend.std)


def song_segments(signals, *, frontend):
    """Standardised segments of several signals and the clip each belongs to.

    Returns
    -------
    segs : np.ndarray, float32, shape (total_segments, segment_frames, n_mels)
    owner : np.ndarray, int, shape (total_segments,)
        Index into ``signals`` of each segment's clip.
    """
    parts = [segments(m, frontend=frontend) for m in logmel_batch(signals, frontend=frontend)]
    owner = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    return standardise(np.concatenate(parts), frontend=frontend), owner
