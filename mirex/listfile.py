"""Reading and writing MIREX list files.

A train list has one ``path<TAB>label`` per line (a third column, the group
used by the artist filter, is optional); a test list has one ``path`` per line;
an output list has ``path<TAB>label``. Readers accept UTF-8 with or without a
byte-order mark (at the start of any line: lists concatenated), LF, CRLF and
CR-only line ends, blank lines and leading or trailing blanks, and runs of
tabs. A line without a tab is split on its last run of spaces only where that
is unambiguous: the whole line is not an existing file but the part before the
spaces is an existing regular file. Errors name the file and the line. Every
field read can be written back by :func:`write_list`, so a list that reads
can always be answered.

Lenient reading (a ``warn`` callback, as the MIREX scripts use) reports
instead of failing: a malformed line is skipped, and bytes that are not UTF-8
(e.g. a Latin-1 list) are kept as they are with ``surrogateescape``, so the
file is opened by its original bytes and the output list repeats them exactly.

A list file is a regular file, a pipe (``<(sort list.txt)``) or ``-`` for
standard input. A pipe or standard input can be read only once: its bytes are
kept for the rest of the process, so reading the same list again (a digest of
it, then its entries) gives the same bytes.
"""
import errno
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from mirex.atomic import write_text
from mirex.errors import ListFileError
from mirex.files import open_regular

__all__ = ["Entry", "STDIN", "read_list", "list_bytes", "write_list", "unique_paths", "check_outputs",
           "file_identity"]

_KINDS = ("train", "test", "any")
#: The list-file name of standard input.
STDIN = "-"
#: Bytes of the pipes (by device and inode) and standard input (by stream) read so far.
_STREAMED = {}
#: Line ends: LF, CRLF and CR alone (str.splitlines would also split on \x85, \u2028...).
_LINE_END = re.compile(r"\r\n|\r|\n")
_EDGES = re.compile(r"^[\s\ufeff]+|\s+$")


@dataclass(frozen=True)
class Entry:
    """One line of a list file.

    Attributes
    ----------
    path : str
        The path exactly as written in the list.
    label : str or None
        The label (second column), if any.
    group : str or None
        The group (third column: artist, work or album), if any.
    line : int
        The 1-based line number in the list file.
    resolved : str
        ``path`` made absolute against the working directory at read time.
    """

    path: str
    label: Optional[str]
    group: Optional[str]
    line: int
    resolved: str


def _split(text):
    """Split one stripped line into its non-empty fields.

    Tabs always separate. Without a tab, the line is one path unless a prefix
    ending before a run of spaces names an existing regular file (a folder
    never does) and the whole line does not; then the rest are further fields.
    """
    if "\t" in text:
        return [f for f in map(_clean, text.split("\t")) if f]
    if not os.path.exists(text):
        for gap in reversed(list(re.finditer(r"\s+", text))):
            head = text[: gap.start()]
            if os.path.isfile(head):
                return [head, *filter(None, map(_clean, text[gap.end():].split()))]
    return [text]


def _clean(field):
    """``field`` without leading blanks and byte-order marks and trailing blanks."""
    return _EDGES.sub("", field)


def _decode(raw, path, warn):
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = len(re.findall(_LINE_END.pattern.encode(), raw[: exc.start])) + 1
        where = f"{path}:{line}"
        if warn is None:
            raise ListFileError(f"{where}: not valid UTF-8") from None
        warn(f"{where}: not valid UTF-8; bytes kept as they are (paths are opened and written back byte for byte)")
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")


def list_bytes(path):
    """The bytes of a list file: a regular file, a pipe, or :data:`STDIN`.

    A pipe or standard input is read to its end at the first call and its
    bytes kept for the rest of the process; a regular file is read at each
    call (no further than the size it had when opened). A folder, device or
    socket is never read.

    Raises
    ------
    OSError
        If it is missing, unreadable, or neither a regular file nor a pipe.
    """
    if os.fspath(path) == STDIN:
        if sys.stdin is None:
            raise OSError(errno.EBADF, "standard input is closed")
        key, read = sys.stdin.buffer, sys.stdin.buffer.read
    else:
        info = os.stat(path)
        if not stat.S_ISFIFO(info.st_mode):
            with open_regular(path) as fh:  # never a device that reads forever
                return fh.read()
        key, read = (info.st_dev, info.st_ino), Path(path).read_bytes
    if key not in _STREAMED:
        _STREAMED[key] = read()
    return _STREAMED[key]


