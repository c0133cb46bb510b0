"""Automatic statistics of a music similarity distance matrix, as MIREX computed them.

Beside the human judgements, the Audio Music Similarity evaluation reported
statistics of each submitted distance matrix at N = 5, 10, 20 and 50:

- **neighbourhood clustering** by label and by group (artist): for each query,
  the number of its N nearest other files (the query excluded, ties in list
  order) that share its class, over the most that could: min(N, size of the
  query's class - 1). 1 is perfect; the random baseline is the expected value
  for a random ranking. Queries alone in their class are skipped.
- **group-filtered label neighbourhood**: the same by label, after every file
  of the query's group (artist, work) is removed from its candidates, so an
  artist's own songs cannot raise the score; the top N and the best possible
  count are taken over what remains (at most N).
- **distance ratio**: mean distance between different files of one class over
  mean distance between any two different files (below 1 is good).
- **hubness**: the share of files in nobody's N nearest ("orphans") and the
  most times one file occurs in the lists.
- **triangle inequality**: the share of a seeded sample of distinct triples
  (i, j, k) with d(i, k) > d(i, j) + d(j, k).

N values not smaller than the number of files give NaN. Every function
validates its inputs and raises :class:`~mirex.errors.DataError`.
"""
from dataclasses import dataclass
from itertools import permutations

import numpy as np
import pandas as pd

from mirex.errors import DataError

__all__ = ["AT", "SimilarityScores", "check_distances", "nearest", "neighbourhood", "distance_ratio", "hubness",
           "triangle_violations", "similarity_scores"]

AT = (5, 10, 20, 50)
"""The neighbourhood sizes N."""


def check_distances(distances):
    """Return ``distances`` as a float array after checking it is a usable distance matrix.

    Raises
    ------
    DataError
        Unless it is square with at least two rows, finite and non-negative.
    """
    distances = np.asarray(distances, dtype=float)
    if distances.ndim != 2 or distances.shape[0] != distances.shape[1] or distances.shape[0] < 2:
        raise DataError(f"a distance matrix must be square with at least 2 rows, got shape {distances.shape}")
    if not np.isfinite(distances).all():
        raise DataError("distance matrix holds values that are not finite")
    if (distances < 0).any():
        raise DataError("distance matrix holds negative distances")
    return distances


def _classes(values, n, *, what):
    if values is None or len(values) != n:
        raise DataError(f"{n} files but {0 if values is None else len(values)} {what}")
    if any(v is None for v in values):
        raise DataError(f"every file needs a {what[:-1]}")
    return np.unique(np.asarray([str(v) for v in values]), return_inverse=True)[1]


def nearest(*, distances, n, exclude=None):
    """The ``n`` nearest candidates of every query, ties in list order.

    Parameters
    ----------
    distances : array_like, shape (m, m)
    n : int
    exclude : ndarray of bool, shape (m, m), optional
        True where a file is not a candidate for a query; the query itself
        never is.

    Returns
    -------
    order : ndarray of int, shape (m, min(n, m - 1))
        Candidate indices, nearest first.
    valid : ndarray of bool, same shape
        False past a query's last candidate.
    """
    distances = check_distances(distances)
    masked = distances.copy()
    np.fill_diagonal(masked, np.inf)
    if exclude is not None:
        masked[np.asarray(exclude, dtype=bool)] = np.inf
    order = np.argsort(masked, axis=1, kind="stable")[:, :n]
    return order, np.isfinite(np.take_along_axis(masked, order, axis=1))


def neighbourhood(*, distances, classes, n, groups=None):
    """Mean neighbourhood clustering at ``n`` and its random baseline.

    Parameters
    ----------
    distances : array_like, shape (m, m)
    classes : sequence of str
        The class (label or group) of each file.
    n : int
    groups : sequence of str, optional
        When given, each query's own group is removed before ranking
        (the group-filtered variant).

    Returns
    -------
    score, baseline : float
        NaN when ``n >= m`` or no query has a class-mate among its candidates.
    """
    distances = check_distances(distances)
    m = distances.shape[0]
    if n < 1:
        raise DataError(f"neighbourhood size must be at least 1, not {n}")
    cls = _classes(classes, m, what="classes")
    candidates = ~np.eye(m, dtype=bool)
    if groups is not None:
        grp = _classes(groups, m, what="groups")
        candidates &= grp[:, None] != grp[None, :]
    if n >= m:
        return float("nan"), float("nan")
    order, valid = nearest(distances=distances, n=n, exclude=~candidates)
    same = cls[:, None] == cls[None, :]
    hits = (np.take_along_axis(same, order, axis=1) & valid).sum(axis=1)
    pool = candidates.sum(axis=1)
    mates = (same & candidates).sum(axis=1)
    top = np.minimum(n, pool)
    best = np.minimum(top, mates)
    used = best > 0
    if not used.any():
        return float("nan"), float("nan")
    expected = top[used] * mates[used] / pool[used]
    return float(np.mean(hits[used] / best[used])), float(np.mean(expected / best[used]))


