"""Atomic file writes: a reader sees the old file, the new file, or none, never a part.

Temporary files and folders are made private by :mod:`tempfile` (0600 and
0700); before they are renamed into place they get the permissions an
ordinary ``open`` or ``mkdir`` would give them under the process's umask, so
outputs, caches and bundles are as readable to other users as any file the
caller creates.
"""
import contextlib
import errno
import os
import re
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

__all__ = ["atomic_path", "check_writable", "temp_dir", "umask", "write_text"]

_UMASK_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def umask():
    """The process's umask, read once.

    From ``/proc/self/status`` where the kernel reports it; otherwise by
    setting and restoring it, under a lock, at the first call.
    """
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            found = re.search(r"^Umask:\s*([0-7]+)$", fh.read(), flags=re.MULTILINE)
        if found:
            return int(found.group(1), 8)
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def _temp_affixes(path, suffix):
    """Prefix and suffix of ``path``'s temporary file: short enough for any name the file system takes."""
    return f".{path.name[:64]}.", (path.suffix if suffix is None else suffix)[:16] + ".tmp"


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
    atomic; it has an ordinary file's permissions (``0666`` less the umask).
    On any exception the temporary file is removed and ``path`` is left
    untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix, suffix = _temp_affixes(path, suffix)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=suffix)
    try:
        os.fchmod(fd, 0o666 & ~umask())
    finally:
        os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def temp_dir(*, dir, prefix):
    """Create a fresh folder in ``dir`` with an ordinary folder's permissions (``0777`` less the umask).

    For folders filled and then renamed into place (model bundles); returns its Path.
    """
    folder = tempfile.mkdtemp(dir=dir, prefix=prefix)
    os.chmod(folder, 0o777 & ~umask())
    return Path(folder)


def write_text(path, text, *, encoding="utf-8", errors="strict"):
    """Write ``text`` to ``path`` atomically (``errors`` as for ``open``)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding=encoding, errors=errors, newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())


def check_writable(folder, *, name=None):
    """Check that ``folder`` can be created (if needed) and a file created in it; nothing is left behind.

    A folder that does not exist yet is not created (a command refused later
    leaves nothing): the probe goes to its nearest existing ancestor, where
    it would be created.

    Parameters
    ----------
    folder : str or Path
    name : str, optional
        The file that will be written there with :func:`atomic_path`: the
        probe then uses its temporary name, and the name itself is checked
        (too long for the file system, say), so it fails here, not after the work.

    Raises
    ------
    OSError
        If the folder cannot be created (e.g. a path under a regular file) or
        written (read-only, full), or the name cannot be used there.
    """
    folder = Path(folder)
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(existing))
    prefix, suffix = _temp_affixes(Path(name), None) if name else (".probe.", ".tmp")
    fd, tmp = tempfile.mkstemp(dir=existing, prefix=prefix, suffix=suffix)
    os.close(fd)
    os.unlink(tmp)
    if name:
        with contextlib.suppress(FileNotFoundError):  # any other error (a name too long) is the name's
            os.stat(existing / name)
