"""Cross-validation folds stratified by label, with an artist (group) filter.

Graders split a dataset into folds so that no artist (or work, or album) has
clips on both sides of a fold, while every label keeps its share in each fold.
The splitter here starts from scikit-learn's ``StratifiedGroupKFold`` and then
moves whole groups between test folds until every label with at least two
groups is present in every training fold.
"""
import logging
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from mirex.errors import DataError

__all__ = ["Fold", "make_folds"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fold:
    """One train/test split.

    Attributes
    ----------
    number : int
        1-based fold number.
    train, test : ndarray of int
        Sorted indices into the dataset.
    """

    number: int
    train: np.ndarray
    test: np.ndarray


def _missing(assign, label_groups):
    """(label, fold) pairs where all of a label's groups sit in that test fold."""
    pairs = set()
    for label, groups in label_groups.items():
        folds = {assign[g] for g in groups}
        if len(folds) == 1:
            pairs.add((label, folds.pop()))
    return pairs


def _repair(assign, label_groups, group_sizes, n_folds):
    """Move groups between test folds to put labels back into training folds.

    A move is taken only if it strictly lowers the number of (label, fold)
    pairs where the label is absent from the training side, and it never
    empties a fold, so the loop ends.
    """
    while True:
        missing = _missing(assign, label_groups)
        fixable = sorted((lab, f) for lab, f in missing if len(label_groups[lab]) > 1)
        if not fixable:
            return
        fold_sizes = np.bincount([assign[g] for g in assign], weights=[group_sizes[g] for g in assign],
                                 minlength=n_folds)
        for label, fold in fixable:
            candidates = sorted(label_groups[label], key=lambda g: (group_sizes[g], g))
            targets = sorted((f for f in range(n_folds) if f != fold), key=lambda f: (fold_sizes[f], f))
            move = next(((g, t) for g in candidates for t in targets
                         if len(_missing({**assign, g: t}, label_groups)) < len(missing)), None)
            if move is not None:
                assign[move[0]] = move[1]
                break
        else:
            return


def make_folds(*, labels, groups=None, n_folds=3, seed=0):
    """Split a dataset into label-stratified folds that never share a group.

    Parameters
    ----------
    labels : sequence of str
        The label of each clip.
    groups : sequence of str or None, optional
        The group (artist) of each clip; ``None`` entries, or no sequence at
        all, make each clip its own group.
    n_folds : int
        Number of folds (at least 2).
    seed : int
        Seed for the order in which groups are dealt; the split is a pure
        function of the inputs and the seed.

    Returns
    -------
    folds : list of Fold
        ``n_folds`` folds; their test sets partition the dataset.

    Raises
    ------
    DataError
        If there are fewer groups than folds.

    Notes
    -----
    A label whose clips all belong to one group cannot be in every training
    fold; one warning line names such labels.
    """
    labels = np.asarray([str(x) for x in labels])
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, not {n_folds}")
    if groups is None:
        groups = [None] * len(labels)
    if len(groups) != len(labels):
        raise ValueError(f"{len(labels)} labels but {len(groups)} groups")
    # A clip without a group is its own group; the prefix keeps it apart from named groups.
    group_ids = np.asarray([f"\0{i}" if g is None else f"={g}" for i, g in enumerate(groups)])
    n_groups = len(set(group_ids.tolist()))
    if n_groups < n_folds:
        raise DataError(f"{n_groups} artists/groups cannot fill {n_folds} folds")
    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    assign = {}
    with warnings.catch_warnings():
        # It warns when a label has fewer clips than folds; we warn about what matters below.
        warnings.simplefilter("ignore", UserWarning)
        # scikit-learn refuses to stratify when every label has fewer clips than folds.
        strata = labels if np.unique(labels, return_counts=True)[1].max() >= n_folds else np.zeros(len(labels))
        for fold, (_, test) in enumerate(splitter.split(np.zeros(len(labels)), strata, group_ids)):
            assign.update(dict.fromkeys(group_ids[test].tolist(), fold))
    label_groups = {}
    for label, group in zip(labels.tolist(), group_ids.tolist()):
        label_groups.setdefault(label, set()).add(group)
    names, counts = np.unique(group_ids, return_counts=True)
    sizes = dict(zip(names.tolist(), counts.tolist()))
    _repair(assign, label_groups, sizes, n_folds)
    lacking = sorted({label for label, _ in _missing(assign, label_groups)})
    if lacking:
        log.warning("folds: label(s) %s cannot be in every training fold (too few artists/groups)",
                    ", ".join(repr(x) for x in lacking))
    fold_of = np.asarray([assign[g] for g in group_ids.tolist()])
    return [Fold(k + 1, np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)) for k in range(n_folds)]