def distance_ratio(*, distances, classes):
    """Mean distance within classes over mean distance overall (pairs of different files).

    Returns
    -------
    ratio : float
        NaN if no class has two files or every distance is 0.
    """
    distances = check_distances(distances)
    m = distances.shape[0]
    cls = _classes(classes, m, what="classes")
    off = ~np.eye(m, dtype=bool)
    within = (cls[:, None] == cls[None, :]) & off
    overall = distances[off].mean()
    if not within.any() or overall == 0:
        return float("nan")
    return float(distances[within].mean() / overall)


def hubness(*, distances, n):
    """Hubness at ``n``: share of files in nobody's ``n`` nearest, and the most occurrences of one file.

    Returns
    -------
    orphans : float
    most : int
        Both NaN when ``n >= m``.
    """
    distances = check_distances(distances)
    m = distances.shape[0]
    if n >= m:
        return float("nan"), float("nan")
    order, _ = nearest(distances=distances, n=n)
    counts = np.bincount(order.ravel(), minlength=m)
    return float(np.mean(counts == 0)), int(counts.max())


def triangle_violations(*, distances, samples=10_000, seed=0, tolerance=1e-9):
    """Share of sampled triples of distinct files that break the triangle inequality.

    Parameters
    ----------
    distances : array_like, shape (m, m), m >= 3
    samples : int or None
        Triples drawn (with replacement among triples) by
        ``numpy.random.default_rng(seed)``; None checks every ordered triple.
    seed : int
    tolerance : float
        d(i, k) must exceed d(i, j) + d(j, k) by more than this.

    Returns
    -------
    share : float
    """
    distances = check_distances(distances)
    m = distances.shape[0]
    if m < 3:
        raise DataError(f"the triangle inequality needs at least 3 files, got {m}")
    if samples is None:
        i, j, k = np.asarray(list(permutations(range(m), 3))).T
    elif samples < 1:
        raise DataError(f"need at least one sampled triple, not {samples}")
    else:
        rng = np.random.default_rng(seed)
        i = rng.integers(0, m, samples)
        j = (i + rng.integers(1, m, samples)) % m  # j != i
        k = rng.integers(0, m - 2, samples)  # one of the (m - 2) files other than i and j, in order
        low, high = np.minimum(i, j), np.maximum(i, j)
        k = k + (k >= low)
        k = k + (k >= high)
    return float(np.mean(distances[i, k] > distances[i, j] + distances[j, k] + tolerance))


@dataclass(frozen=True)
class SimilarityScores:
    """All statistics of one distance matrix.

    Attributes
    ----------
    per_n : DataFrame
        Index ``n`` (:data:`AT`); columns ``label``, ``label_baseline``,
        ``group``, ``group_baseline``, ``label_group_filtered``,
        ``label_group_filtered_baseline``, ``orphans``, ``most_occurrences``
        (group columns NaN without groups).
    overall : dict of str to float
        ``label_distance_ratio``, ``group_distance_ratio`` and
        ``triangle_violations``.
    """

    per_n: pd.DataFrame
    overall: dict


def similarity_scores(*, distances, labels, groups=None, at=AT, samples=10_000, seed=0):
    """Every statistic of the module for one distance matrix.

    Parameters
    ----------
    distances : array_like, shape (m, m)
    labels : sequence of str
    groups : sequence of str or None, optional
        The artist (work) of each file; None entries make a file its own group.
    at : sequence of int
    samples, seed : int
        For :func:`triangle_violations`.

    Returns
    -------
    SimilarityScores
    """
    distances = check_distances(distances)
    m = distances.shape[0]
    _classes(labels, m, what="labels")
    if groups is not None:
        groups = [f"\0{i}" if g is None else str(g) for i, g in enumerate(groups)]
    rows = []
    for n in at:
        row = {"n": n}
        row["label"], row["label_baseline"] = neighbourhood(distances=distances, classes=labels, n=n)
        if groups is None:
            row.update(group=np.nan, group_baseline=np.nan, label_group_filtered=np.nan,
                       label_group_filtered_baseline=np.nan)
        else:
            row["group"], row["group_baseline"] = neighbourhood(distances=distances, classes=groups, n=n)
            row["label_group_filtered"], row["label_group_filtered_baseline"] = neighbourhood(
                distances=distances, classes=labels, n=n, groups=groups)
        row["orphans"], row["most_occurrences"] = hubness(distances=distances, n=n)
        rows.append(row)
    overall = {
        "label_distance_ratio": distance_ratio(distances=distances, classes=labels),
        "group_distance_ratio": np.nan if groups is None else distance_ratio(distances=distances, classes=groups),
        "triangle_violations": triangle_violations(distances=distances, samples=samples, seed=seed)
        if m >= 3 else np.nan,
    }
    return SimilarityScores(pd.DataFrame(rows).set_index("n"), overall)
