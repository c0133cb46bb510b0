"""Classification metrics against hand-computed values in tests/data/metrics_reference.json."""
import json
from pathlib import Path

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
