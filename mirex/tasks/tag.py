"""Audio tag classification: one binary model and one threshold per tag.

Features are standardised with the training mean and std. For each tag,
inner stratified cross-validation on the training list compares
:data:`CANDIDATES` (logistic regression and RBF SVMs, classes weighted by
their frequency) by the best F-measure their out-of-fold scores reach; the
winner is refitted on the whole training list. An SVM's decision values are
mapped to [0, 1] by a sigmoid fitted on its out-of-fold decisions (Platt
scaling), a logistic regression gives its probability. The tag's threshold is
the one that maximises the F-measure of the out-of-fold scores (midway
between the last score taken and the next one). Tag lists are read and the
outputs written by :mod:`mirex.tasks.tag_lists`.

A tag with fewer than :data:`MIN_EXAMPLES` positive (or negative) training
tracks gets no model: its score is its training frequency (the prior) for
every track, and its binary answer is 1 only if it is on at least half of the
training tracks. The same prior scores and thresholds answer for a test file
that cannot be decoded.
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from mirex.errors import DataError
from mirex.tasks.record import Record

__all__ = ["MIN_EXAMPLES", "CANDIDATES", "TagModel", "TagRecord", "best_threshold", "fit_tags", "predict"]

MIN_EXAMPLES = 3
"""Fewest positive and negative training tracks a tag needs for a model of its own."""
CANDIDATES = ("logistic", "svm-c1", "svm-c10")
"""The per-tag models compared by inner cross-validation."""


def _candidate(name, *, dim):
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    if name == "logistic":
        return LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear")
    return SVC(kernel="rbf", C=float(name.removeprefix("svm-c")), gamma=1.0 / dim, class_weight="balanced")


def _raw_scores(estimator, features):
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(features)[:, 1]
    return estimator.decision_function(features)


def _sigmoid(values, platt):
    from scipy.special import expit  # no overflow warning far from the boundary

    a, b = platt
    return expit(a * values + b)


@dataclass(frozen=True)
class TagModel:
    """One tag's model.

    Attributes
    ----------
    tag : str
    prior : float
        Share of usable training tracks that carry the tag.
    threshold : float
        Binary answer = score >= threshold.
    kind : str
        ``'prior'`` (too few examples) or one of :data:`CANDIDATES`.
    estimator : object or None
        The fitted scikit-learn estimator (on standardised features).
    platt : tuple of float or None
        Sigmoid ``(a, b)`` mapping an SVM's decision value to [0, 1].
    cv_f_measure : float or None
        Best out-of-fold F-measure of the chosen model.
    """

    tag: str
    prior: float
    threshold: float
    kind: str
    estimator: Optional[object] = None
    platt: Optional[tuple] = None
    cv_f_measure: Optional[float] = None

    def scores(self, features):
        """Scores in [0, 1] for standardised ``features`` (n, d)."""
        if self.estimator is None:
            return np.full(len(features), self.prior)
        raw = _raw_scores(self.estimator, features)
        return raw if self.platt is None else _sigmoid(raw, self.platt)


@dataclass
class TagRecord(Record):
    """A trained tag model as stored in SCRATCH (versioned and validated by :mod:`mirex.tasks.scratch`).

    Attributes
    ----------
    tags : tuple of str
        In first-seen training order: the order of the output lines.
    scaler : object
        The fitted ``StandardScaler``.
    models : tuple of TagModel
        One per tag, aligned with ``tags``.
    """

    TASK = "tag"
    PARTS = (TagModel,)

    tags: tuple
    scaler: object
    models: tuple

    def describe(self):
        """The chosen models in one line."""
        kinds = {}
        for model in self.models:
            kinds[model.kind] = kinds.get(model.kind, 0) + 1
        return "per-tag models " + ", ".join(f"{kind} x{n}" for kind, n in kinds.items())

    @property
    def priors(self):
        """Training frequency of each tag."""
        return np.asarray([m.prior for m in self.models])

    @property
    def thresholds(self):
        """Threshold of each tag."""
        return np.asarray([m.threshold for m in self.models])


def best_threshold(*, scores, truth):
    """The threshold maximising the F-measure of ``scores >= threshold`` against ``truth``.

    Parameters
    ----------
    scores : ndarray of float, shape (n,)
    truth : ndarray of bool, shape (n,)
        At least one True.

    Returns
    -------
    f_measure, threshold : float
        The threshold lies midway between the lowest score taken and the next
        lower one (the lowest score itself when every track is taken).
    """
    scores, truth = np.asarray(scores, dtype=float), np.asarray(truth, dtype=bool)
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], np.cumsum(truth[order])
    ends = np.flatnonzero(np.r_[ranked[1:] != ranked[:-1], True])  # last index of each run of equal scores
    f = 2 * hits[ends] / (ends + 1 + truth.sum())
    best = int(np.argmax(f))
    k = ends[best]
    threshold = ranked[k] if k + 1 == len(ranked) else (ranked[k] + ranked[k + 1]) / 2
    return float(f[best]), float(threshold)


def _platt(decisions, truth):
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e4, solver="liblinear").fit(decisions.reshape(-1, 1), truth)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def _fit_tag(tag, features, truth, *, folds, seed):
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    positives = int(truth.sum())
    prior = positives / len(truth)
    if min(positives, len(truth) - positives) < MIN_EXAMPLES:
        return TagModel(tag, prior, 0.5, "prior")  # its score is the prior: 1 where the tag is on half the tracks
    splits = list(StratifiedKFold(min(folds, positives, len(truth) - positives), shuffle=True,
                                  random_state=seed).split(features, truth))
    best = None
    for name in CANDIDATES:
        template = _candidate(name, dim=features.shape[1])
        raw = np.empty(len(truth))
        for train, held in splits:
            raw[held] = _raw_scores(clone(template).fit(features[train], truth[train]), features[held])
        platt = None if name == "logistic" else _platt(raw, truth)
        scores = raw if platt is None else _sigmoid(raw, platt)
        f, threshold = best_threshold(scores=scores, truth=truth)
        if best is None or f > best[0]:
            best = (f, threshold, name, template, platt)
    f, threshold, name, template, platt = best
    return TagModel(tag, prior, threshold, name, clone(template).fit(features, truth), platt, f)


def fit_tags(*, features, tag_sets, spec, fingerprint="", n_jobs=1, folds=3, seed=0, skipped=0):
    """Train one model per tag.

    Parameters
    ----------
    features : ndarray, shape (n, d)
        Song features of the usable training files.
    tag_sets : sequence of sequence of str
        The tags of each file (each file has at least one).
    spec, fingerprint : str
        The feature system's text form and the extractor's fingerprint, kept in the record.
    n_jobs : int
        Tags fitted in parallel threads.
    folds : int
        Inner cross-validation folds (fewer for a tag with fewer examples).
    seed : int
    skipped : int
        Unusable training files, kept in the record.

    Returns
    -------
    TagRecord

    Raises
    ------
    DataError
        Without training files or tags.
    """
    import joblib
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    if len(features) == 0 or len(features) != len(tag_sets):
        raise DataError(f"need tags for each of the {len(features)} training files, got {len(tag_sets)}")
    tags = tuple(dict.fromkeys(t for ts in tag_sets for t in ts))
    if not tags:
        raise DataError("no tags to train")
    scaler = StandardScaler().fit(features)
    scaled = scaler.transform(features)
    truth = np.asarray([[t in set(ts) for t in tags] for ts in tag_sets], dtype=bool)
    with joblib.parallel_config(backend="threading"), threadpool_limits(1):  # one BLAS thread per parallel fit
        models = joblib.Parallel(n_jobs=n_jobs)(
            joblib.delayed(_fit_tag)(tag, scaled, truth[:, j], folds=folds, seed=seed) for j, tag in enumerate(tags))
    return TagRecord(spec=spec, fingerprint=fingerprint, n_train=len(features), skipped=skipped, tags=tags,
                     scaler=scaler, models=tuple(models))


def predict(*, record, features):
    """Scores and binary answers for every file and tag.

    Parameters
    ----------
    record : TagRecord
    features : ndarray, shape (n, d)
        Rows of NaN (files that could not be decoded) get the tag priors.

    Returns
    -------
    scores : ndarray of float in [0, 1], shape (n, n_tags)
    binary : ndarray of int (0 or 1), same shape
    """
    features = np.asarray(features, dtype=float)
    scores = np.tile(record.priors, (len(features), 1))
    ok = np.isfinite(features).all(axis=1)
    if ok.any():
        scaled = record.scaler.transform(features[ok])
        scores[ok] = np.column_stack([m.scores(scaled) for m in record.models])
    scores = np.clip(scores, 0.0, 1.0)
    return scores, (scores >= record.thresholds).astype(int)
