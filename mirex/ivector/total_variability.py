"""Baum-Welch statistics, the total-variability matrix and i-vectors.

A clip's zeroth-order statistics are ``N_c = sum_t gamma_tc`` and its
first-order statistics, centred on the UBM's means, ``F_c = sum_t gamma_tc
(x_t - mu_c)``: two matrix products of the clip's posteriors (T x C) with its
frames. They are whitened by the UBM's standard deviations
(``F_c / sqrt(var_c)``), so that the model below has identity covariances.

The total-variability model says a clip's mean supervector is ``mu + T w`` with
``w ~ N(0, I)``. Given the statistics, ``w``'s posterior has precision ``L = I
+ sum_c N_c T_c' T_c`` and mean ``L^-1 T' F`` (Kenny, Boulianne and Dumouchel,
2005, in the whitened coordinates); the i-vector is that mean. The EM for
``T`` accumulates ``A_c = sum_clips N_c E[w w']`` and ``C = sum_clips F E[w]'``
and solves ``T_c = C_c A_c^-1``; the minimum-divergence step then rescales
``T`` so that the i-vectors of the training clips have second moment ``I``, as
their prior says (the M-step of a prior covariance, absorbed into ``T``). It never lowers the statistics' marginal
log-likelihood, whose part that depends on ``T`` is ``sum_clips (b' L^-1 b -
log det L) / 2`` with ``b = T' F`` (:func:`objective`). All clips are processed
a batch at a time, every step a batched matrix product or solve.
"""
import functools

import numpy as np
import scipy.linalg

from mirex.errors import DataError

__all__ = ["baum_welch", "fit_total_variability", "ivectors", "objective", "component_squares"]

#: Floats of the (clips x R x R) posterior covariances held at once.
_BATCH_FLOATS = 2**24


def baum_welch(ubm, frames):
    """Zeroth- and whitened, centred first-order statistics of one clip.

    Parameters
    ----------
    ubm : DiagonalGMM
    frames : np.ndarray, shape (T, D)

    Returns
    -------
    n : np.ndarray, shape (C,)
    f : np.ndarray, shape (C, D)
        ``sum_t gamma_tc (x_t - mu_c) / sqrt(var_c)``.
    """
    x, means = ubm.centred(frames)  # the same differences, smaller terms
    scaled, total, _ = ubm.scaled_densities(frames)
    weights = 1.0 / total  # the posteriors are scaled / total: divide the frames, not the (T, C) densities
    n = weights @ scaled
    f = np.zeros_like(means)
    active = np.flatnonzero(n)  # a component no frame belongs to has F_c = 0
    f[active] = (scaled[:, active].T @ (x * weights[:, None]) - n[active, None] * means[active]) / np.sqrt(
        ubm.variances[active])
    return n, f


