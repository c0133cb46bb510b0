"""Music similarity: the MIREX distance matrix of a list of files.

The distance is the cosine distance (1 - cosine similarity, in [0, 2]) of the
song features after standardisation with the mean and std of the list's own
usable files. A file whose features could not be computed is at the largest
distance, 2, from every other file (and 0 from itself). The matrix is
computed and written by blocks of rows with NumPy only, so memory grows with
the number of files, not its square.

Formats (SYSTEM.md section 8): ``full`` (a header line, ``i<TAB>path`` for
every file, ``Q/R<TAB>1<TAB>...<TAB>N``, then one row of distances per file)
and ``sparse`` (a header line, then ``query<TAB>file,dist<TAB>...`` with the
query's ``top`` nearest other files, nearest first, ties in list order).
"""
import numpy as np

from mirex.atomic import atomic_path
from mirex.errors import DataError, ListFileError

__all__ = ["FORMATS", "FAILED_DISTANCE", "distance_blocks", "write_matrix", "read_matrix"]

FORMATS = ("full", "sparse")
FAILED_DISTANCE = 2.0
"""Distance of a file without features to every other file."""
_BLOCK_VALUES = 4_000_000  # float64 values per block of rows (32 MB)


def _unit_rows(features):
    """Standardised, unit-length rows; NaN rows (failed files) stay NaN."""
    features = np.asarray(features, dtype=np.float64)
    ok = np.isfinite(features).all(axis=1)
    if not ok.any():
        raise DataError("no file of the list could be used")
    mean, std = features[ok].mean(axis=0), features[ok].std(axis=0)
    scaled = (features - mean) / np.where(std > 0, std, 1.0)
    norms = np.linalg.norm(scaled, axis=1, keepdims=True)
    unit = np.divide(scaled, norms, out=np.zeros_like(scaled), where=norms > 0)  # a zero row: distance 1 to all
    unit[~ok] = np.nan
    return unit


def distance_blocks(*, features, block_rows=None):
    """Yield ``(start, distances)`` for consecutive blocks of rows of the distance matrix.

    Parameters
    ----------
    features : ndarray, shape (n, d)
        Song features; rows of NaN for files that could not be used.
    block_rows : int, optional
        Rows per block (default: about 4 million values a block).

    Yields
    ------
    start : int
        Index of the block's first row.
    distances : ndarray of float64, shape (rows, n)
        Finite, in [0, 2], 0 on the diagonal.
    """
    unit = _unit_rows(features)
    n = len(unit)
    failed = np.isnan(unit[:, 0])
    unit = np.nan_to_num(unit)
    block_rows = block_rows or max(1, _BLOCK_VALUES // max(n, 1))
    for start in range(0, n, block_rows):
        rows = np.arange(start, min(start + block_rows, n))
        block = np.clip(1.0 - unit[rows] @ unit.T, 0.0, 2.0)
        block[:, failed] = FAILED_DISTANCE
        block[failed[rows]] = FAILED_DISTANCE
        block[np.arange(len(rows)), rows] = 0.0
        yield start, block


def _nearest(row, index, top):
    row = row.copy()
    row[index] = np.inf
    order = np.argsort(row, kind="stable")[:min(top, len(row) - 1)]
    return order, row[order]


def write_matrix(*, out, paths, features, name, fmt="full", top=100, block_rows=None):
    """Write the distance matrix of ``paths`` to ``out`` atomically.

    Parameters
    ----------
    out : str or Path
    paths : sequence of str
        Written exactly as given.
    features : ndarray, shape (len(paths), d)
    name : str
        The header line (the system's name).
    fmt : {'full', 'sparse'}
    top : int
        Nearest files per query in the sparse format.
    block_rows : int, optional
        See :func:`distance_blocks`.

    Raises
    ------
    DataError
        Without files, or when no file could be used.
    ListFileError
        If ``out`` cannot be written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    if top < 1:
        raise DataError(f"--top must be at least 1, not {top}")
    if len(paths) < 2 or len(paths) != len(features):
        raise DataError(f"need at least two files with features, got {len(paths)} paths and {len(features)} rows")
    name = " ".join(str(name).split())
    try:
        with atomic_path(out) as tmp, open(tmp, "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
            fh.write(f"{name}\n")
            if fmt == "full":
                fh.writelines(f"{i}\t{p}\n" for i, p in enumerate(paths, start=1))
                fh.write("Q/R\t" + "\t".join(map(str, range(1, len(paths) + 1))) + "\n")
            for start, block in distance_blocks(features=features, block_rows=block_rows):
                for offset, row in enumerate(block):
                    index = start + offset
                    if fmt == "full":
                        fh.write(f"{index + 1}\t" + "\t".join(np.char.mod("%.6f", row)) + "\n")
                    else:
                        order, dist = _nearest(row, index, top)
                        fh.write(paths[index] + "".join(f"\t{paths[j]},{d:.6f}" for j, d in zip(order, dist)) + "\n")
    except OSError as exc:
        raise ListFileError(f"{out}: cannot write distance matrix ({exc.strerror or exc})") from None


def read_matrix(*, path):
    """Read a full-format distance matrix the way graders did.

    Lines ``i<TAB>path`` before the ``Q/R`` line name the files; rows after it
    are split on whitespace.

    Returns
    -------
    paths : list of str
    distances : ndarray, shape (n, n)

    Raises
    ------
    ListFileError
        If the file is unreadable, has no ``Q/R`` line, or a row is malformed.
    """
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            lines = fh.read().split("\n")
    except OSError as exc:
        raise ListFileError(f"{path}: cannot read distance matrix ({exc.strerror or exc})") from None
    start = next((i for i, line in enumerate(lines) if line.startswith("Q/R")), None)
    if start is None:
        raise ListFileError(f"{path}: no line starting 'Q/R'")
    names = {}
    for line in lines[1:start]:
        index, _, file = line.partition("\t")
        if index.strip().isdigit() and file:
            names[int(index)] = file
    n = len(lines[start].split()) - 1
    paths = [names.get(i, "") for i in range(1, n + 1)]
    rows = [line.split() for line in lines[start + 1:] if line.strip()]
    if len(rows) != n or any(len(r) != n + 1 for r in rows):
        raise ListFileError(f"{path}: expected {n} rows of {n} distances after the Q/R line")
    try:
        return paths, np.asarray([r[1:] for r in rows], dtype=float)
    except ValueError as exc:
        raise ListFileError(f"{path}: a distance is not a number ({exc})") from None
