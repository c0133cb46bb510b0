"""``mirex embed``: song features of a list to one ``.npy``, here or on a Dask cluster.

Without a cluster, :func:`embed` runs the ordinary :func:`mirex.extract.extract`
with the project's feature cache. With a :class:`mirex.cluster.Cluster`, the
list is cut into chunks of ``chunk_size`` paths. Each chunk runs on a Dask
worker through the ordinary :func:`mirex.extract.extract` (the worker builds
the extractor once per process and uses its feature cache); the client
stores each finished chunk as soon as it arrives, so it is the only writer.
The chunks of a run live in a folder::

    OUT.chunks/
        manifest.json     what the run is (hash of the list in order, model
                          fingerprint, chunk size), which chunks are done and
                          the error message of every failed row
        paths.txt         the list order: one resolved path or URL per line
        chunk-00000.npy   rows 0 .. chunk_size-1 (NaN rows for failed files)
        ...

Every file is written atomically. A re-run of the same list with the same
model and chunk size computes only the chunks that are not done; a run of
another list, model or chunk size starts the folder afresh.

Workers need the project installed, the model bundle under the same name in
their models folder (``$MIREX_MODELS_DIR``; checked by fingerprint), and the
audio at the same absolute paths (a shared file system) or as URLs that
fsspec can open (:mod:`mirex.remote`).
"""
import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from mirex.atomic import atomic_path, write_text
from mirex.cluster import ClusterError
from mirex.extract import Extraction, extract
from mirex.features import DEFAULT_PRESET, make_extractor
from mirex.listfile import check_outputs, read_list
from mirex.log import logger, progress_bar
from mirex.protocol import _features, _warn
from mirex.remote import is_url, local_copies

__all__ = ["embed", "ChunkStore", "embed_chunk", "extract_distributed"]


