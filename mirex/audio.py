"""Decoding any audio file to mono float32 at the front end's sample rate.

Only regular files are read (after following links): a pipe or a device is
reported as undecodable before a byte is read (:mod:`mirex.files`). Files are
read forward in blocks, so formats libsndfile cannot seek in (GSM 6.10, G.72x,
NMS ADPCM, DPCM) decode too. :func:`load` returns the whole signal;
:func:`stream` yields it block by block, so memory stays flat in a file's
length, and can leave a mono 16-bit file's samples as they are stored
(int16, see :func:`as_float32`) for a consumer that scales them itself.
"""
import contextlib
import os
import sys
import threading
import warnings

import numpy as np
import soundfile as sf
import soxr

from mirex.errors import AudioError
from mirex.files import open_regular

__all__ = ["load", "stream", "as_float32", "finite_float32", "mean_of_channels", "PCM16_SCALE"]

_BLOCK = 1 << 18  # frames read at a time, so only the mono signal is ever held whole
#: How the files begin that libsndfile parses itself (WAV, RF64, Wave64, FLAC, Ogg, AIFF, AU, CAF): never
#: through mpg123, which prints notes on fd 2 about what it cannot parse.
_SILENT_FORMATS = (b"RIFF", b"RIFX", b"RF64", b"BW64", b"riff", b"fLaC", b"OggS", b"FORM", b".snd", b"caff")
#: Held while fd 2 is redirected: it is the whole process's, and decoding runs in several threads.
_STDERR = threading.RLock()


#: The value of one step of a 16-bit sample: an int16 block ``b`` is the signal ``b * PCM16_SCALE``.
PCM16_SCALE = np.float32(2**-15)


def as_float32(block):
    """The float32 samples of a block from :func:`stream`: int16 blocks scaled by :data:`PCM16_SCALE`
    (exactly), float32 ones as they are."""
    return np.multiply(block, PCM16_SCALE, dtype=np.float32) if block.dtype == np.int16 else block


def mean_of_channels(samples, *, axis):
    """The mean over the channels (``axis``) in float32, summed one channel at a time.

    What ``samples.mean(axis, dtype=np.float32)`` gives (NumPy sums fewer
    than 8 terms in order), several times faster over the short inner axis
    of interleaved samples (2 ms instead of 27 for 30 s of stereo).
    """
    channels = np.moveaxis(np.asarray(samples), axis, 0)
    total = channels[0].astype(np.float32)
    for channel in channels[1:]:
        np.add(total, channel, out=total, dtype=np.float32)
    total /= np.float32(len(channels))
    return total


def _mono_blocks(fh, *, frames, pcm16=False):
    """Mono blocks of an open ``sf.SoundFile``, non-finite samples zeroed, read forward only (no seeking,
    no frame count needed): float32, or with ``pcm16`` a mono 16-bit file's int16 samples."""
    pcm = fh.subtype == "PCM_16"  # libsndfile's own float conversion is slower; 2**-15 scaling is exact
    while True:
        block = fh.read(frames, dtype="int16" if pcm else "float32", always_2d=True)
        if len(block):
            mono = block[:, 0] if block.shape[1] == 1 else mean_of_channels(block, axis=1)
            if pcm:  # int16 samples, or their mean over the channels in the same units
                yield mono if pcm16 and mono.dtype == np.int16 else np.multiply(mono, PCM16_SCALE, dtype=np.float32)
            else:
                yield finite_float32(mono)
        if len(block) < frames:
            return


def _decode_librosa(path):
    import librosa  # audioread fallback for formats libsndfile lacks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, rate = librosa.load(path, sr=None, mono=True, dtype=np.float32)
    return finite_float32(y), rate


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the decoders' C libraries (mpg123); errors are reported by exception. One thread at a time."""
    with _STDERR:
        with contextlib.suppress(Exception):  # no stderr, or a broken one: nothing to flush
            sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # fd 2 is closed: nothing to silence
            yield
            return
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


@contextlib.contextmanager
def _opened(path):
    """The regular file ``path`` opened, and a context that quiets fd 2 while an unknown format is parsed."""
    try:
        fh = open_regular(path)
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror or str(exc)
        raise AudioError(f"{path}: {reason}") from None
    with fh:
        if os.fstat(fh.fileno()).st_size == 0:
            raise AudioError(f"{path}: empty file")
        silent = os.pread(fh.fileno(), 4, 0) in _SILENT_FORMATS
        yield fh, (contextlib.nullcontext if silent else _quiet_stderr)


def finite_float32(y):
    """Contiguous float32, non-finite samples zeroed: ``y`` itself when it already is (one pass to check)."""
    y = np.ascontiguousarray(y, dtype=np.float32)
    return y if np.isfinite(y).all() else np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)


