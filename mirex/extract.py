"""Song features for a list of files: cache, threads, batches.

The list is cut into batches of a few files, and each batch is one task for a
pool of threads that runs the whole path: hash each file's bytes and look the
hash up in the cache; for the misses, decode the audio and run the
extractor's clip stage (for the DCNN: log-mel and standardised segments),
then its batch stage over all of them (the network, one call per batch), and
write each new row to the cache at once.

The heavy operations (file reads, hashing, decoding, FFTs, the sparse mel
product, the convolutions) all release the GIL, so threads keep the cores
busy (93-96 % of two; the rest is waiting for the GIL) with no worker
processes to start, nothing copied between processes and one copy of the
network in memory. The network (and any BLAS or OpenMP call) runs
single-threaded in each task: batches in parallel use the cores better than
one batch on all of them, and idle BLAS threads would spin on the cores.

At most two tasks per thread are in flight and results are consumed in
order, so memory stays flat in the list length and a killed run loses at most
those few batches. A file that cannot be read or decoded, or whose features
cannot be computed or are not finite, yields a row of NaN and an error
message (a batch that fails is retried clip by clip, so one odd file never
costs the others); callers decide what to do with it.

Signals in memory take the same path with a ``decode`` of their own in
place of the file's (the Python API, the HEAR module); the threads are
:mod:`mirex.threads`'. Every output (the scripts, ``mirex embed``, ``mirex
similarity``, the API) gets the system's features through
:func:`spec_features`, the commands by :func:`cached_features`.
"""
import os
from dataclasses import dataclass, field

import numpy as np

from mirex.audio import stream
from mirex.cache import FeatureCache, content_key
from mirex.errors import AudioError
from mirex.malloc import keep_freed_memory
from mirex.threads import default_jobs, in_order, indexed_batches, one_thread_per_task

__all__ = ["Extraction", "extract", "spec_features", "cached_features", "file_key", "add_jobs_argument", "positive_int",
           "add_device_argument"]


def positive_int(text):
    """argparse type: a whole number of at least 1."""
    import argparse

    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def add_jobs_argument(parser):
    """Add ``-numThreads N`` (alias ``--num-threads``; ``args.n_jobs``) to an argparse parser."""
    parser.add_argument("-numThreads", "--num-threads", dest="n_jobs", type=positive_int, metavar="N",
                        help="threads, one core each (default: all cores)")