class ChunkStore:
    """The chunk folder of one run (see the module docstring for its layout).

    Parameters
    ----------
    folder : str or Path
        Created if absent.
    paths : list of str
        The run's list, in order.
    chunk_size : int
    fingerprint : str
        The extractor's fingerprint.
    dim : int
        The extractor's feature length (:attr:`mirex.features.Extractor.dim`).
    """

    MANIFEST = "manifest.json"
    PATHS = "paths.txt"

    def __init__(self, folder, *, paths, chunk_size, fingerprint, dim):
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, not {chunk_size}")
        self.folder = Path(folder)
        self.paths = list(paths)
        self.chunk_size, self.dim = chunk_size, dim
        self.n_chunks = -(-len(self.paths) // chunk_size)
        identity = {
            "version": 2,
            "paths_sha256": hashlib.sha256("\n".join(self.paths).encode()).hexdigest(),
            "n_paths": len(self.paths),
            "chunk_size": chunk_size,
            "fingerprint": fingerprint,
            "dim": dim,
        }
        manifest = self._read_manifest()
        if manifest is not None and all(manifest.get(k) == v for k, v in identity.items()):
            self.manifest = manifest
            return
        if manifest is not None:
            logger.warning(f"{self.folder} holds chunks of another list, model or chunk size; starting afresh")
            for old in self.folder.glob("chunk-*.npy"):
                old.unlink()
        self.manifest = {**identity, "paths": self.PATHS, "chunks_done": [], "errors": {}}
        write_text(self.folder / self.PATHS, "".join(p + "\n" for p in self.paths))
        self._write_manifest()

    def _read_manifest(self):
        try:
            return json.loads((self.folder / self.MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write_manifest(self):
        write_text(self.folder / self.MANIFEST, json.dumps(self.manifest, indent=1) + "\n")

    def file(self, index):
        """The ``.npy`` file of chunk ``index``."""
        return self.folder / f"chunk-{index:05d}.npy"

    def rows(self, index):
        """The slice of the list that chunk ``index`` covers."""
        return slice(index * self.chunk_size, min((index + 1) * self.chunk_size, len(self.paths)))

    def size(self, index):
        """The number of rows of chunk ``index``."""
        rows = self.rows(index)
        return rows.stop - rows.start

    def todo(self):
        """Indices of the chunks not stored yet (listed as done and present on disk)."""
        done = set(self.manifest["chunks_done"])
        return [i for i in range(self.n_chunks) if i not in done or not self.file(i).is_file()]

    def put(self, index, values, errors):
        """Store chunk ``index``: its rows and the errors of its rows (offsets within the chunk)."""
        with atomic_path(self.file(index), suffix=".npy") as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, np.asarray(values, dtype=np.float32), allow_pickle=False)
        rows = self.rows(index)
        kept = {k: v for k, v in self.manifest["errors"].items() if not rows.start <= int(k) < rows.stop}
        kept.update({str(rows.start + offset): message for offset, message in errors.items()})
        self.manifest["errors"] = dict(sorted(kept.items(), key=lambda item: int(item[0])))
        self.manifest["chunks_done"] = sorted(set(self.manifest["chunks_done"]) | {index})
        self._write_manifest()

    def assemble(self):
        """All chunks in list order as one array, and the errors by row.

        Returns
        -------
        features : np.ndarray, float32, shape (n_paths, dim)
        errors : dict of int to str
        """
        features = np.full((len(self.paths), self.dim), np.nan, dtype=np.float32)
        for index in range(self.n_chunks):
            features[self.rows(index)] = np.load(self.file(index), allow_pickle=False)
        return features, {int(k): v for k, v in self.manifest["errors"].items()}


@functools.cache
def _worker_extractor(spec):
    return make_extractor(spec)  # its LDA is not applied here: the client reduces


def embed_chunk(paths, *, spec, fingerprint, cache_dir, n_jobs):
    """Song features of one chunk; runs on a worker.

    Parameters
    ----------
    paths : list of str
        Absolute paths or URLs.
    spec : str
        The feature system (text form) that :func:`mirex.features.make_extractor`
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
    extractor : mirex.features.Extractor
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


def embed(*, list_file, out, spec=None, n_jobs=None, cache_dir=None, progress=True, cluster=None, device=None):
    """Write song features of every line of ``list_file`` to ``out`` (``.npy``), in list order.

    Rows of files that cannot be decoded are NaN (each reported on stderr).

    Parameters
    ----------
    list_file : str or Path
        A path list or a train list (extra columns are ignored).
    out : str or Path
        The ``.npy`` file, written atomically.
    spec : FeatureSpec or str, optional
        The feature system (default: the default preset).
    n_jobs : int, optional
        Threads (default: all cores; on a cluster: threads per task, default 1).
    cache_dir : str or Path, optional
        Feature cache (default: :func:`mirex.folders.feature_cache_dir`; on a
        cluster, each worker's own).
    progress : bool
    cluster : mirex.cluster.Cluster, optional
        Compute on a Dask cluster by :func:`extract_distributed`, chunk by
        chunk into the resumable folder ``out`` with suffix ``.chunks``.
    device : torch.device, optional
        Run the front end and the network in PyTorch there (default: NumPy
        and CPU threads). Dask workers compute on their own CPUs.

    Returns
    -------
    features : np.ndarray, shape (n_lines, dim)
    """
    from mirex.folders import feature_cache_dir

    entries = read_list(list_file, kind="any", warn=_warn)
    check_outputs([out], list_file=list_file, entries=entries)
    extractor = make_extractor(spec or DEFAULT_PRESET, device=None if cluster else device)
    paths = [e.path for e in entries]
    if cluster is None:
        result = _features(paths, extractor=extractor, cache_dir=cache_dir or feature_cache_dir(), n_jobs=n_jobs,
                           progress=progress)
    else:
        result = extract_distributed(paths, extractor=extractor, cluster=cluster,
                                     folder=Path(out).with_suffix(".chunks"), cache_dir=cache_dir, n_jobs=n_jobs,
                                     progress=progress)
        for message in result.errors.values():
            _warn(message)
    values = extractor.reduce(result.features)
    with atomic_path(out, suffix=".npy") as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, values)
    return values