def read_list(path, *, kind="any", warn=None):
    """Read a MIREX list file.

    Parameters
    ----------
    path : str or Path
        The list file: a regular file, a pipe, or ``'-'`` for standard input
        (see :func:`list_bytes`).
    kind : {'train', 'test', 'any'}
        ``'train'`` requires a label on every line; ``'test'`` ignores any
        columns after the path; ``'any'`` keeps whatever columns are present.
    warn : callable, optional
        Lenient mode: called with a one-line message (``FILE:LINE: ...``) for
        each malformed line, which is skipped, and for the first byte that is
        not UTF-8, which is kept (see the module notes). Without it, both raise.

    Returns
    -------
    entries : list of Entry
        One per non-blank line, in file order.

    Raises
    ------
    ListFileError
        If the file cannot be read, holds binary data (NUL bytes) or has no
        usable line; without ``warn``, also if it is not UTF-8 or a line is
        malformed.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, not {kind!r}")
    try:
        raw = list_bytes(path)
    except OSError as exc:
        raise ListFileError(f"{path}: cannot read list file ({exc.strerror or exc})") from None
    if b"\0" in raw:  # no path holds one: binary data, not a list
        raise ListFileError(f"{path}: not a list file (binary data: NUL bytes)")
    text = _decode(raw, path, warn)
    entries = []
    for number, line in enumerate(_LINE_END.split(text), start=1):
        line = _clean(line)
        if not line:
            continue
        fields = _split(line)
        if kind == "train" and len(fields) < 2:
            message = f"{path}:{number}: expected 'path<TAB>label', got {line!r}"
            if warn is None:
                raise ListFileError(message)
            warn(f"{message}; line skipped")
            continue
        if kind == "test":
            fields = fields[:1]
        label = fields[1] if len(fields) > 1 else None
        group = fields[2] if len(fields) > 2 else None
        entries.append(Entry(fields[0], label, group, number, os.path.abspath(fields[0])))
    if not entries:
        raise ListFileError(f"{path}: list file has no entries")
    return entries


def unique_paths(entries):
    """Return the distinct paths of ``entries`` in first-seen order."""
    return list(dict.fromkeys(e.path for e in entries))


def file_identity(path):
    """What ``path`` names, to tell whether two names are one file.

    ``(st_dev, st_ino)`` of the file when it exists (links followed;
    standard input's for :data:`STDIN`), else its resolved absolute path.
    """
    try:
        info = os.fstat(0) if os.fspath(path) == STDIN else os.stat(path)
        return info.st_dev, info.st_ino
    except OSError:
        return os.path.realpath(path)
    except ValueError:  # a NUL byte in the name: no such file
        return os.path.abspath(path)


def check_outputs(outputs, *, list_file, entries):
    """Refuse an output that is the same file as another output, the list, or a file it lists.

    Called before any work, so that nothing is computed or overwritten.

    Parameters
    ----------
    outputs : sequence of str or Path
    list_file : str or Path
    entries : list of Entry
        The list's entries (paths relative to the working directory).

    Raises
    ------
    ListFileError
        Naming the output and the file it would overwrite.
    """
    taken = {file_identity(list_file): f"the list file {list_file}"}
    for entry in entries:
        taken.setdefault(file_identity(entry.path), f"{entry.path}, listed on line {entry.line} of {list_file}")
    for output in outputs:
        key = file_identity(output)
        if key in taken:
            raise ListFileError(f"{output}: output is the same file as {taken[key]}")
        taken[key] = f"output {output}"


def _unwritable(field):
    """Why ``field`` would not read back as itself, or None."""
    if not field:
        return "is empty"
    if re.search(r"[\t\r\n]", field):
        return "contains a tab or line break"
    if "\0" in field:
        return "contains a NUL character"
    if field != field.strip():
        return "has leading or trailing blanks"
    if field.startswith("\ufeff"):
        return "starts with a byte-order mark"
    try:
        field.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return "cannot be encoded"
    return None


def write_list(path, rows):
    """Write ``(path, label)`` rows as a tab-separated list, atomically.

    Parameters
    ----------
    path : str or Path
        Destination file; it is complete or absent, never partial.
    rows : iterable of (str, str)
        Paths are written exactly as given (undecodable bytes kept by a
        lenient :func:`read_list` are written back as the original bytes).

    Raises
    ------
    ListFileError
        If a field would not read back as itself (empty, a tab, line break or
        NUL, leading or trailing blanks), or the file cannot be written.
    """
    lines = []
    for number, fields in enumerate(rows, start=1):
        for field in map(str, fields):
            problem = _unwritable(field)
            if problem:
                raise ListFileError(f"{path}:{number}: field {field!r} {problem}")
        lines.append("\t".join(map(str, fields)) + "\n")
    try:
        write_text(path, "".join(lines), errors="surrogateescape")
    except OSError as exc:
        raise ListFileError(f"{path}: cannot write list file ({exc.strerror or exc})") from None