def _batches(count, rank):
    step = max(1, _BATCH_FLOATS // (rank * rank))
    return (slice(start, start + step) for start in range(0, count, step))


def component_squares(matrix):
    """The upper triangles of ``T_c' T_c`` of every component: shape (C, R (R + 1) / 2), in the matrix's dtype.

    What a clip's posterior precision sums (the triangle is enough: the
    matrices are symmetric, and half as many values are read per clip).
    Computing them costs ``C D R**2`` multiplications, far more than one
    clip's precision from them (``C R**2 / 2``): whoever maps clips one at a
    time keeps them (in float32, with a float32 matrix, to halve the memory
    each clip's products read).
    """
    rows, columns = np.triu_indices(matrix.shape[2])
    return np.ascontiguousarray(np.einsum("cdr,cds->crs", matrix, matrix)[:, rows, columns])


@functools.lru_cache(maxsize=4)
def _triangle_positions(rank):
    """Where each entry of an R x R symmetric matrix sits in its upper triangle (row by row), shape (R, R)."""
    rows, columns = np.triu_indices(rank)
    position = np.empty((rank, rank), dtype=np.intp)
    position[rows, columns] = position[columns, rows] = np.arange(len(rows))
    return position


def _symmetric(triangles, rank):
    """(B, R, R) float64 matrices from their upper triangles (B, R (R + 1) / 2), plus the identity."""
    out = np.take(triangles.astype(np.float64, copy=False), _triangle_positions(rank), axis=1)
    out[:, np.arange(rank), np.arange(rank)] += 1.0
    return out


def _posterior(matrix, n, f, squares):
    """Posterior precisions (B, R, R) and the linear terms ``T' F`` (B, R) of a batch of clips.

    The components no frame of the batch belongs to (``n_c`` = 0, hence
    ``F_c`` = 0 too) add nothing to either: when they are many, as for one
    clip, only the other components' rows of the matrix and its squares are read.
    """
    components, _, rank = matrix.shape
    active = np.flatnonzero(n.any(axis=0))
    if len(active) > 3 * components // 4:
        active = slice(None)
    precision = _symmetric(n[:, active].astype(squares.dtype, copy=False) @ squares[active], rank)
    linear = f[:, active].reshape(len(f), -1).astype(matrix.dtype, copy=False) @ matrix[active].reshape(-1, rank)
    return precision, linear.astype(np.float64, copy=False)


def _solve(precision, linear):
    """``precision^-1 linear`` (B, R) for a batch of symmetric positive-definite precisions, by Cholesky factors."""
    return np.stack([scipy.linalg.cho_solve(scipy.linalg.cho_factor(p, check_finite=False), b, check_finite=False)
                     for p, b in zip(precision, linear)]) if len(linear) else np.zeros(linear.shape)


def ivectors(matrix, n, f, *, squares=None):
    """The i-vectors (posterior means of ``w``) of clips given their statistics.

    Parameters
    ----------
    matrix : np.ndarray, shape (C, D, R)
        The whitened total-variability matrix (:func:`fit_total_variability`),
        float64 or, for speed, float32 (then the products with it are float32).
    n : np.ndarray, shape (clips, C)
    f : np.ndarray, shape (clips, C, D)
        Statistics from :func:`baum_welch`.
    squares : np.ndarray, shape (C, R (R + 1) / 2), optional
        :func:`~mirex.ivector.total_variability.component_squares` of ``matrix``, when kept (default: computed
        here).

    Returns
    -------
    np.ndarray, shape (clips, R), float64
    """
    out = np.empty((len(n), matrix.shape[2]))
    squares = component_squares(matrix) if squares is None else squares
    for part in _batches(len(n), matrix.shape[2]):
        precision, linear = _posterior(matrix, n[part], f[part], squares)
        out[part] = _solve(precision, linear)
    return out


def objective(matrix, n, f):
    """The part of the statistics' marginal log-likelihood that depends on ``matrix``: ``sum (b' L^-1 b - log det L) / 2``."""
    total, squares = 0.0, component_squares(matrix)
    for part in _batches(len(n), matrix.shape[2]):
        precision, linear = _posterior(matrix, n[part], f[part], squares)
        mean = _solve(precision, linear)
        total += 0.5 * ((linear * mean).sum() - np.linalg.slogdet(precision)[1].sum())
    return float(total)


def fit_total_variability(n, f, *, rank=200, n_iter=10, seed=0, history=None):
    """Train the whitened total-variability matrix by EM.

    Parameters
    ----------
    n : np.ndarray, shape (clips, C)
    f : np.ndarray, shape (clips, C, D)
        Training clips' statistics from :func:`baum_welch`.
    rank : int
        The i-vectors' dimension R.
    n_iter : int
        EM iterations.
    seed : int
        Seeds the random initial matrix.
    history : list, optional
        Receives :func:`objective` before each iteration and after the last.

    Returns
    -------
    matrix : np.ndarray, shape (C, D, R)
        ``T_c / sqrt(var_c)`` for each component c.

    Raises
    ------
    DataError
        Without training clips.
    """
    n, f = np.asarray(n, dtype=np.float64), np.asarray(f, dtype=np.float64)
    if not len(n):
        raise DataError("the total-variability matrix needs at least one training clip")
    components, dim = f.shape[1:]
    # Random directions scaled so that T_c w starts with the spread of the clips' whitened mean offsets f_c / n_c.
    scale = np.sqrt((f**2 / np.maximum(n, 1e-10)[:, :, None]).sum() / (dim * rank * max(n.sum(), 1e-10)))
    matrix = np.random.default_rng(seed).standard_normal((components, dim, rank)) * scale
    for _ in range(n_iter):
        if history is not None:
            history.append(objective(matrix, n, f))
        matrix = _em_step(matrix, n, f)
    if history is not None:
        history.append(objective(matrix, n, f))
    return matrix


def _em_step(matrix, n, f):
    components, dim, rank = matrix.shape
    second = np.zeros((components, rank * rank))
    first = np.zeros((components * dim, rank))
    prior, squares = np.zeros((rank, rank)), component_squares(matrix)
    for part in _batches(len(n), rank):
        precision, linear = _posterior(matrix, n[part], f[part], squares)
        covariance = np.linalg.inv(precision)
        mean = np.einsum("brs,bs->br", covariance, linear)
        moments = covariance + mean[:, :, None] * mean[:, None, :]
        second += n[part].T @ moments.reshape(len(mean), rank * rank)
        prior += moments.sum(axis=0)
        first += f[part].reshape(len(mean), -1).T @ mean
    # T_c = C_c A_c^-1, with A_c symmetric: solve A_c T_c' = C_c'. A component no frame belongs to keeps its T_c.
    dead = n.sum(axis=0) <= 1e-8 * max(n.sum(), 1.0)
    second = second.reshape(components, rank, rank) + dead[:, None, None] * np.eye(rank)
    solved = np.linalg.solve(second, first.reshape(components, dim, rank).transpose(0, 2, 1)).transpose(0, 2, 1)
    # The minimum-divergence step: w's prior covariance re-estimated as the mean second moment P, then
    # absorbed into T (T L with L L' = P), which keeps the likelihood and the prior N(0, I).
    return np.where(dead[:, None, None], matrix, solved) @ np.linalg.cholesky(prior / len(n))
