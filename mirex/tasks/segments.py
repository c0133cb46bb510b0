"""Segment-level training: an SVM fitted on segment rows, a song's label from its segments' averaged scores.

Each segment row of a training clip is one example carrying its clip's label
(rows from :mod:`mirex.features.segmented`); a song's decision values are the
mean of its rows' one-vs-one decision values, and its label the class that
wins most pairs of the averaged values (ties: the larger summed margin, then
the first class).

Against song-level training the segment model is scored on the same inner
folds of songs: a fold's training part is every row of its training songs,
so the rows of one clip are never on both sides, and each test song counts
once. The segment model takes the task-LDA choice of the best song-level
setting and gamma 1x scale, and searches only C over :data:`SEGMENT_C`: each
of its fits sees up to ten times the examples, and two settings keep its
cost a few fits. It is kept only if its accuracy beats the song-level
model's by more than the standard error of its own fold scores, the rule of
:func:`mirex.tasks.selection.choose`.
"""
import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone

from mirex.tasks.selection import choose, pairwise_margins

__all__ = ["SEGMENTS", "SEGMENT_C", "song_decisions", "vote", "predict_songs", "segment_rows_of", "compare"]

#: --segments: let the cross-validation decide, always train on segments, or never.
SEGMENTS = ("auto", "on", "off")
#: The C values the segment model tries (gamma: 1x scale).
SEGMENT_C = (1.0, 10.0)


def song_decisions(estimator, rows, owners, *, n_songs):
    """Each song's mean one-vs-one decision values over its rows, shape (n_songs, pairs)."""
    decision = np.asarray(estimator.decision_function(rows), dtype=np.float64).reshape(len(rows), -1)
    sums = np.zeros((n_songs, decision.shape[1]))
    np.add.at(sums, owners, decision)
    return sums / np.maximum(np.bincount(owners, minlength=n_songs), 1)[:, None]


def vote(decision, classes):
    """Labels from one-vs-one decision values (:func:`mirex.tasks.selection.pairwise_margins` layout)."""
    k = len(classes)
    decision = np.asarray(decision, dtype=np.float64)
    if k == 2:
        return np.asarray(classes)[(decision.reshape(-1) > 0).astype(int)]
    votes, margins = np.zeros((len(decision), k)), np.zeros((len(decision), k))
    column = 0
    for i in range(k):
        for j in range(i + 1, k):
            value = decision[:, column]
            votes[:, i] += value > 0
            votes[:, j] += value <= 0
            margins[:, i] += value
            margins[:, j] -= value
            column += 1
    # The summed margins, squashed below one vote, break ties only.
    return np.asarray(classes)[np.argmax(votes + margins / (3 * (np.abs(margins) + 1)), axis=1)]


def predict_songs(estimator, rows, owners, *, n_songs):
    """Song labels of a segment model from its songs' rows, shape (n_songs,)."""
    return vote(song_decisions(estimator, rows, owners, n_songs=n_songs), estimator.classes_)


def segment_rows_of(songs, owners):
    """Indices of the rows whose owner is one of ``songs`` (song indices), and the song of each, renumbered 0.."""
    songs = np.asarray(songs)
    position = np.full(max(owners.max(initial=-1), songs.max(initial=-1)) + 1, -1)
    position[songs] = np.arange(len(songs))
    taken = np.flatnonzero(position[owners] >= 0)
    return taken, position[owners[taken]]


def _fold(pipeline, *, C, rows, owners, labels, train, test):
    """Per-song accuracy and mean hinge loss of a segment model fitted on the rows of the ``train`` songs."""
    model = clone(pipeline).set_params(svm__C=C, svm__gamma_scale=1.0)
    fit_rows, fit_owners = segment_rows_of(train, owners)
    try:
        model.fit(rows[fit_rows], labels[train][fit_owners])
    except (ValueError, np.linalg.LinAlgError):  # a task LDA that cannot be fitted on this fold: the setting loses
        return np.nan, np.nan
    test_rows, test_owners = segment_rows_of(test, owners)
    decision = song_decisions(model, rows[test_rows], test_owners, n_songs=len(test))
    truth = labels[test]
    accuracy = float(np.mean(vote(decision, model.classes_) == truth))
    margins = pairwise_margins(decision, truth, model.classes_)
    return accuracy, -float(np.maximum(0.0, 1.0 - margins).mean())


def compare(pipeline, *, rows, owners, labels, splits, song_scores, n_jobs=1, forced=False):
    """Score the segment model on the song folds against the song-level model, and choose.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The best song-level pipeline (its C and gamma are replaced).
    rows : np.ndarray, shape (m, row width)
    owners : np.ndarray of int, shape (m,)
        The song of each row (an index into ``labels``).
    labels : np.ndarray of str, shape (n_songs,)
    splits : list of (np.ndarray, np.ndarray)
        The song-level inner folds.
    song_scores : (np.ndarray, float)
        The song-level model's accuracy on each fold, and its mean hinge score.
    n_jobs : int
    forced : bool
        Choose the best segment setting whatever the song-level model scores.

    Returns
    -------
    use_segments : bool
    C : float
        The best segment setting's C.
    summary : dict
        ``False`` (song level) and ``True`` (segments) -> ``(index, accuracy, standard error)``.
    """
    tasks = [(C, train, test) for C in SEGMENT_C for train, test in splits]
    scores = Parallel(n_jobs=n_jobs, backend="threading")(
        delayed(_fold)(pipeline, C=C, rows=rows, owners=owners, labels=labels, train=train, test=test)
        for C, train, test in tasks)
    scores = np.array(scores).reshape(len(SEGMENT_C), len(splits), 2)
    folds, hinge = song_scores
    results = {"mean_test_accuracy": [np.mean(folds), *scores[..., 0].mean(axis=1)],
               "mean_test_hinge": [hinge, *scores[..., 1].mean(axis=1)],
               "param_segments": ["song", *SEGMENT_C]}
    results.update({f"split{k}_test_accuracy": [folds[k], *scores[:, k, 0]] for k in range(len(splits))})
    index, summary = choose(results, n_splits=len(splits), lda_key="param_segments")
    if True not in summary:  # every segment setting failed on some fold
        return False, SEGMENT_C[0], summary
    best = summary[True][0]
    return forced or index == best, SEGMENT_C[best - 1], summary
