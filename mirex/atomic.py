"""Atomic file writes: a reader sees the old file, the new file, or none, never a part."""
import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path, *, suffix=None):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    Parameters
    ----------
    path : str or Path
        The final destination.
    suffix : str, optional
        Suffix of the temporary file (some writers, e.g. numpy, insist on one).
        Defaults to the suffix of ``path``.

    The temporary file lives in the same folder, so the final ``os.replace`` is
    atomic. On any exception the temporary file is removed and ``path`` is left
    untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=(path.suffix if suffix is None else suffix) + ".tmp"
    )
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path, text, *, encoding="utf-8", errors="strict"):
    """Write ``text`` to ``path`` atomically (``errors`` as for :func:`open`)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding=encoding, errors=errors, newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())


def check_writable(folder):
    """Create ``folder`` if needed and check that a file can be created in it.

    Raises
    ------
    OSError
        If the folder cannot be created (e.g. a path under a regular file) or
        written (read-only, full).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".probe.", suffix=".tmp")
    os.close(fd)
    os.unlink(tmp)
