"""The fold splitter: no group on both sides, every label in every training fold where possible."""
import logging

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mirex.errors import DataError
from mirex.evaluate import folds as folds_module
from mirex.evaluate.folds import make_folds


def _check_partition(folds, n):
    tests = np.concatenate([f.test for f in folds])
    assert sorted(tests.tolist()) == list(range(n))
    for fold in folds:
        assert len(fold.test) > 0
        assert sorted(np.concatenate([fold.train, fold.test]).tolist()) == list(range(n))


@st.composite
def datasets(draw):
    """Artists (groups) with a few clips each; some labels have one artist, some artists several labels."""
    n_labels = draw(st.integers(2, 5))
    mixed = draw(st.booleans())
    labels, groups = [], []
    for label in range(n_labels):
        for group in range(draw(st.integers(1, 5))):
            size = draw(st.integers(1, 4))
            labels += [f"L{label}"] * size
            groups += [f"g{label}.{group}"] * size
    if mixed:
        # Give some clips another label, so that artists span labels.
        for i in draw(st.lists(st.integers(0, len(labels) - 1), max_size=len(labels) // 2)):
            labels[i] = f"L{draw(st.integers(0, n_labels - 1))}"
    order = draw(st.permutations(range(len(labels))))
    n_folds = draw(st.integers(2, 4))
    return [labels[i] for i in order], [groups[i] for i in order], n_folds, mixed, draw(st.integers(0, 1000))


@settings(max_examples=150, deadline=None)
@given(datasets())
def test_no_group_leak_and_labels_in_every_training_fold(data):
    labels, groups, n_folds, mixed, seed = data
    assume(len(set(groups)) >= n_folds)
    folds = make_folds(labels=labels, groups=groups, n_folds=n_folds, seed=seed)
    assert len(folds) == n_folds
    _check_partition(folds, len(labels))
    labels, groups = np.asarray(labels), np.asarray(groups)
    for fold in folds:
        assert not set(groups[fold.train]) & set(groups[fold.test])
        if mixed:
            continue  # every label in every training fold is not always possible then
        for label in set(labels):
            if len(set(groups[labels == label])) > 1:
                assert label in set(labels[fold.train])


def test_groups_are_moved_when_stratification_leaves_a_label_out(monkeypatch):
    # Artist g0 has clips of both labels; with seed 0 scikit-learn's split puts
    # both artists of L1 in one test fold, and the repair must move one out.
    labels = ["L0", "L0", "L1", "L1", "L1", "L0"]
    groups = ["g0", "g3", "g0", "g0", "g1", "g2"]

    def labels_missing_from_training(folds):
        return [label for f in folds for label in set(labels) if label not in {labels[i] for i in f.train}]

    assert not labels_missing_from_training(make_folds(labels=labels, groups=groups, seed=0))
    monkeypatch.setattr(folds_module, "_repair", lambda *args: None)
    assert labels_missing_from_training(make_folds(labels=labels, groups=groups, seed=0))


def test_deterministic_given_seed():
    labels = [f"L{i % 3}" for i in range(60)]
    groups = [f"g{i % 12}" for i in range(60)]
    first = make_folds(labels=labels, groups=groups, seed=7)
    again = make_folds(labels=labels, groups=groups, seed=7)
    assert all((a.test == b.test).all() for a, b in zip(first, again))


def test_without_groups_each_clip_is_its_own_group_and_labels_are_stratified():
    labels = ["a"] * 30 + ["b"] * 15
    folds = make_folds(labels=labels, groups=None, n_folds=3, seed=1)
    _check_partition(folds, len(labels))
    for fold in folds:
        counts = np.unique(np.asarray(labels)[fold.test], return_counts=True)[1].tolist()
        assert counts == [10, 5]


def test_warns_once_about_a_label_with_one_group(caplog):
    labels = ["a"] * 6 + ["b"] * 6 + ["solo"] * 2
    groups = [f"a{i % 3}" for i in range(6)] + [f"b{i % 3}" for i in range(6)] + ["only"] * 2
    with caplog.at_level(logging.WARNING, logger="mirex.evaluate.folds"):
        make_folds(labels=labels, groups=groups, n_folds=3)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1 and "'solo'" in messages[0] and "\n" not in messages[0]


def test_too_few_groups():
    with pytest.raises(DataError, match="2 artists/groups cannot fill 3 folds"):
        make_folds(labels=["a", "b", "a", "b"], groups=["x", "y", "x", "y"], n_folds=3)
