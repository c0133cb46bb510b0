"""Song features of a list on a Dask cluster (:mod:`mirex.cluster`), stored chunk by chunk as they arrive.

The list is cut into chunks of the cluster's ``chunk_size`` paths. Each
chunk runs on a Dask worker through the ordinary :func:`mirex.extract.extract`
(:func:`embed_chunk`: the worker builds the extractor once per process and
uses its feature cache); the client stores each finished chunk in a
resumable :class:`~mirex.chunk_store.ChunkStore` as soon as it arrives, so
it is the only writer.

Workers need the project installed, the model bundle under the same name in
their models folder (``$MIREX_MODELS_DIR``; checked by fingerprint), and the
audio at the same absolute paths (a shared file system) or as URLs that
fsspec can open (:mod:`mirex.remote`).
"""
import contextlib
import functools
import os
from pathlib import Path

from mirex.chunk_store import ChunkStore
from mirex.cluster import ClusterError
from mirex.extract import Extraction, extract
from mirex.features import feature_pipeline
from mirex.log import progress_bar
from mirex.remote import is_url, local_copies

__all__ = ["embed_chunk", "extract_distributed"]


@functools.cache
def _worker_extractor(spec):
    return feature_pipeline(spec)  # its LDA is not applied here: the client reduces


def embed_chunk(paths, *, spec, fingerprint, cache_dir, n_jobs):
    """Song features of one chunk; runs on a worker.

    Parameters
    ----------
    paths : list of str
        Absolute paths or URLs.
    spec : str
        The feature system (text form) that :func:`mirex.features.feature_pipeline`
        builds, once per worker process.
    fingerprint : str
        The client's extractor fingerprint; the worker's must match.
    cache_dir : str or None
        The feature cache (default: the worker's :func:`mirex.folders.feature_cache_dir`).
    n_jobs : int
        Threads for this chunk (see :func:`mirex.extract.extract`).

    Returns
    -------
    values : np.ndarray, shape (len(paths), dim)
    errors : dict of int to str
        Offset within the chunk and reason of each failed file, naming the path as given.
    """
    from mirex.cache import FeatureCache
    from mirex.folders import feature_cache_dir

    extractor = _worker_extractor(spec)
    if extractor.fingerprint != fingerprint:
        raise ClusterError(f"worker {os.uname().nodename}: {spec} differs from the client's "
                           f"({extractor.fingerprint} != {fingerprint}); give the workers the same models folder "
                           "(MIREX_MODELS_DIR)")
    with local_copies(paths) as (local, fetch_errors):
        result = extract(local, extractor=extractor, cache=FeatureCache(cache_dir or feature_cache_dir()),
                         n_jobs=n_jobs)
    errors = {i: message.replace(local[i], paths[i]) for i, message in result.errors.items()}
    errors.update(fetch_errors)
    return result.features, errors


def _portable(spec):
    """The spec with its bundle name as is (resolved in each worker's models folder) or its folder made absolute."""
    from mirex.bundle import default_model

    if not spec.uses_network:
        return spec
    model = spec.bundle or default_model()
    return spec.with_bundle(str(Path(model).resolve()) if Path(model).is_dir() else model)


def extract_distributed(paths, *, extractor, cluster, folder, cache_dir=None, n_jobs=None, progress=False,
                        on_chunk=None):
    """Song features of ``paths`` computed on a Dask cluster, stored by the chunk in ``folder``.

    Parameters
    ----------
    paths : sequence of str
        Local paths (made absolute here; workers must see them at that path) or URLs.
    extractor : mirex.features.FeaturePipeline
        The client's extractor: its spec is what the workers compute (a
        bundle name is looked up in each worker's models folder), its
        fingerprint names the run and must match the workers'.
    cluster : mirex.cluster.Cluster
        Where to compute, and the paths per task.
    folder : str or Path
        The chunk folder; finished chunks found there are not computed again.
    cache_dir : str or Path, optional
        Feature cache for the workers (a shared folder); default: each
        worker's own project cache.
    n_jobs : int, optional
        Threads per task (default: 1: start one single-threaded worker
        process per core).
    progress : bool
        Show a progress bar on stderr.
    on_chunk : callable, optional
        Called as ``on_chunk(index)`` after chunk ``index`` is stored.

    Returns
    -------
    Extraction
        ``hits`` counts the rows stored by an earlier run.
    """
    paths = [p if is_url(p) else os.path.abspath(p) for p in paths]
    store = ChunkStore(folder, paths=paths, chunk_size=cluster.chunk_size, fingerprint=extractor.fingerprint,
                       dim=extractor.dim)
    todo = store.todo()
    resumed = len(paths) - sum(store.size(i) for i in todo)
    if todo:
        bar = progress_bar(enabled=progress, total=len(paths), initial=resumed, unit="clip", desc="features",
                           leave=False)

        def keep(index, value):
            store.put(index, *value)
            bar.update(store.size(index))
            if on_chunk is not None:
                on_chunk(index)

        with contextlib.closing(bar):
            cluster.map(embed_chunk, [(i, paths[store.rows(i)]) for i in todo], on_result=keep,
                        spec=str(_portable(extractor.spec)), fingerprint=extractor.fingerprint, n_jobs=n_jobs or 1,
                        cache_dir=str(Path(cache_dir).resolve()) if cache_dir else None)
    values, errors = store.assemble()
    return Extraction(features=values, errors=errors, hits=resumed)
