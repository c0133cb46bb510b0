"""Timbre statistics of a signal given block by block, with memory flat in its length.

:func:`timbre_stats` gives the 80-d vector of :func:`mirex.features.timbre.timbre_statistics`
(20 MFCCs and their deltas, mean and std) without holding the signal or its
STFT: the magnitude mel spectrogram of :data:`mirex.features.timbre.FRONTEND`
is taken block by block (:meth:`mirex.frontend.MelSpectrogram.from_blocks`,
a frame's worth of samples carried across each block edge) and only it is
kept (128 bands: about 80 MB for an hour), because the dB floor is 80 dB
below its maximum over the whole signal.
"""
from functools import lru_cache

from mirex.features.timbre import FRONTEND, timbre_statistics
from mirex.frontend import MelSpectrogram

__all__ = ["timbre_stats"]


@lru_cache(maxsize=1)
def _spectrogram():
    return MelSpectrogram(FRONTEND)


def timbre_stats(blocks, *, sr):
    """Mean and std of the MFCCs and their deltas of a signal given as blocks, shape (80,), float32.

    Parameters
    ----------
    blocks : iterable of np.ndarray
        Consecutive parts of one mono float32 signal (e.g.
        :func:`mirex.audio.stream`), read once, one at a time.
    sr : int
        The signal's sample rate: the timbre front end's (22,050 Hz).

    Returns
    -------
    stats : np.ndarray, shape (80,), float32
        What the feature extractor's timbre statistics give for the whole signal.
    """
    if sr != FRONTEND.sr:
        raise ValueError(f"timbre statistics need {FRONTEND.sr} Hz blocks, not {sr} Hz")
    return timbre_statistics(_spectrogram().from_blocks(blocks))