def _device(text):
    import argparse

    import torch

    try:
        device = torch.device(text)
    except RuntimeError:
        raise argparse.ArgumentTypeError(f"not a torch device: {text!r} (e.g. cpu, cuda, cuda:1)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise argparse.ArgumentTypeError(f"{text}: PyTorch sees no CUDA device here")
    return device


def add_device_argument(parser):
    """Add ``--device DEVICE`` (``args.device``, a torch.device or None) to an argparse parser."""
    parser.add_argument("--device", type=_device, metavar="DEVICE",
                        help="run the front end and the network in PyTorch on this device (cuda, cuda:1, cpu); "
                             "default: NumPy front end and the network in CPU threads")


@dataclass
class Extraction:
    """Result of :func:`extract`.

    Attributes
    ----------
    features : np.ndarray, float32, shape (n_files, dim)
        One row per input path; NaN rows for files that failed.
    errors : dict of int to str
        Index of each failed path and a one-line reason.
    hits : int
        Rows served from the cache.
    """

    features: np.ndarray
    errors: dict = field(default_factory=dict)
    hits: int = 0

    @property
    def ok(self):
        """Boolean mask of rows that were computed."""
        mask = np.ones(len(self.features), dtype=bool)
        mask[list(self.errors)] = False
        return mask


def file_key(path):
    """``(content key, None)``, or ``(None, message)`` for a file that cannot be read."""
    try:
        return content_key(path), None
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror or exc
        return None, f"{path}: {reason}"


def _failure(path, exc):
    reason = (str(exc).strip().splitlines() or [""])[0]
    return f"{path}: feature extraction failed ({type(exc).__name__}: {reason})"


_NOT_FINITE = "{}: features are not finite (extreme sample values?)"


@dataclass
class _File:
    """A file in a task of :func:`extract`: its cache key, cached entries, pass inputs, or an error."""

    index: int
    path: str
    key: str = None
    entries: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    error: str = None


class _Batch:
    """One task of :func:`extract`: the features of a few files (or other items ``decode`` reads).

    Called with ``[(index, item), ...]``, it returns ``[(index, kind, value)]``
    with kind ``'row'`` (computed), ``'hit'`` (every pass from the cache) or
    ``'error'`` (value: a one-line message). Only the passes a file misses in
    the cache are computed, all from one decoded signal.
    """

    def __init__(self, extractor, cache, decode=None):
        self.extractor, self.cache, self.decode = extractor, cache, decode

    def __call__(self, items):
        files = [self._file(index, item) for index, item in items]
        for name in self.extractor.passes:
            todo = [f for f in files if name in f.inputs and f.error is None]
            for f, entry in zip(todo, self._entries(name, todo)):
                if isinstance(entry, str) or not np.isfinite(entry).all():
                    f.error = entry if isinstance(entry, str) else _NOT_FINITE.format(f.path)
                    continue
                f.entries[name] = entry
                if self.cache is not None:
                    self.cache.put(name, f.key, entry)
        return [self._outcome(f) for f in files]

    def _file(self, index, item):
        """Look a file's passes up in the cache and prepare the inputs of those it misses."""
        path = item if self.decode is None else f"item {index}"
        f = _File(index, path)
        if self.cache is not None:
            f.key, f.error = file_key(path)
            if f.error:
                return f
            for name in self.extractor.passes:
                hit = self.cache.get(name, f.key)
                if hit is not None:
                    f.entries[name] = hit
        missing = [name for name in self.extractor.passes if name not in f.entries]
        if missing:
            try:
                blocks = stream(path, sr=self.extractor.sr, pcm16=True) if self.decode is None else self.decode(item)
                f.inputs = self.extractor.prepare(blocks, missing)
            except AudioError as exc:
                f.error = str(exc)
            except Exception as exc:  # an odd decodable file must not stop the run
                f.error = _failure(path, exc)
        return f

    def _entries(self, name, files):
        """The entry of pass ``name``, or an error message, for each file."""
        if not files:
            return []
        try:
            return list(self.extractor.compute(name, [f.inputs[name] for f in files]))
        except Exception as exc:
            if len(files) > 1:  # find the file that fails; keep the others
                return [entry for f in files for entry in self._entries(name, [f])]
            return [_failure(files[0].path, exc)]

    def _outcome(self, f):
        if f.error is not None:
            return f.index, "error", f.error
        return f.index, "row" if f.inputs else "hit", self.extractor.combine(f.entries)


def extract(paths, *, extractor, cache=None, n_jobs=None, batch_clips=8, progress=False, decode=None):
    """Compute (or fetch from the cache) song features of ``paths``.

    Parameters
    ----------
    paths : sequence of str
        Audio files (absolute, or relative to the working directory), or
        any items ``decode`` reads.
    extractor : object
        A :class:`mirex.features.FeaturePipeline` (or anything with its thread-safe stages and ``dim``;
        ``prepare`` gets :func:`mirex.audio.stream`'s blocks with ``pcm16=True``).
    cache : mirex.cache.FeatureCache, optional
        Where features are kept between calls.
    n_jobs : int, optional
        Threads, one core each (default: all cores).
    batch_clips : int
        Clips per task, and so per call of the extractor's batch stage (fewer
        near the end of the list: :func:`mirex.threads.indexed_batches`).
    progress : bool
        Show a progress bar on stderr.
    decode : callable, optional
        ``decode(item)``: the blocks of one item's mono signal at
        ``extractor.sr``, as ``prepare`` takes them, read in the item's
        thread; for items that are not files (signals in memory: then
        without a cache, and an item that fails is named ``item INDEX`` in
        its message). Default: :func:`mirex.audio.stream` of each path.

    Returns
    -------
    Extraction
        ``features`` has ``extractor.dim`` columns whatever the outcome (all
        NaN rows when no file could be used; no rows for no paths).
    """
    from mirex.log import progress_bar

    if decode is not None and cache is not None:
        raise ValueError("items read by decode have no content key for the cache")
    keep_freed_memory()
    paths = [os.fspath(p) for p in paths] if decode is None else list(paths)
    errors, rows = {}, {}
    hits = 0
    with one_thread_per_task(), \
            progress_bar(enabled=progress, total=len(paths), unit="clip", desc="features", leave=False) as bar:
        n_jobs = min(n_jobs or default_jobs(), max(len(paths), 1))  # one item runs in this thread
        batches = indexed_batches(paths, batch_clips, n_jobs=n_jobs)
        for done in in_order(_Batch(extractor, cache, decode), batches, n_jobs=n_jobs):
            for index, kind, value in done:
                if kind == "error":
                    errors[index] = value
                else:
                    rows[index] = value
                    hits += kind == "hit"
            bar.update(len(done))
    features = np.full((len(paths), extractor.dim), np.nan, dtype=np.float32)
    for index, value in rows.items():
        features[index] = value
    return Extraction(features=features, errors=dict(sorted(errors.items())), hits=hits)


def spec_features(extraction, *, extractor, warn=None):
    """The feature system's song features of an extraction, NaN rows for the files that could not be used.

    The one step from :func:`extract` to every output: the bundle's artist LDA
    when the spec asks for it (``reduce``), the system's width even when no file could be used.

    Parameters
    ----------
    extraction : Extraction
        What :func:`extract` gave with ``extractor`` (or the same computed
        elsewhere, e.g. on a Dask cluster).
    extractor : mirex.features.FeaturePipeline
    warn : callable, optional
        Called with each failed file's message, in list order.

    Returns
    -------
    Extraction
        ``features`` of shape (n, ``extractor.reduced_dim``); ``errors`` and ``hits`` as given.
    """
    for message in extraction.errors.values() if warn is not None else ():
        warn(message)
    return Extraction(features=extractor.reduce(extraction.features), errors=extraction.errors, hits=extraction.hits)


def cached_features(paths, *, extractor, cache_dir, n_jobs=None, progress=False, warn):
    """:func:`spec_features` of :func:`extract` with a feature cache in ``cache_dir``; every problem warned about once.

    A cache that cannot be written costs one warning (after those of the
    failed files), not the run.
    """
    cache = FeatureCache(cache_dir)
    result = spec_features(extract(paths, extractor=extractor, cache=cache, n_jobs=n_jobs, progress=progress),
                           extractor=extractor, warn=warn)
    if cache.write_error:
        warn(cache.write_error)
    return result
