"""The classification task's model: standardise, optionally a task LDA, then an RBF SVM.

Inner stratified cross-validation on the training list chooses, together,
whether a shrinkage LDA fitted on the task's labels (at most n_classes - 1
components) sits between the standardiser and the SVM, and the SVM's C and
gamma. The trained model is a :class:`ClassifierRecord`.
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
from mirex.tasks.record import Record

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
        self.svc_ = SVC(kernel="rbf", C=self.C, gamma=self.gamma_).fit(X, y)
        self.classes_ = self.svc_.classes_
        return self

    def predict(self, X):
        return self.svc_.predict(X)


@dataclass
class ClassifierRecord(Record):
    """A trained classifier.

    Attributes
    ----------
    estimator : sklearn.pipeline.Pipeline
        Standardiser, task LDA or passthrough, :class:`RBFSVM`.
    labels : list of str
        The training labels, sorted.
    majority : str
        The most frequent training label (given to test files that cannot be decoded).
    params : dict
        ``task_lda`` (bool), ``C``, ``gamma_scale``.
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

    def predict(self, features):
        """Labels of song features, shape (n,)."""
        return self.estimator.predict(features)

    def describe(self):
        """The chosen settings in one line."""
        score = "" if self.cv_accuracy is None else f", inner CV accuracy {self.cv_accuracy:.3f}"
        lda = "task LDA" if self.params["task_lda"] else "no task LDA"
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


def fit(features, labels, *, task_lda="auto", n_jobs=1, folds=3, seed=0, spec="", fingerprint=""):
    """Fit the classifier, with its settings chosen by stratified k-fold on this data only.

    Parameters
    ----------
    features : np.ndarray, shape (n, d)
    labels : sequence of str
    task_lda : {'auto', 'on', 'off'}
        Whether the task LDA is chosen by cross-validation, always used, or never.
    n_jobs : int
        Parallel grid-search fits, in threads (libsvm releases the GIL).
    folds : int
        Cross-validation folds; fewer when the rarest label has fewer examples,
        and no search at all (no LDA, C=1, gamma=1x scale) when it has only one.
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
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if task_lda not in TASK_LDA:
        raise ValueError(f"task_lda must be one of {TASK_LDA}, not {task_lda!r}")
    labels = np.asarray(labels, dtype=str)
    counts = Counter(labels.tolist())
    if len(counts) < 2:
        raise DataError(f"need at least two labels to train, got {sorted(counts) or 'none'}")
    reducers = {"auto": ["passthrough", _lda()], "on": [_lda()], "off": ["passthrough"]}[task_lda]
    splits = min(folds, min(counts.values()))
    score = None
    # The fitted scaler and LDA of each fold are kept on disk while the grid
    # runs, so each is fitted once rather than once per (C, gamma); BLAS gets
    # one thread per fit, as the fits run in parallel threads.
    with tempfile.TemporaryDirectory(prefix="mirex-grid-") as folder, threadpool_limits(1):
        pipeline = Pipeline([("scale", StandardScaler()), ("lda", reducers[0]), ("svm", RBFSVM())],
                            memory=joblib.Memory(folder, verbose=0))
        if splits >= 2:
            grid = {"lda": reducers, "svm__C": list(C_GRID), "svm__gamma_scale": list(GAMMA_SCALES)}
            # A task LDA that cannot be fitted on a fold (too few clips of a label) scores NaN there and loses.
            search = GridSearchCV(pipeline, grid, cv=StratifiedKFold(splits, shuffle=True, random_state=seed),
                                  n_jobs=n_jobs, refit=True, error_score=np.nan)
            with joblib.parallel_config(backend="threading"), warnings.catch_warnings():
                warnings.simplefilter("ignore", FitFailedWarning)
                warnings.simplefilter("ignore", UserWarning)  # an inner fold with one clip of a label
                search.fit(features, labels)
            pipeline, score = search.best_estimator_, float(search.best_score_)
        else:
            pipeline.fit(features, labels)
        pipeline.set_params(memory=None)
    svm = pipeline.named_steps["svm"]
    return ClassifierRecord(
        spec=spec, fingerprint=fingerprint, n_train=len(labels), skipped=0, estimator=pipeline,
        labels=sorted(counts), majority=max(sorted(counts), key=counts.get),
        params={"task_lda": pipeline.named_steps["lda"] != "passthrough", "C": float(svm.C),
                "gamma_scale": float(svm.gamma_scale)},
        cv_accuracy=score)


def add_arguments(parser):
    """Add ``--task-lda`` to an argparse parser."""
    parser.add_argument("--task-lda", choices=TASK_LDA, default="auto",
                        help="a shrinkage LDA on the training labels before the SVM: chosen by inner "
                             "cross-validation (auto, the default), always (on) or never (off)")
