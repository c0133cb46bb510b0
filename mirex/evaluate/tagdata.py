"""The tag task's dataset list and its folds.

A tag dataset list has one ``path<TAB>tag[<TAB>group]`` line per (clip, tag)
pair; the group (artist, work) must be the same on every line of a clip. Tags
are compared normalised (lower-case, letters and digits only), clips by
:func:`~mirex.evaluate.dataset.clip_key`. Folds are made by
:func:`~mirex.evaluate.folds.make_folds` with each clip's rarest tag as its
stratum and the group as the artist filter. :class:`TagFolding` holds the
steps of a task on a tag list that read it, fold it and write each fold's
lists (the tag and metric tasks').
"""
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mirex.errors import DataError
from mirex.evaluate.classmetrics import normalise_label
from mirex.evaluate.dataset import clip_lines
from mirex.evaluate.folds import make_folds
from mirex.evaluate.scripts import write_fold_lists

__all__ = ["TagDataset", "TagFolding", "load_tag_dataset", "tag_folds"]


@dataclass(frozen=True)
class TagDataset:
    """A tag dataset, one entry per distinct clip.

    Attributes
    ----------
    source : Path
    paths : list of str
        Absolute paths in list order.
    tags : list of tuple of str
        Each clip's normalised tags.
    groups : list of str or None
    vocabulary : list of str
        Every normalised tag, in first-seen order.
    """

    source: Path
    paths: list
    tags: list
    groups: list
    vocabulary: list

    @property
    def name(self):
        """The list file's name without extension."""
        return self.source.stem

    def truth(self, indices):
        """The 0/1 (clip x tag) matrix of the clips at ``indices``."""
        column = {t: j for j, t in enumerate(self.vocabulary)}
        matrix = np.zeros((len(indices), len(self.vocabulary)))
        for row, i in enumerate(indices):
            matrix[row, [column[t] for t in self.tags[i]]] = 1
        return matrix


def load_tag_dataset(*, path):
    """Read a tag dataset list.

    Raises
    ------
    ListFileError
        If the list is unreadable or a line lacks a tag.
    DataError
        If a tag has no letters or digits, a clip has two groups, two clips
        share a base name, or there are fewer than two tags.
    """
    clips = {}
    for entry, first in clip_lines(path=path, what="tag"):
        if first is not None and entry.group != first.group:
            raise DataError(f"{path}:{entry.line}: group {entry.group!r} differs from {first.group!r} "
                            f"on line {first.line}")
        tags = clips.setdefault(entry.resolved, (entry.group, []))[1]
        if normalise_label(entry.label) not in tags:
            tags.append(normalise_label(entry.label))
    vocabulary = list(dict.fromkeys(t for _, tags in clips.values() for t in tags))
    if len(vocabulary) < 2:
        raise DataError(f"{path}: needs at least two tags to evaluate a tagger")
    return TagDataset(Path(path), list(clips), [tuple(tags) for _, tags in clips.values()],
                      [group for group, _ in clips.values()], vocabulary)


def tag_folds(*, dataset, n_folds, seed):
    """Group-filtered folds, stratified by each clip's rarest tag."""
    counts = Counter(t for tags in dataset.tags for t in tags)
    strata = [min(tags, key=lambda t: (counts[t], t)) for tags in dataset.tags]
    return make_folds(labels=strata, groups=dataset.groups, n_folds=n_folds, seed=seed)


class TagFolding:
    """The dataset, folds and fold lists of a task on a tag list (the tag and metric tasks' shared steps)."""

    def load(self, *, path):
        """The tag dataset list (:func:`load_tag_dataset`)."""
        return load_tag_dataset(path=path)

    def folds(self, *, dataset, plan):
        """Group-filtered folds stratified by each clip's rarest tag (:func:`tag_folds`)."""
        return tag_folds(dataset=dataset, n_folds=plan.n_folds, seed=plan.seed)

    def lists(self, *, dataset, fold, plan):
        """Write ``OUT/folds/foldK/{train,test}.txt`` (one train line per pair); return their paths."""
        return write_fold_lists(folder=plan.out_dir / "folds" / f"fold{fold.number}",
                                train_rows=[(dataset.paths[i], tag) for i in fold.train for tag in dataset.tags[i]],
                                test_paths=[dataset.paths[i] for i in fold.test])
