"""Audio named by URL (``file://``, ``http(s)://``, ``s3://``, ...) read through fsspec.

A path with a ``scheme://`` prefix is downloaded into a temporary folder and
decoded from there, so everything downstream (the content key of the feature
cache included) sees the file's bytes exactly as it sees a local file's.
Plain paths are used as they are. fsspec is imported only when a URL is met;
protocols beyond ``file`` and ``http(s)`` need their fsspec backend installed
(``s3fs`` for ``s3://``, ``gcsfs`` for ``gs://``, ...).
"""
import contextlib
import re
import tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from mirex.errors import MirexError

__all__ = ["is_url", "local_copies"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def is_url(path):
    """Whether ``path`` names a file by URL (``scheme://...``) rather than a local path."""
    return bool(_URL.match(str(path)))


def _fetch(url, dest):
    import fsspec

    try:
        with fsspec.open(url, "rb") as src, open(dest, "wb") as out:
            for block in iter(lambda: src.read(1 << 20), b""):
                out.write(block)
    except ImportError as exc:  # fsspec names the package the protocol needs
        raise MirexError(f"{url}: cannot open this kind of URL here ({exc})") from None


@contextlib.contextmanager
def local_copies(paths):
    """Yield local paths for ``paths``, downloading the URLs among them.

    Parameters
    ----------
    paths : sequence of str
        Local paths and URLs, in any mix.

    Yields
    ------
    local : list of str
        ``paths`` with each URL replaced by its downloaded copy (which keeps
        the URL's suffix, so the decoder sees the format).
    errors : dict of int to str
        Index and one-line reason of each URL that could not be read; its
        entry in ``local`` points at no file.

    Raises
    ------
    MirexError
        If a URL's protocol needs a package that is not installed.

    The copies are deleted when the block ends.
    """
    local, errors = list(map(str, paths)), {}
    if not any(is_url(p) for p in local):
        yield local, errors
        return
    with tempfile.TemporaryDirectory(prefix="mirex-fetch-") as tmp:
        for index, url in enumerate(paths):
            if not is_url(url):
                continue
            dest = Path(tmp) / f"{index:06d}{PurePosixPath(urlsplit(url).path).suffix}"
            local[index] = str(dest)
            try:
                _fetch(url, dest)
            except MirexError:
                raise
            except Exception as exc:  # any backend's failure to read one URL spoils that file only
                dest.unlink(missing_ok=True)
                errors[index] = f"{url}: cannot read ({str(exc).strip() or type(exc).__name__})"
        yield local, errors
