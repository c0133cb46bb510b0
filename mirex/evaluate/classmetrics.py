"""Classification metrics as the MIREX train/test evaluator reported them.

Labels are compared the way graders compared them: lower-cased, with every
character that is not a letter or digit dropped. Functions validate their
inputs first (equal lengths, non-empty), then compute, in the manner of
``mir_eval``. An estimate of ``None`` stands for a clip the system gave no
answer for; it counts as wrong.

How much a score owes to the particular clips is measured by the bootstrap:
the clips are resampled with replacement (:data:`RESAMPLES` times, the
resamples drawn from :data:`BOOTSTRAP_SEED` and the number of clips only, so
every system of a dataset is scored on the same resamples and two systems
can be compared resample by resample).
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "MISSING",
    "OTHER",
    "Scores",
    "normalise_label",
    "validate",
    "confusion_matrix",
    "per_class_accuracy",
    "accuracy",
    "normalised_accuracy",
    "score",
    "RESAMPLES",
    "BOOTSTRAP_SEED",
    "bootstrap_normalised_accuracy",
    "percentile_interval",
]

MISSING = "(missing)"
"""Confusion-matrix column for clips without an output line."""
OTHER = "(other)"
"""Confusion-matrix column for answers that match no reference label."""
RESAMPLES = 1000
"""Bootstrap resamples of the clips behind each confidence interval."""
BOOTSTRAP_SEED = 0
"""Seed of the bootstrap resamples: the same for every system, so they are paired."""


def normalise_label(label):
    """Lower-case ``label`` and keep only its letters and digits.

    >>> normalise_label("Hip-Hop / Rap")
    'hiphoprap'
    """
    return "".join(ch for ch in str(label).lower() if ch.isalnum())


def validate(*, reference, estimated):
    """Check that reference and estimated labels can be compared.

    Parameters
    ----------
    reference : sequence of str
        True labels, one per clip.
    estimated : sequence of str or None
        Predicted labels, one per clip (``None``: no answer).

    Raises
    ------
    ValueError
        If the sequences are empty, differ in length, or a reference label is
        missing or empty after normalisation.
    """
    if len(reference) == 0:
        raise ValueError("reference labels are empty")
    if len(reference) != len(estimated):
        raise ValueError(f"{len(reference)} reference labels but {len(estimated)} estimated labels")
    for i, label in enumerate(reference):
        if label is None or not normalise_label(label):
            raise ValueError(f"reference label {i} ({label!r}) is empty after normalisation")


def _classes(reference):
    """Map each normalised reference label to its first spelling, in sorted order."""
    names = {}
    for label in reference:
        names.setdefault(normalise_label(label), str(label))
    return {key: names[key] for key in sorted(names)}


def _columns(reference, estimated):
    """Class names of reference and estimate, with the two pseudo-classes."""
    classes = _classes(reference)
    true = [classes[normalise_label(x)] for x in reference]
    pred = [MISSING if x is None else classes.get(normalise_label(x), OTHER) for x in estimated]
    return list(classes.values()), true, pred


def confusion_matrix(*, reference, estimated):
    """Counts of (true class, predicted class).

    Returns
    -------
    matrix : DataFrame
        Rows are the reference classes (sorted by normalised label), columns
        the same classes followed by ``'(other)'`` and ``'(missing)'`` where
        any estimate falls there.
    """
    validate(reference=reference, estimated=estimated)
    names, true, pred = _columns(reference, estimated)
    columns = names + [c for c in (OTHER, MISSING) if c in pred]
    table = pd.crosstab(pd.Categorical(true, categories=names), pd.Categorical(pred, categories=columns),
                        dropna=False)
    table.index.name, table.columns.name = "true", "predicted"
    return table.astype(int)


def per_class_accuracy(*, reference, estimated):
    """Fraction of each class's clips that were labelled correctly (recall).

    Returns
    -------
    accuracies : Series
        Indexed by class name, sorted by normalised label.
    """
    matrix = confusion_matrix(reference=reference, estimated=estimated)
    hits = np.diag(matrix.loc[:, matrix.index].to_numpy())
    return pd.Series(hits / matrix.sum(axis=1).to_numpy(), index=matrix.index, name="accuracy")


def accuracy(*, reference, estimated):
    """Fraction of clips labelled correctly."""
    validate(reference=reference, estimated=estimated)
    hits = [x is not None and normalise_label(x) == normalise_label(r) for r, x in zip(reference, estimated)]
    return float(np.mean(hits))


def normalised_accuracy(*, reference, estimated):
    """Mean of the per-class accuracies of the classes present in ``reference``."""
    return float(per_class_accuracy(reference=reference, estimated=estimated).mean())


def bootstrap_normalised_accuracy(*, reference, estimated, resamples=RESAMPLES, seed=BOOTSTRAP_SEED):
    """Normalised accuracy on bootstrap resamples of the clips.

    Parameters
    ----------
    reference, estimated : sequence
        As for :func:`validate`.
    resamples : int
        Number of resamples; each draws ``len(reference)`` clips with replacement.
    seed : int
        Seed of the draws, which depend on it and the number of clips only:
        the same seed gives two systems the same resamples.

    Returns
    -------
    values : ndarray, shape (resamples,)
        Normalised accuracy of each resample, over the classes it holds.
    """
    validate(reference=reference, estimated=estimated)
    names, true, pred = _columns(reference, estimated)
    index = {name: k for k, name in enumerate(names)}
    codes = np.asarray([index[t] for t in true])
    hits = np.asarray([t == p for t, p in zip(true, pred)], dtype=float)
    draws = np.random.default_rng(seed).integers(0, len(codes), size=(resamples, len(codes)))
    bins = (codes[draws] + len(names) * np.arange(resamples)[:, None]).ravel()
    counts = np.bincount(bins, minlength=resamples * len(names)).reshape(resamples, len(names))
    correct = np.bincount(bins, weights=hits[draws].ravel(), minlength=resamples * len(names))
    with np.errstate(invalid="ignore"):
        return np.nanmean(correct.reshape(resamples, len(names)) / counts, axis=1)


def percentile_interval(*, values, level=0.95):
    """The central percentile interval of bootstrap values.

    Parameters
    ----------
    values : array_like
    level : float
        Share of the values inside the interval.

    Returns
    -------
    low, high : float
    """
    low, high = np.quantile(np.asarray(values, dtype=float), [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


@dataclass(frozen=True)
class Scores:
    """Everything reported for one system on one dataset.

    Attributes
    ----------
    accuracy, normalised_accuracy : float
        Over all folds pooled: from the sum of the folds' confusion matrices,
        as graders computed them (not the mean of per-fold values).
    per_fold : DataFrame
        Index ``fold``; columns ``n``, ``accuracy``, ``normalised_accuracy``.
    per_class : Series
        Accuracy of each class over all folds.
    confusion : DataFrame
        Confusion matrix over all folds (see :func:`confusion_matrix`).
    resampled : ndarray
        Normalised accuracy over all folds pooled on each bootstrap resample
        of the clips (:func:`bootstrap_normalised_accuracy`).
    """

    accuracy: float
    normalised_accuracy: float
    per_fold: pd.DataFrame
    per_class: pd.Series
    confusion: pd.DataFrame
    resampled: np.ndarray


def score(*, reference, estimated, folds):
    """Compute all reported metrics for one system.

    Parameters
    ----------
    reference : sequence of str
        True label of each clip.
    estimated : sequence of str or None
        Predicted label of each clip (``None``: no answer).
    folds : sequence of int
        The fold each clip was tested in.

    Returns
    -------
    Scores
    """
    validate(reference=reference, estimated=estimated)
    if len(folds) != len(reference):
        raise ValueError(f"{len(reference)} reference labels but {len(folds)} fold numbers")
    reference, estimated, folds = list(reference), list(estimated), np.asarray(folds)
    rows = []
    for fold in np.unique(folds):
        ref = [reference[i] for i in np.flatnonzero(folds == fold)]
        est = [estimated[i] for i in np.flatnonzero(folds == fold)]
        rows.append({"fold": int(fold), "n": len(ref), "accuracy": accuracy(reference=ref, estimated=est),
                     "normalised_accuracy": normalised_accuracy(reference=ref, estimated=est)})
    return Scores(
        accuracy=accuracy(reference=reference, estimated=estimated),
        normalised_accuracy=normalised_accuracy(reference=reference, estimated=estimated),
        per_fold=pd.DataFrame(rows).set_index("fold"),
        per_class=per_class_accuracy(reference=reference, estimated=estimated),
        confusion=confusion_matrix(reference=reference, estimated=estimated),
        resampled=bootstrap_normalised_accuracy(reference=reference, estimated=estimated),
    )
