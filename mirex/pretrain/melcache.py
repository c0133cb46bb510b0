"""Network inputs computed once and read by memory map during training.

A mel front end's input is the log-mel spectrogram; a waveform front end's
(:class:`~mirex.frontends.waveform.WaveformFrontEnd`) is the decoded signal
itself, one channel. Either is an array (time steps, channels), and goes
through two stages:

1. :func:`build_mel_cache` decodes audio files and stores each file's raw
   (unstandardised) log-mel or signal in a content-keyed :class:`~mirex.cache.FeatureCache`
   (one ``.npy`` per file, written atomically). Files already there are skipped,
   so a killed run resumes where it stopped, and several processes or
   machines may fill one cache from disjoint chunks of a list at once.
2. :func:`pack_split` concatenates the arrays of one split into a single
   float16 ``.npy`` (time steps x channels) plus the offset of each clip,
   which :class:`MelSplit` opens with ``mmap_mode='r'``: training epochs then
   read neither audio nor whole arrays into memory.
"""
import contextlib
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from mirex.atomic import atomic_path
from mirex.audio import load
from mirex.cache import FeatureCache
from mirex.errors import AudioError
from mirex.extract import file_key
from mirex.frontends.mel import logmel
from mirex.malloc import keep_freed_memory
from mirex.threads import default_jobs, in_order, indexed_batches

__all__ = ["mel_namespace", "build_mel_cache", "pack_split", "MelSplit"]


def _waveform(frontend):
    return getattr(frontend, "kind", "mel") == "waveform"


def mel_namespace(frontend):
    """Cache namespace of raw inputs: changes with the STFT and mel parameters (or the sample rate) only."""
    if _waveform(frontend):
        return f"waveform-{frontend.sr}"
    params = [frontend.sr, frontend.n_fft, frontend.hop_length, frontend.n_mels]
    return "logmel-" + hashlib.sha256(json.dumps(params).encode()).hexdigest()[:12]


def _raw(y, frontend):
    """The network input of one signal before standardisation, shape (time steps, channels)."""
    return y[:, None] if _waveform(frontend) else logmel(y, frontend=frontend)


def _channels(frontend):
    return 1 if _waveform(frontend) else frontend.n_mels


def _segment_length(frontend):
    return frontend.segment_samples if _waveform(frontend) else frontend.segment_frames


class _Mels:
    """One task of :func:`build_mel_cache`: store the missing log-mels of ``[(index, path)]``.

    Returns ``[(index, key, message)]``: the content key, or None and a one-line reason.
    """

    def __init__(self, *, cache, namespace, frontend):
        self.cache, self.namespace, self.frontend = cache, namespace, frontend

    def __call__(self, items):
        done = []
        for index, path in items:
            key, message = file_key(path)
            if key is not None and self.cache.shape(self.namespace, key) is None:
                try:
                    self.cache.put(self.namespace, key, _raw(load(path, sr=self.frontend.sr), self.frontend))
                except AudioError as exc:
                    key, message = None, str(exc)
            done.append((index, key, message))
        return done


def build_mel_cache(paths, *, folder, frontend, n_jobs=None, batch_clips=8, progress=False, cluster=None):
    """Compute the log-mels (or decoded signals) of ``paths`` that the cache in ``folder`` lacks.

    Parameters
    ----------
    paths : sequence of str
        Audio files.
    folder : str or Path
        Root of the mel cache (a :class:`~mirex.cache.FeatureCache`).
    frontend : mirex.frontends.mel.FrontEnd or mirex.frontends.waveform.WaveformFrontEnd
        STFT and mel parameters (its mean and std are not used), or the sample rate.
    n_jobs : int, optional
        Threads (default: all cores).
    batch_clips : int
        Files per task.
    progress : bool
        Show a progress bar on stderr.
    cluster : mirex.cluster.Cluster, optional
        Compute on a Dask cluster instead: each task runs this function on a
        chunk of ``paths`` (made absolute) on a worker, which writes the
        content-keyed entries itself, so ``folder`` must be a folder all
        workers see at the same path.

    Returns
    -------
    keys : list of str or None
        The content key of each path (None where it failed).
    errors : dict of int to str
        Index and one-line reason of each path that could not be read or decoded.
    """
    from mirex.log import progress_bar

    if cluster is not None:
        return _build_on_cluster(paths, folder=folder, frontend=frontend, cluster=cluster, progress=progress)
    keep_freed_memory()
    work = _Mels(cache=FeatureCache(folder), namespace=mel_namespace(frontend), frontend=frontend)
    n_jobs = n_jobs or default_jobs()
    tasks = indexed_batches(paths, batch_clips, n_jobs=n_jobs)
    keys, errors = [None] * len(paths), {}
    with progress_bar(enabled=progress, total=len(paths), unit="clip", desc="log-mels", leave=False) as bar:
        for done in in_order(work, tasks, n_jobs=n_jobs):
            for index, key, message in done:
                keys[index] = key
                if message:
                    errors[index] = message
            bar.update(len(done))
    return keys, dict(sorted(errors.items()))


