"""What follows the i-vectors: length normalisation, LDA and within-class covariance normalisation.

Length normalisation (Garcia-Romero and Espy-Wilson, 2011) centres the
i-vectors on the training mean and scales each to unit length. The LDA keeps
the directions that best separate the training labels (the generalised
eigenvectors of the between- and within-class scatter); WCCN (Hatch, Kajarekar
and Stolcke, 2006) then maps the within-class covariance to the identity. Both
are returned as one matrix to multiply by, and both add a small ridge to the
within-class covariance, which is singular with fewer clips than dimensions.

:class:`BackEnd` is the LDA and WCCN as a scikit-learn transformer of the
last columns of a feature matrix (the i-vector), so that a classifier's
pipeline refits them on every inner cross-validation fold: fitted on the
clips they are scored on, they would separate those clips perfectly, and the
inner scores would say nothing of new music.
"""
import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, TransformerMixin

from mirex.errors import DataError

__all__ = ["length_normalise", "fit_lda", "fit_wccn", "BackEnd"]


def length_normalise(x, *, mean=None):
    """``x`` (n, R) minus ``mean`` (R,), each row scaled to unit length (a zero row stays zero)."""
    x = np.asarray(x, dtype=np.float64) - (0.0 if mean is None else mean)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def _scatter(x, labels):
    """Within-class covariance (mean of the classes' covariances), class means and class sizes."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if len(classes) < 2:
        raise DataError(f"need at least two labels for the i-vector back end, got {classes.tolist()}")
    means = np.stack([x[labels == c].mean(axis=0) for c in classes])
    centred = x - means[np.searchsorted(classes, labels)]
    sizes = np.array([(labels == c).sum() for c in classes], dtype=np.float64)
    within = np.einsum("n,nr,ns->rs", 1.0 / sizes[np.searchsorted(classes, labels)], centred, centred) / len(classes)
    return within, means, sizes


def _ridge(matrix, ridge):
    return matrix + ridge * max(np.trace(matrix) / len(matrix), 1e-12) * np.eye(len(matrix))


def fit_lda(x, labels, *, n_components=None, ridge=1e-3):
    """The LDA projection of vectors ``x`` (n, R) with ``labels``: shape (R, k), k = min(classes - 1, R, n_components).

    The columns solve ``S_b v = lambda (S_w + ridge) v``, largest ``lambda``
    first, scaled so that ``v' (S_w + ridge) v = 1``.
    """
    x = np.asarray(x, dtype=np.float64)
    within, means, sizes = _scatter(x, labels)
    centred = means - np.average(means, axis=0, weights=sizes)
    between = (centred * (sizes / sizes.sum())[:, None]).T @ centred
    k = min(len(means) - 1, x.shape[1], n_components or x.shape[1])
    values, vectors = scipy.linalg.eigh(between, _ridge(within, ridge))
    return vectors[:, np.argsort(values)[::-1][:k]]


def fit_wccn(x, labels, *, ridge=1e-3):
    """The WCCN matrix ``B`` (R, R) of vectors ``x`` (n, R): ``x @ B`` has identity within-class covariance.

    ``B`` is the Cholesky factor of the inverse within-class covariance
    (``B B' = W^-1``).
    """
    within, _, _ = _scatter(np.asarray(x, dtype=np.float64), labels)
    return np.linalg.cholesky(np.linalg.inv(_ridge(within, ridge)))


class BackEnd(TransformerMixin, BaseEstimator):
    """The LDA then the WCCN of the last ``width`` columns; the columns before them pass unchanged.

    Parameters
    ----------
    width : int
        How many of the last columns are the i-vector (length-normalised).
    """

    def __init__(self, width=1):
        self.width = width

    def fit(self, X, y):
        """Fit the projection on the i-vector columns of ``X`` (n, d) with labels ``y``."""
        x = np.asarray(X, dtype=np.float64)[:, -self.width:]
        lda = fit_lda(x, y)
        self.projection_ = lda @ fit_wccn(x @ lda, y)
        return self

    def transform(self, X):
        """``X`` with its i-vector columns projected: shape (n, d - width + k), float32."""
        X = np.asarray(X)
        kept, ivectors = X[:, :X.shape[1] - self.width], X[:, X.shape[1] - self.width:]
        return np.hstack([kept, ivectors.astype(np.float64) @ self.projection_]).astype(np.float32)
