"""Classification metrics against hand-computed values in tests/data/metrics_reference.json."""
import json
from pathlib import Path

import numpy as np
import pytest

from mirex.evaluate import classmetrics

REFERENCE = json.loads((Path(__file__).parent / "data" / "metrics_reference.json").read_text())
EXPECTED = REFERENCE["expected"]
ARGS = {"reference": REFERENCE["reference"], "estimated": REFERENCE["estimated"]}


def test_accuracy_and_normalised_accuracy():
    assert classmetrics.accuracy(**ARGS) == pytest.approx(EXPECTED["accuracy"])
    assert classmetrics.normalised_accuracy(**ARGS) == pytest.approx(EXPECTED["normalised_accuracy"])


def test_per_class_accuracy():
    assert classmetrics.per_class_accuracy(**ARGS).to_dict() == pytest.approx(EXPECTED["per_class"])


def test_confusion_matrix():
    matrix = classmetrics.confusion_matrix(**ARGS)
    assert list(matrix.columns) == EXPECTED["confusion_columns"]
    assert list(matrix.index) == list(EXPECTED["per_class"])
    assert matrix.to_numpy().tolist() == EXPECTED["confusion"]


def test_score_per_fold():
    scores = classmetrics.score(**ARGS, folds=REFERENCE["folds"])
    assert scores.accuracy == pytest.approx(EXPECTED["accuracy"])
    assert scores.normalised_accuracy == pytest.approx(EXPECTED["normalised_accuracy"])
    per_fold = scores.per_fold
    assert per_fold["n"].tolist() == [3, 3, 4]
    assert {str(k): v for k, v in per_fold["accuracy"].items()} == pytest.approx(EXPECTED["per_fold_accuracy"])
    assert ({str(k): v for k, v in per_fold["normalised_accuracy"].items()}
            == pytest.approx(EXPECTED["per_fold_normalised_accuracy"]))


def test_normalised_accuracy_is_pooled_over_folds_not_averaged():
    scores = classmetrics.score(**ARGS, folds=REFERENCE["folds"])
    summed = scores.confusion.loc[:, scores.confusion.index]
    pooled = (summed.to_numpy().diagonal() / scores.confusion.sum(axis=1).to_numpy()).mean()
    assert scores.normalised_accuracy == pytest.approx(pooled)
    assert scores.normalised_accuracy != pytest.approx(scores.per_fold["normalised_accuracy"].mean())


def test_confusion_has_no_pseudo_columns_when_all_answers_are_classes():
    matrix = classmetrics.confusion_matrix(reference=["a", "b"], estimated=["b", "b"])
    assert list(matrix.columns) == ["a", "b"]


@pytest.mark.parametrize("label, expected", [
    ("Hip-Hop / Rap", "hiphoprap"),
    ("  R&B ", "rb"),
    ("Cluster_1", "cluster1"),
    ("BALLAD", "ballad"),
    ("Trot", "trot"),
])
def test_normalise_label(label, expected):
    assert classmetrics.normalise_label(label) == expected


@pytest.mark.parametrize("reference, estimated, message", [
    ([], [], "empty"),
    (["a", "b"], ["a"], "2 reference labels but 1"),
    (["a", "--"], ["a", "a"], "empty after normalisation"),
])
def test_validate_rejects_bad_inputs(reference, estimated, message):
    with pytest.raises(ValueError, match=message):
        classmetrics.accuracy(reference=reference, estimated=estimated)


def test_score_checks_fold_length():
    with pytest.raises(ValueError, match="fold numbers"):
        classmetrics.score(reference=["a"], estimated=["a"], folds=[1, 2])


def test_bootstrap_of_two_clips_by_hand():
    # Resampling clip a (right) and clip b (wrong): both twice with chance 1/4 each (1.0, 0.0), one of each 1/2 (0.5).
    values = classmetrics.bootstrap_normalised_accuracy(reference=["a", "b"], estimated=["a", "x"])
    assert values.shape == (classmetrics.RESAMPLES,)
    shares = {v: float(np.mean(values == v)) for v in (0.0, 0.5, 1.0)}
    assert shares == pytest.approx({0.0: 0.25, 0.5: 0.5, 1.0: 0.25}, abs=0.05) and sum(shares.values()) == 1
    assert classmetrics.percentile_interval(values=values) == (0.0, 1.0)
    right = classmetrics.bootstrap_normalised_accuracy(reference=["a", "b"], estimated=["a", "b"])
    assert classmetrics.percentile_interval(values=right) == (1.0, 1.0)


def test_bootstrap_interval_of_one_class_is_the_binomial_one():
    # One class of 400 clips, 300 right: the resampled accuracy is Binomial(400, 0.75) / 400.
    values = classmetrics.bootstrap_normalised_accuracy(reference=["a"] * 400, estimated=["a"] * 300 + ["b"] * 100)
    half = 1.96 * np.sqrt(0.75 * 0.25 / 400)
    assert classmetrics.percentile_interval(values=values) == pytest.approx((0.75 - half, 0.75 + half), abs=0.01)


def test_bootstrap_resamples_are_paired_and_seeded():
    rng = np.random.default_rng(1)
    reference = rng.choice(["a", "b", "c"], size=60).tolist()
    worse = [r if rng.random() < 0.5 else "a" for r in reference]
    better = [r if w != r and rng.random() < 0.5 else w for r, w in zip(reference, worse)]  # right wherever worse is
    low, high = (classmetrics.bootstrap_normalised_accuracy(reference=reference, estimated=e) for e in (worse, better))
    assert (high >= low).all() and (high > low).any()
    again = classmetrics.bootstrap_normalised_accuracy(reference=reference, estimated=worse)
    other = classmetrics.bootstrap_normalised_accuracy(reference=reference, estimated=worse, seed=1)
    assert (again == low).all() and not (other == low).all()
    scores = classmetrics.score(reference=reference, estimated=worse, folds=[1, 2] * 30)
    assert (scores.resampled == low).all()
