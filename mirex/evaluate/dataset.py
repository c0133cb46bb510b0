"""The dataset list an evaluation folds over, and how clips are identified.

A dataset list is a train list (``path<TAB>label``) with an optional third
column, the group (artist, work or album) used by the artist filter. Graders
match output lines to clips by the file's base name without extension,
case-folded (:func:`clip_key`), so two clips of one dataset must not share it.
:func:`clip_lines` reads any such list line by line with these checks (the
tag task's list too, :mod:`~mirex.evaluate.tagdata`); :func:`load_dataset`
reads a classification list.
"""
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from mirex.errors import DataError
from mirex.evaluate.classmetrics import normalise_label
from mirex.listfile import read_list

__all__ = ["Dataset", "clip_key", "clip_lines", "load_dataset"]

log = logging.getLogger(__name__)


def clip_key(path):
    """The key graders match clips by: base name without extension, case-folded.

    Both ``/`` and ``\\`` separate folders.

    >>> clip_key("/data/Blues/Track01.WAV")
    'track01'
    """
    return os.path.splitext(re.split(r"[\\/]", str(path).strip())[-1])[0].casefold()


def clip_lines(*, path, what="label"):
    """Read a train list line by line, checking labels and that clips can be told apart.

    Parameters
    ----------
    path : str or Path
    what : str
        What the second column holds (``'label'``, ``'tag'``), for messages.

    Yields
    ------
    entry : Entry
        The line.
    first : Entry or None
        The first line of the same clip (same resolved path); None on a clip's first line.

    Raises
    ------
    ListFileError
        If the list is unreadable or a line lacks its second column.
    DataError
        If a label has no letters or digits, or two clips share a :func:`clip_key`.
    """
    first_of, by_key = {}, {}
    for entry in read_list(path, kind="train"):
        if not normalise_label(entry.label):
            raise DataError(f"{path}:{entry.line}: {what} {entry.label!r} has no letters or digits")
        first = first_of.get(entry.resolved)
        if first is None:
            key = clip_key(entry.path)
            if key in by_key:
                raise DataError(f"{path}:{entry.line}: {entry.path!r} has the same base name as line "
                                f"{by_key[key].line}; outputs are matched by base name")
            first_of[entry.resolved] = by_key[key] = entry
        yield entry, first


@dataclass(frozen=True)
class Dataset:
    """A labelled dataset, one entry per distinct clip.

    Attributes
    ----------
    source : Path
        The dataset list file.
    paths : list of str
        Absolute paths, in list order.
    labels : list of str
    groups : list of str or None
        The group column, ``None`` where absent.
    """

    source: Path
    paths: list
    labels: list
    groups: list

    @property
    def name(self):
        """The list file's name without extension: the default results folder name."""
        return self.source.stem


def load_dataset(*, path):
    """Read a dataset list and check that its clips can be told apart.

    Parameters
    ----------
    path : str or Path
        A train list, optionally with a third (group) column.

    Returns
    -------
    Dataset

    Raises
    ------
    ListFileError
        If the list is unreadable or a line lacks a label.
    DataError
        If a label has no letters or digits, one clip is listed with two
        labels, two clips share a :func:`clip_key`, or there are fewer than
        two labels.
    """
    kept, duplicates = [], 0
    for entry, first in clip_lines(path=path):
        if first is None:
            kept.append(entry)
        elif first.label != entry.label:
            raise DataError(f"{path}:{entry.line}: {entry.path!r} is labelled {entry.label!r} here "
                            f"but {first.label!r} on line {first.line}")
        else:
            duplicates += 1
    if duplicates:
        log.warning("%s: %d repeated line(s) ignored", path, duplicates)
    if len({normalise_label(e.label) for e in kept}) < 2:
        raise DataError(f"{path}: needs at least two labels to evaluate a classifier")
    return Dataset(Path(path), [e.resolved for e in kept], [e.label for e in kept], [e.group for e in kept])