def load(path, *, sr=22050):
    """Decode an audio file to a mono float32 signal.

    Parameters
    ----------
    path : str or Path
        Any regular file libsndfile (WAV, FLAC, OGG, MP3, ...) or audioread
        can decode; the format is recognised from the content, not the name.
    sr : int
        Target sample rate; other rates are resampled with soxr (high quality).

    Returns
    -------
    y : np.ndarray, shape (n,), float32
        The channels averaged, non-finite samples zeroed, resampled to ``sr``.

    Raises
    ------
    AudioError
        With a one-line reason naming the file, whenever it is missing, not a
        regular file, cannot be decoded, or holds no samples; never any other
        exception.
    """
    path = os.fspath(path)
    with _opened(path) as (fh, quiet):
        with quiet():
            try:
                with sf.SoundFile(fh.fileno(), closefd=False) as snd:
                    rate = snd.samplerate
                    parts = list(_mono_blocks(snd, frames=_BLOCK))
                y = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
            except Exception as first:  # libsndfile failed: try audioread before giving up
                try:
                    with _quiet_stderr():
                        y, rate = _decode_librosa(path)
                except Exception:
                    raise AudioError(f"{path}: cannot decode audio ({_reason(first)})") from None
    if y.size == 0:
        raise AudioError(f"{path}: no audio samples")
    if rate != sr:
        try:
            y = soxr.resample(y, rate, sr, quality="HQ").astype(np.float32, copy=False)
        except Exception as exc:
            raise AudioError(f"{path}: cannot resample from {rate} Hz ({_reason(exc)})") from None
    return y


def _source_blocks(path, fh, quiet, *, block_seconds, pcm16_rate=None):
    """``(rate, blocks)``: libsndfile's blocks as read (a mono 16-bit file's as int16 when its rate is
    ``pcm16_rate``), or audioread's whole signal as one block."""
    try:
        with quiet():
            snd = sf.SoundFile(fh.fileno(), closefd=False)
    except Exception as first:
        try:
            with _quiet_stderr():
                y, rate = _decode_librosa(path)
        except Exception:
            raise AudioError(f"{path}: cannot decode audio ({_reason(first)})") from None
        return rate, iter([y])

    def blocks():
        with snd:
            reader = _mono_blocks(snd, frames=max(1, int(block_seconds * snd.samplerate)),
                                  pcm16=snd.samplerate == pcm16_rate)
            while True:
                try:
                    with quiet():
                        block = next(reader, None)
                except Exception as exc:
                    raise AudioError(f"{path}: cannot decode audio ({_reason(exc)})") from None
                if block is None:
                    return
                yield block

    return snd.samplerate, blocks()


def stream(path, *, sr=22050, block_seconds=30.0, pcm16=False):
    """Decode an audio file block by block, with memory flat in its length.

    The concatenated blocks equal :func:`load`'s signal: exactly at the
    file's own rate, to the resampler's precision (about 1e-6 here) otherwise.

    Parameters
    ----------
    path : str or Path
        As for :func:`load`.
    sr : int
        Target sample rate; other rates are resampled by a streaming soxr
        resampler (high quality).
    block_seconds : float
        Length of the blocks read from the file (the yielded blocks are
        about as long, at the target rate).
    pcm16 : bool
        Yield a mono 16-bit PCM file at rate ``sr`` as its stored int16
        samples (the signal is ``block * PCM16_SCALE``, :func:`as_float32`),
        for a consumer that scales them in a pass of its own
        (:meth:`mirex.frontends.mel.MelSpectrogram.from_blocks` does, in the
        window). Every block of a stream has the same dtype.

    Yields
    ------
    block : np.ndarray, shape (n,), float32 (or int16, see ``pcm16``)
        Consecutive parts of the mono signal (non-empty).

    Raises
    ------
    AudioError
        As :func:`load`; raised while iterating, at the latest after the last
        block (a file with no samples).
    """
    path = os.fspath(path)
    total = 0
    with _opened(path) as (fh, quiet):
        rate, blocks = _source_blocks(path, fh, quiet, block_seconds=block_seconds, pcm16_rate=sr if pcm16 else None)
        try:
            resampler = None if rate == sr else soxr.ResampleStream(rate, sr, 1, dtype="float32", quality="HQ")
        except Exception as exc:
            raise AudioError(f"{path}: cannot resample from {rate} Hz ({_reason(exc)})") from None
        for block in blocks:
            total += block.size
            if resampler is not None:
                block = resampler.resample_chunk(block)
            if block.size:
                yield block
        if resampler is not None and total:
            tail = resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            if tail.size:
                yield tail
    if total == 0:
        raise AudioError(f"{path}: no audio samples")
