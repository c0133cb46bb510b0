"""The whole i-vector system: fitted on training clips' frames, then applied to any clip.

:func:`fit_ivector_system` fits the UBM on the training frames, the
total-variability matrix on the training clips' statistics, the mean of the
training i-vectors, and, given labels, the LDA and the WCCN on the
length-normalised training i-vectors. :class:`IVectorSystem` holds the result
as plain arrays (:meth:`IVectorSystem.arrays` and
:meth:`IVectorSystem.from_arrays`), so it is stored without pickle.
"""
from dataclasses import dataclass

import numpy as np

from mirex.errors import DataError
from mirex.ivector.backend import fit_lda, fit_wccn, length_normalise
from mirex.ivector.gmm import DiagonalGMM, fit_ubm
from mirex.ivector.total_variability import baum_welch, fit_total_variability, ivectors

__all__ = ["IVectorSystem", "fit_ivector_system", "statistics"]


def statistics(ubm, clips):
    """Stacked Baum-Welch statistics of clips given as frame arrays: ``n`` (clips, C) and ``f`` (clips, C, D)."""
    pairs = [baum_welch(ubm, frames) for frames in clips]
    if not pairs:
        return np.zeros((0, *ubm.weights.shape)), np.zeros((0, *ubm.means.shape))
    n, f = zip(*pairs)
    return np.stack(n), np.stack(f)


@dataclass(frozen=True)
class IVectorSystem:
    """A fitted i-vector system.

    Attributes
    ----------
    ubm : DiagonalGMM
    matrix : np.ndarray, shape (C, D, R)
        The whitened total-variability matrix.
    mean : np.ndarray, shape (R,)
        The training i-vectors' mean, subtracted before length normalisation.
    projection : np.ndarray, shape (R, k)
        LDA then WCCN (the identity without either).
    """

    ubm: DiagonalGMM
    matrix: np.ndarray
    mean: np.ndarray
    projection: np.ndarray

    @property
    def dim(self):
        """The dimension of the system's output."""
        return self.projection.shape[1]

    def arrays(self):
        """Every fitted value as a plain array, by name (the inverse of :meth:`from_arrays`)."""
        return {**{f"ubm_{k}": v for k, v in self.ubm.arrays().items()}, "matrix": self.matrix, "mean": self.mean,
                "projection": self.projection}

    @classmethod
    def from_arrays(cls, arrays):
        """The system stored by :meth:`arrays`."""
        ubm = DiagonalGMM(*(np.asarray(arrays[f"ubm_{k}"], dtype=np.float64) for k in ("weights", "means", "variances")))
        return cls(ubm, *(np.asarray(arrays[k], dtype=np.float64) for k in ("matrix", "mean", "projection")))

    def transform(self, clips):
        """The length-normalised, projected i-vectors of clips given as frame arrays, shape (clips, k), float32."""
        return self._project(ivectors(self.matrix, *statistics(self.ubm, clips))).astype(np.float32)

    def _project(self, raw):
        return length_normalise(raw, mean=self.mean) @ self.projection


def fit_ivector_system(clips, *, labels=None, n_components=256, rank=200, ubm_iter=20, tv_iter=10, lda=True,
                       wccn=True, max_frames=200_000, seed=0):
    """Fit an i-vector system on training clips.

    Parameters
    ----------
    clips : sequence of np.ndarray, each (frames, D)
        The training clips' frames (:func:`mirex.ivector.frames.mfcc_frames`).
    labels : sequence of str, optional
        The clips' labels; without them there is no LDA or WCCN.
    n_components, ubm_iter, max_frames
        The UBM's size, EM iterations and frame sample (:func:`mirex.ivector.gmm.fit_ubm`).
    rank, tv_iter
        The i-vectors' dimension and the total-variability EM's iterations.
    lda, wccn : bool
        Whether the projection includes the LDA and the WCCN (given labels).
    seed : int

    Returns
    -------
    IVectorSystem

    Raises
    ------
    DataError
        Without clips, or with labels of fewer than two distinct values.
    """
    clips = [np.asarray(c) for c in clips]
    if not clips:
        raise DataError("the i-vector system needs at least one training clip")
    ubm = fit_ubm(np.concatenate(clips), n_components=n_components, n_iter=ubm_iter, max_frames=max_frames, seed=seed)
    n, f = statistics(ubm, clips)
    matrix = fit_total_variability(n, f, rank=rank, n_iter=tv_iter, seed=seed)
    raw = ivectors(matrix, n, f)
    mean = raw.mean(axis=0)
    projection = np.eye(rank)
    if labels is not None:
        normalised = length_normalise(raw, mean=mean)
        if lda:
            projection = fit_lda(normalised, labels)
        if wccn:
            projection = projection @ fit_wccn(normalised @ projection, labels)
    return IVectorSystem(ubm, matrix, mean, projection)
