"""The universal background model: a diagonal-covariance Gaussian mixture fitted by EM.

Every per-frame quantity is a matrix product over all frames at once: the
log density of frame ``x`` under component ``c`` is ``log w_c - (D log 2 pi +
sum log var_c + sum mu_c**2 / var_c) / 2 + x . (mu_c / var_c) - x**2 .
(1 / var_c) / 2``, so the frames' log densities are one product of ``[x,
x**2]`` with the stacked (components x dimensions) parameter matrices, and
the posteriors their softmax over the components (computed in place). EM runs on at most
``max_frames`` frames drawn at random, a bounded number of frames at a time.
The variances are floored at a fraction of the data's variance; since the
expected log-likelihood is unimodal in each variance, the floored value is the
constrained maximiser, and EM still never lowers the likelihood.
"""
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from mirex.errors import DataError

__all__ = ["DiagonalGMM", "fit_ubm"]

#: Frames whose posteriors are held in memory at once.
_CHUNK = 32768


@dataclass(frozen=True)
class DiagonalGMM:
    """A Gaussian mixture with diagonal covariances.

    Attributes
    ----------
    weights : np.ndarray, shape (C,)
    means, variances : np.ndarray, shape (C, D)

    Frames are mapped in the parameters' dtype: float64, or float32 for speed
    (frames and means are taken about :attr:`centre`, so the products stay
    small and float32 keeps their rounding far below a frame's log density).
    """

    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray

    def arrays(self):
        """The parameters as plain arrays: ``{'weights', 'means', 'variances'}``."""
        return {"weights": self.weights, "means": self.means, "variances": self.variances}

    @property
    def centre(self):
        """The mixture's mean, shape (D,)."""
        return self.weights @ self.means

    def centred(self, frames):
        """``frames`` and the means, both minus :attr:`centre`, in the parameters' dtype."""
        return np.asarray(frames, dtype=self.means.dtype) - self.centre, self.means - self.centre

    @cached_property
    def _terms(self):
        """The (2D, C) matrix that ``[x, x**2]`` of centred frames multiplies, and the (C,) constant, computed once."""
        means = self.means - self.centre
        precision = 1.0 / self.variances
        constant = np.log(self.weights) - 0.5 * (means.shape[1] * np.log(2 * np.pi)
                                                 + np.log(self.variances).sum(axis=1)
                                                 + (means**2 * precision).sum(axis=1))
        return np.hstack([means * precision, -0.5 * precision]).T.copy(), constant

    def log_densities(self, frames):
        """``log w_c + log N(x_t | mu_c, var_c)`` of every frame and component, shape (T, C), the parameters' dtype."""
        x, _ = self.centred(frames)
        matrix, constant = self._terms
        product = np.hstack([x, x * x]) @ matrix
        return np.add(product, constant, out=product)

    def scaled_densities(self, frames):
        """Each frame's component densities divided by its largest, shape (T, C), and their sums per frame (T,).

        The posteriors are the rows divided by their sums
        (:meth:`posteriors`); whoever only sums them over frames with weights
        can fold the division into the weights (a pass over T values rather
        than T x C).
        """
        scaled = self.log_densities(frames)
        top = scaled.max(axis=1, keepdims=True)
        np.exp(np.subtract(scaled, top, out=scaled), out=scaled)
        return scaled, scaled.sum(axis=1), top[:, 0]

    def posteriors(self, frames):
        """Component posteriors (responsibilities) of every frame, shape (T, C), and each frame's log-likelihood (T,)."""
        gamma, total, top = self.scaled_densities(frames)
        return np.divide(gamma, total[:, None], out=gamma), top + np.log(total)

    def log_likelihood(self, frames):
        """The mean log-likelihood per frame of ``frames`` (T, D)."""
        return sum(self.posteriors(chunk)[1].sum() for chunk in _chunks(frames)) / len(frames)


def _chunks(frames):
    return (frames[start : start + _CHUNK] for start in range(0, len(frames), _CHUNK))


def fit_ubm(frames, *, n_components=256, n_iter=20, max_frames=200_000, variance_floor=1e-3, seed=0,
            history=None):
    """Fit a diagonal-covariance GMM by EM.

    Parameters
    ----------
    frames : np.ndarray, shape (T, D)
        Frames of all training clips, stacked.
    n_components : int
        Mixture components (fewer when there are fewer distinct frames).
    n_iter : int
        EM iterations.
    max_frames : int
        EM runs on at most this many frames, drawn without replacement.
    variance_floor : float
        Variances stay at or above this fraction of the frames' variance in each dimension.
    seed : int
        Seeds the frame draw and the k-means++ choice of the initial means.
    history : list, optional
        Receives the mean log-likelihood per frame before each iteration and after the last.

    Returns
    -------
    DiagonalGMM

    Raises
    ------
    DataError
        If there are no frames.
    """
    from sklearn.cluster import kmeans_plusplus

    x = np.asarray(frames, dtype=np.float64)
    if x.ndim != 2 or not len(x):
        raise DataError("the background model needs at least one frame")
    rng = np.random.default_rng(seed)
    if len(x) > max_frames:
        x = x[np.sort(rng.choice(len(x), max_frames, replace=False))]
    n_components = min(n_components, len(np.unique(x, axis=0)))
    floor = variance_floor * np.maximum(x.var(axis=0), 1e-12)
    means, _ = kmeans_plusplus(x, n_components, random_state=int(rng.integers(2**31)))
    gmm = DiagonalGMM(np.full(n_components, 1.0 / n_components), means, np.tile(np.maximum(x.var(axis=0), floor),
                                                                              (n_components, 1)))
    for _ in range(n_iter):
        gmm = _em_step(gmm, x, floor=floor, history=history)
    if history is not None:
        history.append(gmm.log_likelihood(x))
    return gmm


def _em_step(gmm, x, *, floor, history):
    """One EM iteration: the sufficient statistics of all frames, then the new weights, means and variances."""
    n, first, second, total = 0.0, 0.0, 0.0, 0.0
    for chunk in _chunks(x):
        gamma, log_likelihood = gmm.posteriors(chunk)
        n, first, second = n + gamma.sum(axis=0), first + gamma.T @ chunk, second + gamma.T @ (chunk * chunk)
        total += log_likelihood.sum()
    if history is not None:
        history.append(total / len(x))
    alive = n > 1e-8 * len(x)  # a component no frame belongs to keeps its place, with a negligible weight
    safe = np.where(alive, n, 1.0)[:, None]
    means = np.where(alive[:, None], first / safe, gmm.means)
    variances = np.where(alive[:, None], np.maximum(second / safe - means**2, floor), gmm.variances)
    weights = np.maximum(n, 1e-8 * len(x))
    return DiagonalGMM(weights / weights.sum(), means, variances)
