"""Reading and writing MIREX list files.

A train list has one ``path<TAB>label`` per line (a third column, the group
used by the artist filter, is optional); a test list has one ``path`` per line;
an output list has ``path<TAB>label``. Readers accept UTF-8 with or without a
byte-order mark, CRLF line ends, blank lines and trailing blanks, and runs of
tabs. A line without a tab is split on its last run of spaces only where that
is unambiguous: the whole line is not an existing file but the part before the
spaces is. Errors name the file and the line.
"""
import os
import re
from dataclasses import dataclass
from typing import Optional

from mirex.atomic import write_text
from mirex.errors import ListFileError

__all__ = ["Entry", "read_list", "write_list", "unique_paths"]

_KINDS = ("train", "test", "any")


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
    ending before a run of spaces names an existing file and the whole line
    does not; then the rest are further fields.
    """
    if "\t" in text:
        return [f.strip() for f in text.split("\t") if f.strip()]
    if not os.path.exists(text):
        for gap in reversed(list(re.finditer(r"\s+", text))):
            head = text[: gap.start()]
            if os.path.exists(head):
                return [head, *text[gap.end():].split()]
    return [text]


def read_list(path, *, kind="any"):
    """Read a MIREX list file.

    Parameters
    ----------
    path : str or Path
        The list file.
    kind : {'train', 'test', 'any'}
        ``'train'`` requires a label on every line; ``'test'`` ignores any
        columns after the path; ``'any'`` keeps whatever columns are present.

    Returns
    -------
    entries : list of Entry
        One per non-blank line, in file order.

    Raises
    ------
    ListFileError
        If the file cannot be read, is not UTF-8, is empty, or a line is malformed.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, not {kind!r}")
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ListFileError(f"{path}: cannot read list file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ListFileError(f"{path}:{line}: not valid UTF-8") from None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        fields = _split(line)
        if kind == "train" and len(fields) < 2 and " " in line:
            fields = line.rsplit(None, 1)
        if kind == "train" and len(fields) < 2:
            raise ListFileError(f"{path}:{number}: expected 'path<TAB>label', got {line!r}")
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


def write_list(path, rows):
    """Write ``(path, label)`` rows as a tab-separated list, atomically.

    Parameters
    ----------
    path : str or Path
        Destination file; it is complete or absent, never partial.
    rows : iterable of (str, str)
        Paths are written exactly as given.

    Raises
    ------
    ListFileError
        If a field contains a tab or a line break, which the format cannot carry.
    """
    lines = []
    for number, fields in enumerate(rows, start=1):
        for field in fields:
            if re.search(r"[\t\r\n]", str(field)):
                raise ListFileError(f"{path}:{number}: field {field!r} contains a tab or line break")
        lines.append("\t".join(map(str, fields)) + "\n")
    write_text(path, "".join(lines))
