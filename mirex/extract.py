"""Song features for a list of files: cache, decoding workers, batching.

Files are hashed, looked up in the cache, and only the misses are decoded, in
worker processes (joblib), streamed in order and batched through the
extractor; each result is written to the cache as soon as its batch is done,
so memory stays flat in the list length and a killed run loses at most one
batch. A file that cannot be decoded, or whose features cannot be computed
or are not finite, yields a row of NaN and an error message (if a batch
fails, its clips are retried one by one, so one odd file never costs the
others); callers decide what to do with it.
"""
import os
from dataclasses import dataclass, field

import numpy as np

from mirex.audio import load
from mirex.cache import content_key
from mirex.errors import AudioError

__all__ = ["Extraction", "extract", "default_jobs"]


def default_jobs():
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


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


def _decode(path, sr):
    try:
        return load(path, sr=sr)
    except AudioError as exc:
        return exc


def _decoded(paths, *, sr, n_jobs):
    """Decode ``paths`` in order, in worker processes when ``n_jobs > 1``."""
    if n_jobs <= 1 or len(paths) < 2:
        return (_decode(p, sr) for p in paths)
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs, return_as="generator", batch_size=4, pre_dispatch="4*n_jobs")(
        delayed(_decode)(p, sr) for p in paths
    )


def _computed(extractor, batch, paths, errors):
    """``(index, features)`` of a batch of ``(index, signal)``; failures go to ``errors``."""
    try:
        values = extractor.song_features([y for _, y in batch])
    except Exception as exc:
        if len(batch) > 1:  # find the clip that fails; keep the others
            return [done for item in batch for done in _computed(extractor, [item], paths, errors)]
        index = batch[0][0]
        reason = (str(exc).strip().splitlines() or [""])[0]
        errors[index] = f"{paths[index]}: feature extraction failed ({type(exc).__name__}: {reason})"
        return []
    done = []
    for (index, _), value in zip(batch, values):
        if np.isfinite(value).all():
            done.append((index, value))
        else:
            errors[index] = f"{paths[index]}: features are not finite (extreme sample values?)"
    return done


def _keys(paths, errors):
    keys = []
    for index, path in enumerate(paths):
        try:
            keys.append(content_key(path))
        except OSError as exc:
            keys.append(None)
            errors[index] = f"{path}: {'no such file' if isinstance(exc, FileNotFoundError) else exc.strerror or exc}"
    return keys


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
        Worker processes for decoding and threads for the network (default: all cores).
    batch_clips : int
        Clips per batch through the extractor.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    Extraction
    """
    import torch
    from tqdm import tqdm

    n_jobs = n_jobs or default_jobs()
    torch.set_num_threads(n_jobs)
    errors = {}
    keys = _keys(paths, errors)
    rows = {}
    for index, key in enumerate(keys):
        if key is not None and cache is not None:
            hit = cache.get(extractor.fingerprint, key)
            if hit is not None:
                rows[index] = hit
    hits = len(rows)
    todo = [i for i, key in enumerate(keys) if key is not None and i not in rows]
    bar = tqdm(total=len(paths), initial=hits + len(errors), unit="clip", desc="features", disable=not progress, leave=False)

    def flush(batch):
        for index, value in _computed(extractor, batch, paths, errors):
            rows[index] = value
            if cache is not None:
                cache.put(extractor.fingerprint, keys[index], value)
        bar.update(len(batch))

    batch = []
    for index, signal in zip(todo, _decoded([paths[i] for i in todo], sr=extractor.sr, n_jobs=n_jobs)):
        if isinstance(signal, AudioError):
            errors[index] = str(signal)
            bar.update(1)
            continue
        batch.append((index, signal))
        if len(batch) >= batch_clips:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    bar.close()
    dim = len(next(iter(rows.values()))) if rows else 0
    features = np.full((len(paths), dim), np.nan, dtype=np.float32)
    for index, value in rows.items():
        features[index] = value
    return Extraction(features=features, errors=dict(sorted(errors.items())), hits=hits)
