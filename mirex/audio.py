"""Decoding any audio file to mono float32 at the front end's sample rate."""
import os
import warnings

import numpy as np
import soundfile as sf
import soxr

from mirex.errors import AudioError

__all__ = ["load"]


def _decode_soundfile(path):
    with sf.SoundFile(path) as fh:
        if fh.subtype == "PCM_16":  # libsndfile's own float conversion is slower; 2**-15 scaling is exact
            data = fh.read(dtype="int16", always_2d=True).astype(np.float32)
            data *= np.float32(2**-15)
        else:
            data = fh.read(dtype="float32", always_2d=True)
        rate = fh.samplerate
    return (data[:, 0] if data.shape[1] == 1 else data.mean(axis=1)), rate


def _decode_librosa(path):
    import librosa  # audioread fallback for formats libsndfile lacks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, rate = librosa.load(path, sr=None, mono=True, dtype=np.float32)
    return y, rate


def load(path, *, sr=22050):
    """Decode an audio file to a mono float32 signal.

    Parameters
    ----------
    path : str or Path
        Any file libsndfile (WAV, FLAC, OGG, MP3, ...) or audioread can decode.
    sr : int
        Target sample rate; other rates are resampled with soxr (high quality).

    Returns
    -------
    y : np.ndarray, shape (n,), float32
        The channels averaged, resampled to ``sr``, non-finite values zeroed.

    Raises
    ------
    AudioError
        If the file is missing, cannot be decoded, or holds no samples.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise AudioError(f"{path}: no such file")
    if os.path.getsize(path) == 0:
        raise AudioError(f"{path}: empty file")
    try:
        y, rate = _decode_soundfile(path)
    except Exception as first:  # libsndfile failed: try audioread before giving up
        try:
            y, rate = _decode_librosa(path)
        except Exception:
            raise AudioError(f"{path}: cannot decode audio ({str(first).strip() or type(first).__name__})") from None
    if y.size == 0:
        raise AudioError(f"{path}: no audio samples")
    y = np.ascontiguousarray(y, dtype=np.float32)
    if not np.isfinite(y).all():
        y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    if rate != sr:
        y = soxr.resample(y, rate, sr, quality="HQ").astype(np.float32, copy=False)
    return y