def _build_on_cluster(paths, *, folder, frontend, cluster, progress):
    """:func:`build_mel_cache` by the chunk on ``cluster`` (a :class:`mirex.cluster.Cluster`)."""
    from mirex.log import progress_bar

    paths = [os.path.abspath(p) for p in paths]
    keys, errors = [None] * len(paths), {}
    bar = progress_bar(enabled=progress, total=len(paths), unit="clip", desc="log-mels", leave=False)

    def keep(start, value):
        chunk_keys, chunk_errors = value
        keys[start : start + len(chunk_keys)] = chunk_keys
        errors.update({start + i: message for i, message in chunk_errors.items()})
        bar.update(len(chunk_keys))

    with contextlib.closing(bar):
        cluster.map(build_mel_cache, cluster.chunks(paths), on_result=keep, folder=str(Path(folder).resolve()),
                    frontend=frontend, n_jobs=1, progress=False)
    return keys, dict(sorted(errors.items()))


def pack_split(keys, *, folder, frontend, name):
    """Concatenate cached inputs into one float16 array for memory-mapped reading.

    Parameters
    ----------
    keys : sequence of str
        Content keys (from :func:`build_mel_cache`) of the split's clips, in order.
    folder : str or Path
        The mel cache root; the pack goes to ``folder/packs/NAME-DIGEST.npy``
        with ``...offsets.npy`` beside it, DIGEST naming the key list.
    frontend : mirex.frontends.mel.FrontEnd or mirex.frontends.waveform.WaveformFrontEnd
    name : str
        Split name (part of the file name).

    Returns
    -------
    data_path, offsets_path : Path
        An existing pack for the same keys is reused. The data file is renamed
        into place before the offsets file is written, so an offsets file
        always stands beside complete data.
    """
    cache, namespace = FeatureCache(folder), mel_namespace(frontend)
    digest = hashlib.sha256(json.dumps([namespace, list(keys)]).encode()).hexdigest()[:12]
    data_path = Path(folder) / "packs" / f"{name}-{digest}.npy"
    offsets_path = data_path.with_suffix(".offsets.npy")
    if offsets_path.is_file() and data_path.is_file():
        return data_path, offsets_path
    lengths = [cache.shape(namespace, key)[0] for key in keys]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    with atomic_path(data_path, suffix=".npy") as tmp:
        data = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float16, shape=(int(offsets[-1]), _channels(frontend)))
        for key, start, stop in zip(keys, offsets[:-1], offsets[1:]):
            data[start:stop] = cache.get(namespace, key)
        data.flush()
        del data
    with atomic_path(offsets_path, suffix=".npy") as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, offsets)
    return data_path, offsets_path


class MelSplit:
    """The inputs of one split, memory-mapped, with each clip's artist and training targets.

    Parameters
    ----------
    data_path, offsets_path : str or Path
        A pack from :func:`pack_split`.
    artists : array of int, shape (n_clips,)
        Artist index of each clip.
    songs : array of int, shape (n_clips,), optional
        Song index of each clip (default: every clip its own song).
    frontend : mirex.frontends.mel.FrontEnd or mirex.frontends.waveform.WaveformFrontEnd
        Segment length and (mel) the standardisation applied by :meth:`read`.
    targets : array or dict of str to array, optional
        What the training model learns of each clip (first axis: clips);
        default the artist indices.
    """

    def __init__(self, data_path, offsets_path, *, artists, frontend, songs=None, targets=None):
        self.data = np.load(data_path, mmap_mode="r")
        self.offsets = np.load(offsets_path)
        self.artists = np.asarray(artists, dtype=np.int64)
        self.songs = np.arange(len(self.artists)) if songs is None else np.asarray(songs, dtype=np.int64)
        self.targets = self.artists if targets is None else targets
        self.frontend = frontend
        self.frames = np.diff(self.offsets)
        self.length = _segment_length(frontend)
        #: Non-overlapping segments per clip, as :func:`mirex.frontends.segments.segments` cuts them.
        self.n_segments = np.maximum(self.frames // self.length, 1)

    def __len__(self):
        return len(self.offsets) - 1

    def fixed(self):
        """Every clip's non-overlapping segments: (clips, start frames)."""
        clips = np.repeat(np.arange(len(self)), self.n_segments)
        first = np.repeat(np.cumsum(self.n_segments) - self.n_segments, self.n_segments)
        return clips, (np.arange(len(clips)) - first) * self.length

    def random_starts(self, clips, rng, *, aligned=False):
        """A random segment start in each of ``clips``; ``aligned`` picks among the fixed segments."""
        u = rng.random(len(clips))
        if aligned:
            return (u * self.n_segments[clips]).astype(np.int64) * self.length
        return (u * np.maximum(self.frames[clips] - self.length + 1, 1)).astype(np.int64)

    def read(self, clips, starts):
        """Segments, float32, shape (n, segment length, channels); short clips zero-padded.

        Log-mels are standardised with the front end's mean and std; waveforms are read as they are.
        """
        out = np.zeros((len(clips), self.length, self.data.shape[1]), dtype=np.float32)
        for row, (clip, start) in enumerate(zip(clips, starts)):
            begin = self.offsets[clip] + start
            stop = min(begin + self.length, self.offsets[clip + 1])
            out[row, : stop - begin] = self.data[begin:stop]
        if _waveform(self.frontend):
            return out
        return (out - np.float32(self.frontend.mean)) / np.float32(self.frontend.std)

    def stats(self, *, chunk=1 << 16):
        """Mean and std of all stored values, accumulated in float64 chunk by chunk."""
        total, squares, count = 0.0, 0.0, 0
        for start in range(0, len(self.data), chunk):
            block = np.asarray(self.data[start : start + chunk], dtype=np.float64)
            total += block.sum()
            squares += np.square(block).sum()
            count += block.size
        mean = total / count
        return float(mean), float(np.sqrt(max(squares / count - mean * mean, 0.0)))
