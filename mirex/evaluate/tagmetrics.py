"""Audio tag classification metrics, as the MIREX (NEMA) tag evaluator reported them.

Inputs are matrices over (track, tag): ``truth`` and ``binary`` hold 0/1,
``affinity`` holds scores (larger = more relevant). :func:`tag_matrix` builds
one from output lines, a missing (track, tag) pair counting 0. Every function
validates its inputs first and raises :class:`~mirex.errors.DataError` with
one line saying what is wrong.

Conventions where a ratio is undefined (documented in ``docs/tasks.md``):

- precision is 0 when nothing is predicted positive;
- recall (= positive-example accuracy) is NaN when there is no positive
  example, negative-example accuracy NaN when there is no negative one;
- F-measure is 0 when precision or recall is 0, NaN when recall is NaN;
- AUC-ROC (ties count one half) is NaN without both a positive and a negative;
- precision at N ranks a track's tags by score (ties in tag order) and counts
  the relevant ones in the first N, over N; it is NaN when N exceeds the
  number of tags.

Means over tags or tracks skip NaN values.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from mirex.errors import DataError

__all__ = ["BINARY_METRICS", "PRECISION_AT", "BinaryScores", "AffinityScores", "tag_matrix", "binary_metrics",
           "binary_scores", "auc_roc", "precision_at", "affinity_scores"]

BINARY_METRICS = ("accuracy", "positive_accuracy", "negative_accuracy", "precision", "recall", "f_measure")
"""The metrics computed from BINARY, in report order."""
PRECISION_AT = (3, 6, 9, 12, 15)
"""The ranks N of precision at N."""


def tag_matrix(*, rows, tracks, tags, name="output"):
    """A (track x tag) float matrix from ``(track, tag, value)`` rows; missing pairs are 0.

    Parameters
    ----------
    rows : iterable of (str, str, float)
        Rows for unknown tracks or tags are ignored; the first row of a pair wins.
    tracks, tags : sequence of str
        Row and column order.
    name : str
        Named in error messages.

    Returns
    -------
    matrix : ndarray, shape (len(tracks), len(tags))

    Raises
    ------
    DataError
        If a value is not a finite number.
    """
    row_of = {t: i for i, t in enumerate(tracks)}
    col_of = {t: j for j, t in enumerate(tags)}
    matrix = np.zeros((len(tracks), len(tags)))
    seen = np.zeros(matrix.shape, dtype=bool)
    for number, (track, tag, value) in enumerate(rows, start=1):
        i, j = row_of.get(track), col_of.get(tag)
        if i is None or j is None or seen[i, j]:
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            value = float("nan")
        if not np.isfinite(value):
            raise DataError(f"{name}: row {number} ({track!r}, {tag!r}): value {value!r} is not a finite number")
        matrix[i, j], seen[i, j] = value, True
    return matrix


def _check(truth, other, *, what, binary):
    truth, other = np.asarray(truth, dtype=float), np.asarray(other, dtype=float)
    if truth.ndim != 2 or truth.size == 0:
        raise DataError(f"truth must be a non-empty (track x tag) matrix, got shape {truth.shape}")
    if other.shape != truth.shape:
        raise DataError(f"truth has shape {truth.shape} but {what} has shape {other.shape}")
    for name, values, must_be_binary in (("truth", truth, True), (what, other, binary)):
        if not np.isfinite(values).all():
            raise DataError(f"{name} holds values that are not finite")
        if must_be_binary and not np.isin(values, (0, 1)).all():
            raise DataError(f"{name} must hold only 0 and 1")
    return truth.astype(bool), other


def _ratio(num, den, *, empty):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.where(den > 0, num / np.where(den > 0, den, 1), empty)


def binary_metrics(*, truth, predicted, axis=None):
    """The six BINARY metrics over tracks (``axis=0``: one value per tag), over tags (``axis=1``) or pooled.

    Parameters
    ----------
    truth, predicted : array_like of 0/1, shape (n_tracks, n_tags)
    axis : {None, 0, 1}

    Returns
    -------
    metrics : dict of str to float or ndarray
        Keys :data:`BINARY_METRICS`; recall and positive-example accuracy are
        the same number, reported under both names as the graders did.
    """
    truth, predicted = _check(truth, predicted, what="predicted", binary=True)
    predicted = predicted.astype(bool)
    tp = (truth & predicted).sum(axis=axis)
    fp = (~truth & predicted).sum(axis=axis)
    fn = (truth & ~predicted).sum(axis=axis)
    tn = (~truth & ~predicted).sum(axis=axis)
    precision = _ratio(tp, tp + fp, empty=0.0)
    recall = _ratio(tp, tp + fn, empty=np.nan)
    with np.errstate(invalid="ignore"):
        f = np.where((precision > 0) & (recall > 0), 2 * precision * recall / np.maximum(precision + recall, 1e-300),
                     np.where(np.isnan(recall), np.nan, 0.0))
    values = {"accuracy": _ratio(tp + tn, tp + tn + fp + fn, empty=np.nan), "positive_accuracy": recall,
              "negative_accuracy": _ratio(tn, tn + fp, empty=np.nan), "precision": precision, "recall": recall,
              "f_measure": f}
    return {k: (float(v) if axis is None else v) for k, v in values.items()}


@dataclass(frozen=True)
class BinaryScores:
    """BINARY metrics of one fold.

    Attributes
    ----------
    per_tag : DataFrame
        Index tag, columns :data:`BINARY_METRICS` (over the fold's tracks).
    per_track : DataFrame
        Index track, the same columns (over the tags).
    overall : dict of str to float
        Pooled over all (track, tag) pairs.
    """

    per_tag: pd.DataFrame
    per_track: pd.DataFrame
    overall: dict


def binary_scores(*, truth, predicted, tracks, tags):
    """Every BINARY metric per tag, per track and pooled (see :func:`binary_metrics`).

    Parameters
    ----------
    truth, predicted : array_like of 0/1, shape (len(tracks), len(tags))
    tracks, tags : sequence of str

    Returns
    -------
    BinaryScores
    """
    _names(truth, tracks=tracks, tags=tags)
    per = {axis: pd.DataFrame(binary_metrics(truth=truth, predicted=predicted, axis=axis),
                              index=pd.Index(list(names), name=label))
           for axis, names, label in ((0, tags, "tag"), (1, tracks, "track"))}
    return BinaryScores(per[0], per[1], binary_metrics(truth=truth, predicted=predicted))


def _names(matrix, *, tracks, tags):
    shape = np.shape(matrix)
    if len(shape) != 2 or shape != (len(tracks), len(tags)):
        raise DataError(f"matrix of shape {shape} does not match {len(tracks)} tracks x {len(tags)} tags")


def auc_roc(*, truth, scores, axis=None):
    """Area under the ROC curve (Mann-Whitney, ties count one half).

    Parameters
    ----------
    truth : array_like of 0/1, shape (n_tracks, n_tags)
    scores : array_like of float, same shape
    axis : {None, 0, 1}
        0: one value per tag (over tracks); 1: one per track (over tags);
        None: pooled over all pairs.

    Returns
    -------
    auc : float or ndarray
        NaN where there is no positive or no negative example.
    """
    truth, scores = _check(truth, scores, what="scores", binary=False)
    pooled = axis is None
    if pooled:
        truth, scores, axis = truth.reshape(-1, 1), scores.reshape(-1, 1), 0
    ranks = rankdata(scores, axis=axis)
    positives = truth.sum(axis=axis).astype(float)
    negatives = truth.shape[axis] - positives
    rank_sum = np.where(truth, ranks, 0.0).sum(axis=axis)
    auc = _ratio(rank_sum - positives * (positives + 1) / 2, positives * negatives, empty=np.nan)
    return float(auc[0]) if pooled else auc


def precision_at(*, truth, scores, n):
    """Per track: the share of relevant tags among its ``n`` best-scored tags.

    Ties are broken in tag (column) order. NaN for every track when ``n``
    exceeds the number of tags.

    Returns
    -------
    precision : ndarray, shape (n_tracks,)
    """
    truth, scores = _check(truth, scores, what="scores", binary=False)
    if n < 1:
        raise DataError(f"precision at N needs N >= 1, not {n}")
    if n > truth.shape[1]:
        return np.full(truth.shape[0], np.nan)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :n]
    return np.take_along_axis(truth, order, axis=1).sum(axis=1) / n


@dataclass(frozen=True)
class AffinityScores:
    """AFFINITY metrics of one fold.

    Attributes
    ----------
    per_track : DataFrame
        Index track; columns ``p@3`` ... ``p@15`` and ``auc``.
    per_tag : DataFrame
        Index tag; column ``auc``.
    pooled_auc : float
        Over all (track, tag) pairs.
    """

    per_track: pd.DataFrame
    per_tag: pd.DataFrame
    pooled_auc: float


def affinity_scores(*, truth, affinity, tracks, tags):
    """Precision at N and AUC-ROC per track, AUC-ROC per tag and pooled.

    Parameters
    ----------
    truth : array_like of 0/1, shape (len(tracks), len(tags))
    affinity : array_like of float, same shape (missing pairs already 0)
    tracks, tags : sequence of str

    Returns
    -------
    AffinityScores
    """
    _names(truth, tracks=tracks, tags=tags)
    per_track = pd.DataFrame({f"p@{n}": precision_at(truth=truth, scores=affinity, n=n) for n in PRECISION_AT},
                             index=pd.Index(list(tracks), name="track"))
    per_track["auc"] = auc_roc(truth=truth, scores=affinity, axis=1)
    per_tag = pd.DataFrame({"auc": auc_roc(truth=truth, scores=affinity, axis=0)},
                           index=pd.Index(list(tags), name="tag"))
    return AffinityScores(per_track, per_tag, float(auc_roc(truth=truth, scores=affinity)))
