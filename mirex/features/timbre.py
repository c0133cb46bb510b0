"""Timbre statistics: mean and std over a clip of 20 MFCCs and their deltas (80-d).

The MFCCs come from the same magnitude mel spectrogram as the network's
input (:data:`FRONTEND`: 22,050 Hz, n_fft 1024, hop 512, 128 Slaney bands),
so a system with both shares one STFT: dB = ``20 log10(max(mel, 1e-5))``
floored 80 dB below the clip's maximum, the first 20 coefficients of the
orthonormal DCT-II over the bands, and deltas as ``librosa.feature.delta``
computes them (9-frame Savitzky-Golay first derivative, ``mode='nearest'``;
for a first-order fit that is the least-squares slope, weights ``k / 60``
for ``k = -4 .. 4``, so SciPy's signal package need not be imported). With
librosa that is ``librosa.feature.mfcc(S=librosa.power_to_db(mel ** 2),
n_mfcc=20)``.
"""
from functools import cache

import numpy as np
import scipy.fft
import scipy.ndimage
import torch

from mirex.frontends.mel import FrontEnd

__all__ = ["timbre_statistics", "coefficients", "statistics_of", "mfcc", "delta_filter", "FRONTEND", "N_MFCC", "DIM"]

#: The mel spectrogram the timbre statistics are computed from.
FRONTEND = FrontEnd()
N_MFCC = 20
DIM = 4 * N_MFCC


def timbre_statistics(mel):
    """Mean and std of 20 MFCCs and their deltas, shape (80,), float32.

    Parameters
    ----------
    mel : np.ndarray, shape (frames, 128)
        Magnitude mel spectrogram (:class:`mirex.frontends.mel.MelSpectrogram` of :data:`FRONTEND`); not modified.
    """
    return statistics_of(coefficients(mel))


def coefficients(mel):
    """The 20 MFCCs of each frame and their deltas, coefficient-major: shape (40, frames), float64.

    What the timbre statistics summarise, and the first 40 values of each
    i-vector frame (:func:`mirex.ivector.mfcc_frames`), computed once when a
    system needs both.
    """
    mfccs = mfcc(mel)
    return np.vstack([mfccs, scipy.ndimage.correlate1d(mfccs, delta_filter(), axis=-1, mode="nearest")])


def statistics_of(both):
    """The timbre statistics of :func:`coefficients`: their means and stds over the frames, shape (80,), float32."""
    return np.concatenate([both.mean(axis=1), both.std(axis=1)]).astype(np.float32)


def mfcc(mel):
    """The 20 MFCCs of each frame, coefficient-major: shape (20, frames), float64.

    Parameters
    ----------
    mel : np.ndarray, shape (frames, 128)
        Magnitude mel spectrogram, as for :func:`timbre_statistics`; not modified.
    """
    # The dB floors (1e-5, and 80 dB below the maximum) as one floor of the magnitude, before the log.
    db = np.maximum(mel, np.float32(max(1e-5, 1e-4 * float(mel.max()))))
    torch.from_numpy(db).log_().mul_(20 / np.log(10))  # PyTorch's float32 log is vectorised, NumPy's slower
    return (db @ _dct(mel.shape[1])).T.astype(np.float64)


@cache
def delta_filter():
    """The 9-frame Savitzky-Golay first-derivative filter (as a correlation), float64, read-only."""
    offsets = np.arange(-4, 5, dtype=np.float64)
    weights = offsets / (offsets**2).sum()
    weights.flags.writeable = False
    return weights


@cache
def _dct(bands):
    """The first :data:`N_MFCC` orthonormal DCT-II basis vectors over ``bands`` (columns), float32, read-only."""
    dct = scipy.fft.dct(np.eye(bands), type=2, norm="ortho", axis=1)[:, :N_MFCC].astype(np.float32)
    dct.flags.writeable = False
    return dct
