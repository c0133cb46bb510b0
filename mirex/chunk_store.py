"""The chunk folder of a distributed run: each chunk of the list stored as soon as it is computed.

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
"""
import hashlib
import json
from pathlib import Path

import numpy as np

from mirex.atomic import atomic_path, write_text
from mirex.log import logger

__all__ = ["ChunkStore"]


class ChunkStore:
    """The chunk folder of one run (see the module notes for its layout).

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
        The extractor's feature length (:attr:`mirex.features.FeaturePipeline.dim`).
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
