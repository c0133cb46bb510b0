"""Decoding any audio file to mono float32 at the front end's sample rate."""
import contextlib
import os
import sys
import threading
import warnings

import numpy as np
import soundfile as sf
import soxr

from mirex.errors import AudioError

__all__ = ["load"]

_BLOCK = 1 << 18  # frames read at a time, so only the mono signal is ever held whole
#: How the files begin that libsndfile parses itself (WAV, RF64, Wave64, FLAC, Ogg, AIFF, AU, CAF): never
#: through mpg123, which prints notes on fd 2 about what it cannot parse.
_SILENT_FORMATS = (b"RIFF", b"RIFX", b"RF64", b"BW64", b"riff", b"fLaC", b"OggS", b"FORM", b".snd", b"caff")
#: Held while fd 2 is redirected: it is the whole process's, and decoding runs in several threads.
_STDERR = threading.RLock()


def _decode_soundfile(path):
    with sf.SoundFile(os.fsencode(path)) as fh:  # bytes: names that are not UTF-8 open too
        rate = fh.samplerate
        if fh.subtype == "PCM_16":  # libsndfile's own float conversion is slower; 2**-15 scaling is exact
            blocks = (b.astype(np.float32) * np.float32(2**-15)
                      for b in fh.blocks(blocksize=_BLOCK, dtype="int16", always_2d=True))
        else:
            blocks = fh.blocks(blocksize=_BLOCK, dtype="float32", always_2d=True)
        parts = [b[:, 0] if b.shape[1] == 1 else b.mean(axis=1) for b in blocks]
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)), rate


def _decode_librosa(path):
    import librosa  # audioread fallback for formats libsndfile lacks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, rate = librosa.load(path, sr=None, mono=True, dtype=np.float32)
    return y, rate


def _silent_format(path):
    try:
        with open(path, "rb") as fh:
            return fh.read(4) in _SILENT_FORMATS
    except OSError:  # the decoder will say why
        return False


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the decoders' C libraries (mpg123); errors are reported by exception. One thread at a time."""
    with _STDERR:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _reason(exc):
    """A one-line reason; libsndfile's without its 'Error opening FILE:' prefix."""
    text = getattr(exc, "error_string", None) or str(exc)
    if text.startswith("File does not exist"):  # what libsndfile says of an existing file it cannot parse (MP3)
        text = "Format not recognised."
    lines = text.strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def load(path, *, sr=22050):
    """Decode an audio file to a mono float32 signal.

    Parameters
    ----------
    path : str or Path
        Any file libsndfile (WAV, FLAC, OGG, MP3, ...) or audioread can decode;
        the format is recognised from the content, not the name.
    sr : int
        Target sample rate; other rates are resampled with soxr (high quality).

    Returns
    -------
    y : np.ndarray, shape (n,), float32
        The channels averaged, non-finite samples zeroed, resampled to ``sr``.

    Raises
    ------
    AudioError
        With a one-line reason naming the file, whenever it is missing, cannot
        be decoded, or holds no samples; never any other exception.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise AudioError(f"{path}: no such file")
    if os.path.getsize(path) == 0:
        raise AudioError(f"{path}: empty file")
    with contextlib.nullcontext() if _silent_format(path) else _quiet_stderr():
        try:
            y, rate = _decode_soundfile(path)
        except Exception as first:  # libsndfile failed: try audioread before giving up
            try:
                with _quiet_stderr():
                    y, rate = _decode_librosa(path)
            except Exception:
                raise AudioError(f"{path}: cannot decode audio ({_reason(first)})") from None
    if y.size == 0:
        raise AudioError(f"{path}: no audio samples")
    y = np.ascontiguousarray(y, dtype=np.float32)
    if not np.isfinite(y).all():
        y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    if rate != sr:
        try:
            y = soxr.resample(y, rate, sr, quality="HQ").astype(np.float32, copy=False)
        except Exception as exc:
            raise AudioError(f"{path}: cannot resample from {rate} Hz ({_reason(exc)})") from None
    return y
