"""The task classifier: a standardiser and an RBF SVM, C and gamma chosen by cross-validation.

The model is persisted in the scratch folder together with the settings of the
features it was trained on, so ``test`` computes the same features.
"""
from collections import Counter
from pathlib import Path

import joblib
import numpy as np

from mirex.atomic import atomic_path
from mirex.errors import DataError, ScratchError

__all__ = ["fit", "save", "load", "MODEL_FILE"]

MODEL_FILE = "classifier.joblib"
C_GRID = (0.1, 1.0, 10.0, 100.0)
GAMMA_SCALES = (0.1, 1.0, 10.0)  # multiples of 1 / n_features


def fit(features, labels, *, n_jobs=1, folds=3, seed=0):
    """Fit scaler + SVM, with C and gamma chosen by stratified k-fold on this data only.

    Parameters
    ----------
    features : np.ndarray, shape (n, d)
    labels : sequence of str
    n_jobs : int
        Parallel grid-search fits, in threads (libsvm releases the GIL; no
        worker processes, so no copies of the data).
    folds : int
        Cross-validation folds; fewer when the rarest label has fewer examples,
        and no search at all (C=1, gamma=1/d) when it has only one.
    seed : int

    Returns
    -------
    model : dict
        ``estimator`` (a fitted sklearn Pipeline), ``labels`` (sorted),
        ``majority`` (most frequent label), ``params`` and ``cv_accuracy``.

    Raises
    ------
    DataError
        With fewer than two distinct labels.
    """
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    labels = np.asarray(labels, dtype=str)
    counts = Counter(labels.tolist())
    if len(counts) < 2:
        raise DataError(f"need at least two labels to train, got {sorted(counts) or 'none'}")
    dim = features.shape[1]
    pipeline = make_pipeline(StandardScaler(), SVC(kernel="rbf", C=1.0, gamma=1.0 / dim))
    splits = min(folds, min(counts.values()))
    params, score = {"svc__C": 1.0, "svc__gamma": 1.0 / dim}, None
    if splits >= 2:
        grid = {"svc__C": list(C_GRID), "svc__gamma": [g / dim for g in GAMMA_SCALES]}
        search = GridSearchCV(
            pipeline, grid, cv=StratifiedKFold(splits, shuffle=True, random_state=seed), n_jobs=n_jobs, refit=True
        )
        with joblib.parallel_config(backend="threading"):
            search.fit(features, labels)
        pipeline, params, score = search.best_estimator_, search.best_params_, float(search.best_score_)
    else:
        pipeline.fit(features, labels)
    return {
        "estimator": pipeline,
        "labels": sorted(counts),
        "majority": max(sorted(counts), key=counts.get),
        "params": {k.split("__")[1]: float(v) for k, v in params.items()},
        "cv_accuracy": score,
    }


def save(model, *, scratch, extra=None):
    """Store ``model`` (plus ``extra`` settings) in the scratch folder, atomically."""
    scratch = Path(scratch)
    try:
        scratch.mkdir(parents=True, exist_ok=True)
        with atomic_path(scratch / MODEL_FILE) as tmp:
            joblib.dump({**model, **(extra or {})}, tmp)
    except OSError as exc:
        raise ScratchError(f"{scratch}: cannot write to scratch folder ({exc.strerror or exc})") from None


def load(*, scratch):
    """Load the model stored by :func:`save`."""
    path = Path(scratch) / MODEL_FILE
    if not path.is_file():
        raise ScratchError(f"{path}: no trained classifier here (run run_train.sh with this scratch folder first)")
    try:
        return joblib.load(path)
    except Exception as exc:
        raise ScratchError(f"{path}: unreadable classifier ({exc})") from None
