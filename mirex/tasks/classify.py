"""The classification task's model: standardise, optionally a task LDA, then an RBF SVM.

Inner cross-validation on the training list chooses, together, whether a
shrinkage LDA fitted on the task's labels (at most n_classes - 1 components)
sits between the standardiser and the SVM, and the SVM's C and gamma. The
inner folds keep the clips of one recording on one side, and the choice
prefers no task LDA unless it wins by more than the folds' standard error
(:mod:`mirex.tasks.selection`). Given the training clips' segment rows, an
SVM trained on segments, scoring a song by its segments' averaged decision
values, is one more candidate on the same folds (:mod:`mirex.tasks.segments`).
The trained model is a :class:`ClassifierRecord`.
"""
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass

import joblib
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import FitFailedWarning
from threadpoolctl import threadpool_limits

from mirex.errors import DataError
from mirex.log import logger
from mirex.tasks.record import Record
from mirex.tasks.segments import SEGMENTS, compare, predict_songs
from mirex.tasks.selection import choose, hinge_score, inner_splits

__all__ = ["ClassifierRecord", "RBFSVM", "fit", "add_arguments", "C_GRID", "GAMMA_SCALES", "TASK_LDA"]

C_GRID = (0.1, 1.0, 10.0, 100.0)
#: Multiples of 1 / (n_features * variance of the SVM's input), scikit-learn's 'scale'.
GAMMA_SCALES = (0.1, 1.0, 10.0)
#: --task-lda: let the cross-validation decide, always fit the task LDA, or never.
TASK_LDA = ("auto", "on", "off")


class RBFSVM(ClassifierMixin, BaseEstimator):
    """An RBF SVM whose gamma is a multiple of scikit-learn's 'scale' of its own input.

    The same multiple then means the same thing whether the SVM sees the
    standardised features or their LDA projection.
    """

    def __init__(self, C=1.0, gamma_scale=1.0):
        self.C = C
        self.gamma_scale = gamma_scale

    def fit(self, X, y):
        from sklearn.svm import SVC

        X = np.asarray(X, dtype=np.float64)
        self.gamma_ = self.gamma_scale / (X.shape[1] * (X.var() or 1.0))
        self.svc_ = SVC(kernel="rbf", C=self.C, gamma=self.gamma_, decision_function_shape="ovo").fit(X, y)
        self.classes_ = self.svc_.classes_
        return self

    def predict(self, X):
        return self.svc_.predict(X)

    def decision_function(self, X):
        """One-vs-one decision values, shape (n, pairs) (:func:`mirex.tasks.selection.pairwise_margins`)."""
        return self.svc_.decision_function(X)


@dataclass
class ClassifierRecord(Record):
    """A trained classifier.

    Attributes
    ----------
    estimator : sklearn.pipeline.Pipeline
        The ``front`` step when given (:func:`fit`), standardiser, task LDA or
        passthrough, :class:`RBFSVM`; fitted on segment rows when
        ``params['segments']``.
    labels : list of str
        The training labels, sorted.
    majority : str
        The most frequent training label (given to test files that cannot be decoded).
    params : dict
        ``task_lda`` (bool), ``C``, ``gamma_scale``, ``segments`` (bool: trained on segment rows).
    cv_accuracy : float or None
        Inner cross-validation accuracy of the chosen settings (None without a search).
    """

    TASK = "classify"
    PARTS = (RBFSVM,)

    estimator: object
    labels: list
    majority: str
    params: dict
    cv_accuracy: float | None

    @property
    def on_segments(self):
        """Whether the SVM was trained on segment rows (``params['segments']``)."""
        return self.params["segments"]

    def predict(self, features, *, owners=None):
        """Labels of n songs, shape (n,).

        ``features`` are song features, shape (n, d); for a model trained on
        segments, segment rows with the song of each row in ``owners``
        (0 to n - 1, each song at least one row).
        """
        if self.on_segments:
            return predict_songs(self.estimator, features, owners, n_songs=int(owners.max()) + 1)
        return self.estimator.predict(features)

    def describe(self):
        """The chosen settings in one line."""
        score = "" if self.cv_accuracy is None else f", inner CV accuracy {self.cv_accuracy:.3f}"
        lda = "task LDA" if self.params["task_lda"] else "no task LDA"
        lda += ", trained on segments" if self.params["segments"] else ""
        return f"{lda}, SVM C={self.params['C']:g} gamma={self.params['gamma_scale']:g}x scale{score}"


