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
import numpy as np

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
    gamma, _ = ubm.posteriors(frames)
    n = gamma.sum(axis=0)
    return n, (gamma.T @ x - n[:, None] * means) / np.sqrt(ubm.variances)


def _batches(count, rank):
    step = max(1, _BATCH_FLOATS // (rank * rank))
    return (slice(start, start + step) for start in range(0, count, step))


def component_squares(matrix):
    """``T_c' T_c`` of every component, flattened: shape (C, R * R), in the matrix's dtype.

    What a clip's posterior precision sums. Computing them costs ``C D R**2``
    multiplications, far more than one clip's precision from them (``C
    R**2``): whoever maps clips one at a time keeps them (in float32, with a
    float32 matrix, to halve the memory each clip's products read).
    """
    components, _, rank = matrix.shape
    return np.einsum("cdr,cds->crs", matrix, matrix).reshape(components, rank * rank)


def _posterior(matrix, n, f, squares=None):
    """Posterior precisions (B, R, R) and the linear terms ``T' F`` (B, R) of a batch of clips."""
    components, dim, rank = matrix.shape
    squares = component_squares(matrix) if squares is None else squares
    precision = (n.astype(squares.dtype, copy=False) @ squares).reshape(len(n), rank, rank) + np.eye(rank)
    linear = f.reshape(len(f), -1).astype(matrix.dtype, copy=False) @ matrix.reshape(components * dim, rank)
    return precision, linear.astype(np.float64, copy=False)


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
    squares : np.ndarray, shape (C, R * R), optional
        :func:`~mirex.ivector.total_variability.component_squares` of ``matrix``, when kept (default: computed here).

    Returns
    -------
    np.ndarray, shape (clips, R), float64
    """
    out = np.empty((len(n), matrix.shape[2]))
    for part in _batches(len(n), matrix.shape[2]):
        precision, linear = _posterior(matrix, n[part], f[part], squares)
        out[part] = np.linalg.solve(precision, linear[..., None])[..., 0]
    return out


def objective(matrix, n, f):
    """The part of the statistics' marginal log-likelihood that depends on ``matrix``: ``sum (b' L^-1 b - log det L) / 2``."""
    total = 0.0
    for part in _batches(len(n), matrix.shape[2]):
        precision, linear = _posterior(matrix, n[part], f[part])
        mean = np.linalg.solve(precision, linear[..., None])[..., 0]
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
    prior = np.zeros((rank, rank))
    for part in _batches(len(n), rank):
        precision, linear = _posterior(matrix, n[part], f[part])
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
