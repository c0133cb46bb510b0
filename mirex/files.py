"""Opening input files: regular files only, and never more bytes than they hold.

A named pipe blocks its reader until a writer comes, and a character device
(``/dev/zero``) never ends, so an audio path naming one would hang a run.
:func:`open_regular` follows links, refuses anything that is not a regular
file before reading a byte (a pipe is opened without waiting for a writer,
only to check what was opened), and :func:`read_bounded` reads no further
than the size the file had when it was opened.
"""
import errno
import os
import stat

__all__ = ["NotRegularFile", "open_regular", "read_bounded"]

_KINDS = ((stat.S_ISDIR, "is a folder, not a file"), (stat.S_ISFIFO, "is a named pipe, not a regular file"),
          (stat.S_ISCHR, "is a character device, not a regular file"),
          (stat.S_ISBLK, "is a block device, not a regular file"), (stat.S_ISSOCK, "is a socket, not a regular file"))


class NotRegularFile(OSError):
    """The path exists but names a folder, pipe, device or socket (``strerror`` says which)."""


def _kind(mode):
    return next((text for test, text in _KINDS if test(mode)), "is not a regular file")


def open_regular(path):
    """Open a regular file for binary reading, following links.

    Parameters
    ----------
    path : str, bytes or os.PathLike

    Returns
    -------
    file : io.BufferedReader
        Blocking reads; ``os.fstat(file.fileno()).st_size`` bounds what
        :func:`read_bounded` reads.

    Raises
    ------
    NotRegularFile
        If ``path`` names anything but a regular file; nothing was read.
    OSError
        If it is missing or cannot be opened (``FileNotFoundError`` also for a
        name holding a NUL byte).
    """
    if "\0" in os.fsdecode(path):  # os.open would raise ValueError
        raise FileNotFoundError(errno.ENOENT, "no such file", os.fsdecode(path))
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):  # checked before opening: opening some devices has effects
        raise NotRegularFile(errno.EINVAL, _kind(mode), os.fsdecode(path))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # replaced between the two looks
            raise NotRegularFile(errno.EINVAL, _kind(mode), os.fsdecode(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(fh, *, consume, chunk=1 << 20):
    """Pass ``fh``'s bytes to ``consume`` chunk by chunk, up to the size it had when opened."""
    left = os.fstat(fh.fileno()).st_size - fh.tell()
    buffer = bytearray(min(chunk, max(left, 1)))
    view = memoryview(buffer)
    while left > 0:
        got = fh.readinto(view[: min(len(buffer), left)])
        if not got:
            break
        consume(view[:got])
        left -= got