def _lda():
    """The task LDA: Ledoit-Wolf shrinkage LDA on the standardised features themselves.

    A PCA onto the span of the training data first would make its
    eigenproblem n x n rather than d x d, but it changes the shrinkage (its
    target and weight depend on the dimension), and the leaderboards scored
    lower with it (docs/evaluation.md).
    """
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto")


def fit(features, labels, *, groups=None, task_lda="auto", segments=None, use_segments="auto", front=None, n_jobs=1,
        folds=3, seed=0, spec="", fingerprint=""):
    """Fit the classifier, with its settings chosen by inner cross-validation on this data only.

    Parameters
    ----------
    features : np.ndarray, shape (n, d)
    labels : sequence of str
    groups : sequence of str or None, optional
        The training list's group column (the recording, work or album of each
        clip): inner folds keep each group on one side. Without it, clips tied
        by nearest neighbours are kept together (:mod:`mirex.tasks.selection`).
    task_lda : {'auto', 'on', 'off'}
        Whether the task LDA is chosen by cross-validation, always used, or never.
    segments : (np.ndarray, np.ndarray) or None, optional
        The clips' segment rows, shape (m, r), and the clip of each row (an
        index into ``labels``); None: song-level training only.
    use_segments : {'auto', 'on', 'off'}
        With ``segments``: whether training on them is chosen by
        cross-validation, always used, or never.
    front : sklearn transformer, optional
        A supervised step before the standardiser (the i-vector's back end,
        :class:`mirex.ivector.BackEnd`), refitted on every inner fold.
    n_jobs : int
        Parallel grid-search fits, in threads (libsvm releases the GIL).
    folds : int
        Cross-validation folds; fewer when a label has fewer groups, and no
        search at all (no LDA, C=1, gamma=1x scale) when one has only one clip.
    seed : int
    spec, fingerprint : str
        The feature system, stored in the record.

    Returns
    -------
    ClassifierRecord
        With ``n_train`` = the number of rows and ``skipped`` = 0.

    Raises
    ------
    DataError
        With fewer than two distinct labels.
    """
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if task_lda not in TASK_LDA or use_segments not in SEGMENTS:
        raise ValueError(f"task_lda and use_segments must be one of {TASK_LDA}, not {task_lda!r}, {use_segments!r}")
    labels = np.asarray(labels, dtype=str)
    counts = Counter(labels.tolist())
    if len(counts) < 2:
        raise DataError(f"need at least two labels to train, got {sorted(counts) or 'none'}")
    if groups is not None and len(groups) != len(labels):
        raise ValueError(f"{len(labels)} labels but {len(groups)} groups")
    reducers = {"auto": ["passthrough", _lda()], "on": [_lda()], "off": ["passthrough"]}[task_lda]
    splits, source = inner_splits(features, labels, groups, folds=folds, seed=seed)
    score, on_segments = None, segments is not None and use_segments == "on"
    # The fitted scaler and LDA of each fold are kept on disk while the grid
    # runs, so each is fitted once rather than once per (C, gamma); BLAS gets
    # one thread per fit, as the fits run in parallel threads.
    with tempfile.TemporaryDirectory(prefix="mirex-grid-") as folder, threadpool_limits(1):
        steps = [("scale", StandardScaler()), ("lda", reducers[0]), ("svm", RBFSVM())]
        steps = [("front", front), *steps] if front is not None else steps
        pipeline = Pipeline(steps, memory=joblib.Memory(folder, verbose=0))
        if splits:
            grid = {"lda": reducers, "svm__C": list(C_GRID), "svm__gamma_scale": list(GAMMA_SCALES)}
            # A task LDA that cannot be fitted on a fold (too few clips of a label) scores NaN there and loses.
            search = GridSearchCV(pipeline, grid, cv=splits, scoring={"accuracy": "accuracy", "hinge": hinge_score},
                                  n_jobs=n_jobs, refit=False, error_score=np.nan)
            with joblib.parallel_config(backend="threading"), warnings.catch_warnings():
                warnings.simplefilter("ignore", FitFailedWarning)
                warnings.simplefilter("ignore", UserWarning)  # an inner fold with one clip of a label
                search.fit(features, labels)
            index, summary = choose(search.cv_results_, n_splits=len(splits))
            _report(summary, splits=len(splits), source=source)
            pipeline.set_params(**search.cv_results_["params"][index])
            score = float(search.cv_results_["mean_test_accuracy"][index])
            if segments is not None and use_segments != "off":
                on_segments, C, score = _segment_choice(pipeline, segments=segments, labels=labels, splits=splits,
                                                        results=search.cv_results_, index=index, n_jobs=n_jobs,
                                                        forced=on_segments, song_score=score)
                if on_segments:
                    pipeline.set_params(svm__C=C, svm__gamma_scale=1.0)
        if on_segments:
            rows, owners = segments
            pipeline.fit(rows, labels[owners])
        else:
            pipeline.fit(features, labels)
        pipeline.set_params(memory=None)
    svm = pipeline.named_steps["svm"]
    return ClassifierRecord(
        spec=spec, fingerprint=fingerprint, n_train=len(labels), skipped=0, estimator=pipeline,
        labels=sorted(counts), majority=max(sorted(counts), key=counts.get),
        params={"task_lda": pipeline.named_steps["lda"] != "passthrough", "C": float(svm.C),
                "gamma_scale": float(svm.gamma_scale), "segments": bool(on_segments)},
        cv_accuracy=score)


