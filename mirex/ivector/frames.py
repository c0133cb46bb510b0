"""The i-vector system's frames: 20 MFCCs with their deltas and double deltas (60-d per frame).

The MFCCs are those of the timbre statistics (:func:`mirex.features.timbre.mfcc`),
from the same magnitude mel spectrogram as the network's input, so no second
decode or STFT is needed. The deltas are the 9-frame Savitzky-Golay first
derivative of the timbre statistics and the double deltas its second
derivative (polynomial order 2, as ``librosa.feature.delta(order=2,
width=9)``): the least-squares curvature, weights ``(k**2 - 20/3) / 154`` for
``k = -4 .. 4``; both with ``mode='nearest'`` at the clip's ends.

A clip keeps at most :data:`MAX_CLIP_FRAMES` frames (:func:`evenly`): all of a
30-s clip, an even sample of a longer one, so a clip's frames take at most
480 kB (float32) wherever they are kept.
"""
import numpy as np
import scipy.ndimage

from mirex.features import timbre

__all__ = ["mfcc_frames", "evenly", "DIM", "DOUBLE_DELTA", "MAX_CLIP_FRAMES"]

#: Values per frame: MFCCs, deltas, double deltas.
DIM = 3 * timbre.N_MFCC
#: Frames kept of one clip: about 46 s at the front end's hop of 512 samples at 22,050 Hz.
MAX_CLIP_FRAMES = 2000
_OFFSETS = np.arange(-4, 5, dtype=np.float64)
#: The 9-frame Savitzky-Golay second-derivative filter, as a correlation.
DOUBLE_DELTA = (_OFFSETS**2 - (_OFFSETS**2).mean()) / ((_OFFSETS**2 - (_OFFSETS**2).mean()) ** 2).sum() * 2
DOUBLE_DELTA.flags.writeable = False


def mfcc_frames(mel, *, both=None):
    """MFCCs, deltas and double deltas of each frame of a clip.

    Parameters
    ----------
    mel : np.ndarray, shape (frames, 128)
        Magnitude mel spectrogram of :data:`mirex.features.timbre.FRONTEND`; not modified.
    both : np.ndarray, shape (40, frames), optional
        :func:`mirex.features.timbre.coefficients` of ``mel``, when the timbre
        statistics have them already (default: computed here).

    Returns
    -------
    frames : np.ndarray, shape (frames, 60), float32
        Columns: 20 MFCCs, their 20 deltas, their 20 double deltas.
    """
    both = timbre.coefficients(mel) if both is None else both
    double = scipy.ndimage.correlate1d(both[: timbre.N_MFCC], DOUBLE_DELTA, axis=-1, mode="nearest")
    return np.vstack([both, double]).T.astype(np.float32)


def evenly(frames, *, limit=MAX_CLIP_FRAMES):
    """At most ``limit`` rows of ``frames``, evenly spaced from first to last (all of them when there are no more)."""
    if len(frames) <= limit:
        return frames
    return frames[np.linspace(0, len(frames) - 1, limit).round().astype(int)]
