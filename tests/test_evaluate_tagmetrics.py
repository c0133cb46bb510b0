"""Tag metrics against hand-computed values in tests/data/tag_metrics_reference.json."""
import json
from pathlib import Path

import numpy as np
import pytest

from mirex.errors import DataError
from mirex.evaluate import tagmetrics

REF = json.loads((Path(__file__).parent / "data" / "tag_metrics_reference.json").read_text())
EXP = REF["expected"]
NAMES = {"tracks": REF["tracks"], "tags": REF["tags"]}


def nan(values):
    return [np.nan if v is None else v for v in values]


def test_binary_per_tag_per_track_and_pooled():
    scores = tagmetrics.binary_scores(truth=REF["truth"], predicted=REF["binary"], **NAMES)
    assert list(scores.per_tag.index) == REF["tags"] and list(scores.per_track.index) == REF["tracks"]
    for metric in tagmetrics.BINARY_METRICS:
        assert scores.per_tag[metric].tolist() == pytest.approx(EXP["per_tag"][metric]), metric
        assert scores.per_track[metric].tolist() == pytest.approx(EXP["per_track"][metric]), metric
    assert scores.overall == pytest.approx(EXP["overall"])


def test_affinity_precision_at_and_auc():
    for n, expected in EXP["precision_at"].items():
        got = tagmetrics.precision_at(truth=REF["truth"], scores=REF["affinity"], n=int(n))
        assert got.tolist() == pytest.approx(nan(expected), nan_ok=True), n
    scores = tagmetrics.affinity_scores(truth=REF["truth"], affinity=REF["affinity"], **NAMES)
    assert scores.per_track["p@3"].tolist() == pytest.approx(EXP["precision_at"]["3"])
    assert scores.per_track["p@15"].isna().all()
    assert scores.per_tag["auc"].tolist() == pytest.approx(EXP["auc_per_tag"])
    assert scores.per_track["auc"].tolist() == pytest.approx(EXP["auc_per_track"])
    assert scores.pooled_auc == pytest.approx(EXP["pooled_auc"])


def test_auc_agrees_with_scikit_learn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, (40, 5))
    scores = np.round(rng.random((40, 5)), 1)  # rounded: many ties
    assert tagmetrics.auc_roc(truth=truth, scores=scores) == pytest.approx(roc_auc_score(truth.ravel(), scores.ravel()))
    per_tag = tagmetrics.auc_roc(truth=truth, scores=scores, axis=0)
    assert per_tag == pytest.approx([roc_auc_score(truth[:, j], scores[:, j]) for j in range(5)])


def test_undefined_ratios():
    truth = [[0, 1], [0, 1]]  # tag 0 has no positive, tag 1 no negative
    per_tag = tagmetrics.binary_metrics(truth=truth, predicted=[[0, 0], [0, 1]], axis=0)
    assert np.isnan(per_tag["recall"][0]) and np.isnan(per_tag["f_measure"][0])
    assert per_tag["precision"][0] == 0 and per_tag["negative_accuracy"][0] == 1
    assert np.isnan(per_tag["negative_accuracy"][1]) and per_tag["f_measure"][1] == pytest.approx(2 / 3)
    assert np.isnan(tagmetrics.auc_roc(truth=truth, scores=[[0.1, 0.2], [0.3, 0.4]], axis=0)).all()


def test_tag_matrix_missing_pairs_count_zero():
    rows = [("t1", "a", "0.5"), ("t2", "b", 1), ("t1", "a", 0.9), ("nobody", "a", 1), ("t1", "zzz", 1)]
    matrix = tagmetrics.tag_matrix(rows=rows, tracks=["t1", "t2"], tags=["a", "b"])
    assert matrix.tolist() == [[0.5, 0.0], [0.0, 1.0]]
    with pytest.raises(DataError, match=r"out.txt: row 1 .*'t1', 'a'.* not a finite number"):
        tagmetrics.tag_matrix(rows=[("t1", "a", "high")], tracks=["t1"], tags=["a"], name="out.txt")


@pytest.mark.parametrize("truth, other, message", [
    ([[1, 0]], [[1, 0], [0, 1]], r"shape \(1, 2\) but predicted has shape \(2, 2\)"),
    ([[1, 2]], [[1, 0]], "truth must hold only 0 and 1"),
    ([[1, 0]], [[1, 0.5]], "predicted must hold only 0 and 1"),
    ([], [], "non-empty"),
    ([[1, 0]], [[np.nan, 0]], "not finite"),
])
def test_binary_inputs_are_validated(truth, other, message):
    with pytest.raises(DataError, match=message):
        tagmetrics.binary_metrics(truth=truth, predicted=other)


def test_names_must_match_the_matrix():
    with pytest.raises(DataError, match="does not match 3 tracks x 3 tags"):
        tagmetrics.affinity_scores(truth=REF["truth"], affinity=REF["affinity"], tracks=["a", "b", "c"],
                                   tags=REF["tags"])
