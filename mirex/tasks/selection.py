"""How the classifier's settings are chosen: inner folds that keep recordings whole, and the rule among candidates.

Inner folds
    Clips cut from one recording must not fall on both sides of an inner
    split: a model that memorises the recording would then score well inside
    and poorly on new music. With the training list's group column, each group
    stays on one side. Without it, each clip is tied to its nearest neighbour
    (standardised features) when the two share a label, and the connected
    clips form a group: clips of one recording are each other's nearest
    neighbours, so a test clip's sibling is never in the training part, while
    distinct recordings lose only a little training data, the same for every
    candidate. A label whose clips would all form one group keeps one group
    per clip, so that it can be on both sides.

The rule
    Within each choice of task LDA, the best SVM setting is the most accurate
    one; among settings whose accuracies tie (easy data ties at 1.000), the
    one with the smallest out-of-fold hinge loss of its pairwise decision
    values, a finer measure than accuracy. Between the two, the task LDA (one
    more fitted stage) is kept only if its accuracy beats the other's by more
    than the standard error of its own fold scores (the one-standard-error
    rule).
"""
import numpy as np
import scipy.sparse
from scipy.sparse.csgraph import connected_components

__all__ = ["inner_splits", "inner_groups", "pairwise_margins", "hinge_score", "choose"]


def inner_splits(features, labels, groups=None, *, folds=3, seed=0):
    """The inner folds: label-stratified, each group (:func:`inner_groups`) on one side.

    Parameters
    ----------
    features : np.ndarray, shape (n, d)
    labels : np.ndarray of str, shape (n,)
    groups : sequence of str or None, optional
        The training list's group column.
    folds : int
        At most this many folds; fewer when a label has fewer groups.
    seed : int

    Returns
    -------
    splits : list of (np.ndarray, np.ndarray)
        ``(train, test)`` indices of each fold; empty when a label has only one clip.
    source : str
        As for :func:`inner_groups`.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    labels = np.asarray(labels, dtype=str)
    ids, source = inner_groups(features, labels, groups)
    n_splits = min(folds, min(len(np.unique(ids[labels == label])) for label in np.unique(labels)))
    if n_splits < 2:
        return [], source
    splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels, ids)), source


def inner_groups(features, labels, groups=None):
    """Group ids (ints, one per clip) for the inner folds, and how they were made.

    Parameters
    ----------
    features : np.ndarray, shape (n, d)
    labels : np.ndarray of str, shape (n,)
    groups : sequence of str or None, optional
        The training list's group column (``None`` entries: a clip of its own).

    Returns
    -------
    ids : np.ndarray of int, shape (n,)
    source : str
        ``'group column'`` or ``'nearest neighbours'``.
    """
    n = len(labels)
    if groups is not None and any(g is not None for g in groups):
        names = [f"={g}" if g is not None else f"\0{i}" for i, g in enumerate(groups)]
        ids, source = np.unique(names, return_inverse=True)[1], "group column"
    else:
        ids, source = _neighbour_groups(features, labels), "nearest neighbours"
    for label in np.unique(labels):  # a label in one group could never be on both sides of a split
        members = labels == label
        if len(np.unique(ids[members])) == 1:
            ids[members] = n + np.flatnonzero(members)
    return np.unique(ids, return_inverse=True)[1], source


def _neighbour_groups(features, labels):
    """Connected components of the graph that ties each clip to its nearest neighbour of the same label."""
    from sklearn.neighbors import NearestNeighbors

    x = np.asarray(features, dtype=np.float64)
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    nearest = NearestNeighbors(n_neighbors=2).fit(x).kneighbors(x, return_distance=False)
    # The first neighbour is the clip itself unless a duplicate came first: take the first that is another clip.
    other = np.where(nearest[:, 0] == np.arange(len(x)), nearest[:, 1], nearest[:, 0])
    tied = labels[other] == labels
    rows = np.flatnonzero(tied)
    graph = scipy.sparse.coo_matrix((np.ones(len(rows)), (rows, other[rows])), shape=(len(x), len(x)))
    return connected_components(graph, directed=False)[1]


def pairwise_margins(decision, y, classes):
    """Each clip's smallest one-vs-one decision value in favour of its own class, shape (n,).

    ``decision`` is an SVC's ``decision_function`` with ``decision_function_shape='ovo'``: columns are the pairs
    ``(i, j)``, ``i < j``, positive for class ``i`` (for two classes, one column positive for class 1).
    """
    k = len(classes)
    decision = np.asarray(decision, dtype=np.float64)
    if k == 2:
        decision = -decision.reshape(-1, 1)
    truth = np.searchsorted(classes, y)
    margins = np.full(len(y), np.inf)
    column = 0
    for i in range(k):
        for j in range(i + 1, k):
            value = decision[:, column]
            margins = np.where(truth == i, np.minimum(margins, value), margins)
            margins = np.where(truth == j, np.minimum(margins, -value), margins)
            column += 1
    return margins


def hinge_score(estimator, X, y):
    """Minus the mean hinge loss ``max(0, 1 - margin)`` of :func:`pairwise_margins` (greater is better)."""
    margins = pairwise_margins(estimator.decision_function(X), np.asarray(y), estimator.classes_)
    return -float(np.maximum(0.0, 1.0 - margins).mean())


def choose(results, *, n_splits, lda_key="param_lda"):
    """The index of the chosen candidate in ``GridSearchCV.cv_results_``, and a summary per task-LDA choice.

    ``results`` must hold the ``accuracy`` and ``hinge`` metrics. Returns ``(index, summary)``, where
    ``summary`` maps ``False``/``True`` (task LDA) to ``(index, mean accuracy, standard error)`` of that
    choice's best setting. The candidates whose ``lda_key`` value is a string (``'passthrough'``) are
    the simpler choice; another pair of choices can be compared the same way under another key
    (:func:`mirex.tasks.segments.compare`).
    """
    accuracy = np.nan_to_num(np.asarray(results["mean_test_accuracy"], dtype=np.float64), nan=-np.inf)
    hinge = np.nan_to_num(np.asarray(results["mean_test_hinge"], dtype=np.float64), nan=-np.inf)
    folds = np.array([results[f"split{k}_test_accuracy"] for k in range(n_splits)], dtype=np.float64)
    with_lda = np.array([not isinstance(r, str) for r in results[lda_key]])
    summary = {}
    for lda in (False, True):
        members = np.flatnonzero(with_lda == lda)
        if not len(members) or not np.isfinite(accuracy[members]).any():
            continue
        tied = members[np.isclose(accuracy[members], accuracy[members].max(), rtol=0, atol=1e-9)]
        best = tied[np.argmax(hinge[tied])]  # the first of equal hinge scores: the grid's weaker setting
        summary[lda] = (int(best), float(accuracy[best]), float(folds[:, best].std(ddof=1) / np.sqrt(n_splits)))
    if not summary:  # every candidate failed on some fold: the grid's first
        return 0, summary
    if True in summary and False in summary:
        _, lda_accuracy, lda_error = summary[True]
        lda_wins = lda_accuracy - summary[False][1] > lda_error
        return summary[lda_wins][0], summary
    return next(iter(summary.values()))[0], summary