def _segment_choice(pipeline, *, segments, labels, splits, results, index, n_jobs, forced, song_score):
    """Whether to train on segments (:func:`mirex.tasks.segments.compare`), its C, and the chosen inner accuracy."""
    rows, owners = segments
    folds = np.array([results[f"split{k}_test_accuracy"][index] for k in range(len(splits))])
    chosen, C, summary = compare(pipeline, rows=rows, owners=owners, labels=labels, splits=splits,
                                 song_scores=(folds, float(results["mean_test_hinge"][index])), n_jobs=n_jobs,
                                 forced=forced)
    if True in summary:
        _, accuracy, error = summary[True]
        logger.info(f"inner CV: trained on {len(rows)} segments (C={C:g}) {accuracy:.3f} +- {error:.3f}, on songs "
                    f"{song_score:.3f}: {'segments' if chosen else 'songs'} chosen (segments are kept only if they "
                    f"win by more than their standard error{'; --segments on' if forced else ''})")
    return chosen, C, summary[True][1] if chosen else song_score


def _report(summary, *, splits, source):
    """Log each task-LDA choice's best inner accuracy with its standard error over the folds."""
    scores = ", ".join(f"{'task LDA' if lda else 'no task LDA'} {accuracy:.3f} +- {error:.3f}"
                       for lda, (_, accuracy, error) in sorted(summary.items()))
    logger.info(f"inner CV over {splits} folds grouped by {source}: {scores} (mean accuracy +- standard error; "
                f"the task LDA is kept only if it wins by more than its standard error)")


def add_arguments(parser):
    """Add ``--task-lda`` and ``--segments`` to an argparse parser."""
    parser.add_argument("--task-lda", choices=TASK_LDA, default="auto",
                        help="a shrinkage LDA on the training labels before the SVM: chosen by inner "
                             "cross-validation (auto, the default), always (on) or never (off)")
    parser.add_argument("--segments", dest="use_segments", choices=SEGMENTS, default="off",
                        help="train the SVM on the clips' 3-s segments (a song's label from its segments' averaged "
                             "scores): chosen by inner cross-validation against training on songs (auto), always "
                             "(on) or never (off, the default); single-scale network features only")
