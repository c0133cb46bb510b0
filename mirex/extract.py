"""Song features for a list of files: cache, decoding workers, batching.

The work is split in two stages that run at the same time:

- per file, in worker processes (loky): hash the file's bytes, look the hash
  up in the cache, and on a miss decode the audio and run the extractor's
  clip stage (for the DCNN: log-mel and standardised segments; NumPy and
  SciPy only, no PyTorch in the workers);
- per batch of clips, in this process: the extractor's batch stage (the
  network), then each result is written to the cache at once.

At most a few tasks per worker are in flight and results are consumed in
order, so memory stays flat in the list length and a killed run loses at most
one batch. A file that cannot be read or decoded, or whose features cannot
be computed or are not finite, yields a row of NaN and an error message (a
batch that fails is retried clip by clip, so one odd file never costs the
others); callers decide what to do with it.

:func:`decode_many` and :func:`content_keys` give the same workers and keys
to other pipelines (the pre-training log-mel cache).
"""
import os
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from mirex.audio import load
from mirex.cache import content_key
from mirex.errors import AudioError

__all__ = ["Extraction", "extract", "default_jobs", "thread_split", "decode_many", "content_keys"]

#: Files per worker task.
TASK_FILES = 4
#: Tasks in flight per worker (bounds memory; keeps workers busy).
TASKS_PER_WORKER = 2
#: Environment of the workers: one thread each for BLAS and OpenMP.
_WORKER_ENV = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def default_jobs():
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def thread_split(n_jobs):
    """How ``n_jobs`` cores are shared: (worker processes, network threads).

    The per-file stage (hashing, decoding, log-mel) costs about twice the
    network's CPU time per clip, so workers get two thirds of the cores and
    the network the rest, at least one thread (on two cores: two workers and
    one thread; the main process mostly waits). With a single core
    everything runs in this process (no workers).
    """
    if n_jobs <= 1:
        return 0, 1
    threads = max(1, n_jobs // 3)
    return max(2, n_jobs - threads), threads


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


def _key(path):
    """``(content key, None)``, or ``(None, message)`` for a file that cannot be read."""
    try:
        return content_key(path), None
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror or exc
        return None, f"{path}: {reason}"


def _failure(path, exc):
    reason = (str(exc).strip().splitlines() or [""])[0]
    return f"{path}: feature extraction failed ({type(exc).__name__}: {reason})"


def _clip(path, *, sr, stage, cache, namespace):
    """The per-file stage: ``('hit', row, key)``, ``('clip', value, key)`` or ``('error', message, None)``."""
    key = None
    if cache is not None:
        key, message = _key(path)
        if message:
            return "error", message, None
        hit = cache.get(namespace, key)
        if hit is not None:
            return "hit", hit, key
    try:
        return "clip", stage(load(path, sr=sr)), key
    except AudioError as exc:
        return "error", str(exc), None
    except Exception as exc:  # an odd decodable file must not stop the run
        return "error", _failure(path, exc), None


def _clips(paths, **kwargs):
    """The per-file stage of several files (one worker task)."""
    return [_clip(path, **kwargs) for path in paths]


def _in_order(paths, *, workers, **kwargs):
    """Results of the per-file stage, in order; in ``workers`` processes when > 0.

    Tasks are submitted only as results are consumed, so at most
    ``TASKS_PER_WORKER * workers`` tasks are pending at any time.
    """
    if not workers:
        for path in paths:
            yield _clip(path, **kwargs)
        return
    from joblib.externals.loky import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=workers, env=_WORKER_ENV)
    tasks = iter(range(0, len(paths), TASK_FILES))
    pending = deque()

    def submit():
        start = next(tasks, None)
        if start is not None:
            pending.append(executor.submit(_clips, paths[start : start + TASK_FILES], **kwargs))

    finished = False
    try:
        for _ in range(TASKS_PER_WORKER * workers):
            submit()
        while pending:
            results = pending.popleft().result()
            submit()
            yield from results
        finished = True
    finally:
        executor.shutdown(wait=finished, kill_workers=not finished)


def _unchanged(signal):
    return signal


def decode_many(paths, *, sr, n_jobs):
    """Decode ``paths`` in order, in worker processes when ``n_jobs > 1``.

    Yields each signal, or the :class:`AudioError` of a file that failed.
    """
    workers = n_jobs if n_jobs > 1 and len(paths) > 1 else 0
    for kind, value, _ in _in_order(paths, workers=workers, sr=sr, stage=_unchanged, cache=None, namespace=None):
        yield value if kind == "clip" else AudioError(value)


def content_keys(paths, errors):
    """Content hash of each path (None where unreadable, with a message put in ``errors``)."""
    keys = []
    for index, path in enumerate(paths):
        key, message = _key(path)
        keys.append(key)
        if message:
            errors[index] = message
    return keys


def _batch_rows(extractor, batch, paths, errors):
    """``(index, row, key)`` of a batch of ``(index, clip value, key)``; failures go to ``errors``."""
    try:
        values = extractor.batch_stage([value for _, value, _ in batch])
    except Exception as exc:
        if len(batch) > 1:  # find the clip that fails; keep the others
            return [done for item in batch for done in _batch_rows(extractor, [item], paths, errors)]
        errors[batch[0][0]] = _failure(paths[batch[0][0]], exc)
        return []
    done = []
    for (index, _, key), row in zip(batch, values):
        if np.isfinite(row).all():
            done.append((index, row, key))
        else:
            errors[index] = f"{paths[index]}: features are not finite (extreme sample values?)"
    return done


def extract(paths, *, extractor, cache=None, n_jobs=None, batch_clips=32, progress=False):
    """Compute (or fetch from the cache) song features of ``paths``.

    Parameters
    ----------
    paths : sequence of str
        Audio files (absolute, or relative to the working directory).
    extractor : object
        An extractor from :mod:`mirex.extractors`.
    cache : mirex.cache.FeatureCache, optional
        Where features are kept between calls.
    n_jobs : int, optional
        Cores to use (default: all); see :func:`thread_split`.
    batch_clips : int
        Clips per batch through the extractor's batch stage.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    Extraction
    """
    import torch
    from tqdm import tqdm

    workers, threads = thread_split(n_jobs or default_jobs())
    torch.set_num_threads(threads)
    paths = [os.fspath(p) for p in paths]
    errors, rows = {}, {}
    hits = 0
    bar = tqdm(total=len(paths), unit="clip", desc="features", disable=not progress, leave=False)

    def flush(batch):
        for index, row, key in _batch_rows(extractor, batch, paths, errors):
            rows[index] = row
            if cache is not None:
                cache.put(extractor.fingerprint, key, row)
        bar.update(len(batch))

    batch = []
    results = _in_order(paths, workers=workers, sr=extractor.sr, stage=extractor.clip_stage, cache=cache,
                        namespace=extractor.fingerprint)
    for index, (kind, value, key) in enumerate(results):
        if kind == "clip":
            batch.append((index, value, key))
            if len(batch) >= batch_clips:
                flush(batch)
                batch = []
            continue
        if kind == "hit":
            rows[index] = value
            hits += 1
        else:
            errors[index] = value
        bar.update(1)
    if batch:
        flush(batch)
    bar.close()
    dim = len(next(iter(rows.values()))) if rows else 0
    features = np.full((len(paths), dim), np.nan, dtype=np.float32)
    for index, value in rows.items():
        features[index] = value
    return Extraction(features=features, errors=dict(sorted(errors.items())), hits=hits)
