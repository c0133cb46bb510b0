"""Similarity statistics against hand-computed values in tests/data/sim_metrics_reference.json."""
import json
from pathlib import Path

import numpy as np
import pytest

from mirex.errors import DataError
from mirex.evaluate import simmetrics

REF = json.loads((Path(__file__).parent / "data" / "sim_metrics_reference.json").read_text())
EXP = REF["expected"]
D = REF["distances"]


def approx(values):
    return pytest.approx([np.nan if v is None else v for v in values], nan_ok=True)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_label_neighbourhood_and_baseline(n):
    got = simmetrics.neighbourhood(distances=D, classes=REF["labels"], n=n)
    assert list(got) == approx(EXP["label"][str(n)])


def test_group_neighbourhood_skips_queries_alone_in_their_group():
    got = simmetrics.neighbourhood(distances=D, classes=REF["groups"], n=1)
    assert list(got) == approx(EXP["group"]["1"])


@pytest.mark.parametrize("n", [1, 2])
def test_group_filtered_label_neighbourhood(n):
    got = simmetrics.neighbourhood(distances=D, classes=REF["labels"], n=n, groups=REF["groups"])
    assert list(got) == approx(EXP["label_group_filtered"][str(n)])


@pytest.mark.parametrize("n", [1, 2])
def test_hubness(n):
    assert list(simmetrics.hubness(distances=D, n=n)) == approx(EXP["hubness"][str(n)])


def test_distance_ratio_and_triangle_inequality():
    assert simmetrics.distance_ratio(distances=D, classes=REF["labels"]) == pytest.approx(
        EXP["label_distance_ratio"])
    assert simmetrics.triangle_violations(distances=D, samples=None) == pytest.approx(EXP["triangle_violations"])
    sampled = simmetrics.triangle_violations(distances=D, samples=20_000, seed=3)
    assert sampled == simmetrics.triangle_violations(distances=D, samples=20_000, seed=3)
    assert sampled == pytest.approx(EXP["triangle_violations"], abs=0.01)


def test_sampled_triples_are_distinct_files():
    distances = np.ones((4, 4)) + 9 * np.eye(4)  # a triple (i, j, i) would break the inequality: 10 > 1 + 1
    assert simmetrics.triangle_violations(distances=distances, samples=5000) == 0.0


def test_similarity_scores_table():
    scores = simmetrics.similarity_scores(distances=D, labels=REF["labels"], groups=REF["groups"], at=(1, 2),
                                          samples=None)
    assert scores.per_n.loc[1, ["label", "label_baseline"]].tolist() == approx(EXP["label"]["1"])
    assert scores.per_n.loc[2, ["label_group_filtered", "orphans", "most_occurrences"]].tolist() == approx(
        [EXP["label_group_filtered"]["2"][0], *EXP["hubness"]["2"]])
    assert scores.overall["triangle_violations"] == pytest.approx(0.1)
    without = simmetrics.similarity_scores(distances=D, labels=REF["labels"], at=(1,))
    assert np.isnan(without.per_n.loc[1, "group"]) and np.isnan(without.overall["group_distance_ratio"])


def test_perfect_clusters_score_one():
    labels = ["a"] * 4 + ["b"] * 4
    distances = np.where(np.equal.outer(labels, labels), 0.1, 1.0)
    np.fill_diagonal(distances, 0)
    assert simmetrics.neighbourhood(distances=distances, classes=labels, n=5)[0] == 1.0


@pytest.mark.parametrize("distances, message", [
    ([[0, 1, 2], [1, 0, 1]], "square"),
    ([[0, -1], [-1, 0]], "negative"),
    ([[0, np.inf], [1, 0]], "not finite"),
])
def test_distance_matrix_is_validated(distances, message):
    with pytest.raises(DataError, match=message):
        simmetrics.hubness(distances=distances, n=1)


def test_labels_must_match_files():
    with pytest.raises(DataError, match="5 files but 2 labels"):
        simmetrics.similarity_scores(distances=D, labels=["x", "y"])
