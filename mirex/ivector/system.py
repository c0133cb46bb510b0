"""The whole i-vector system: fitted on training clips' frames, then applied to any clip.

:func:`fit_ivector_system` fits the UBM on the training frames, the
total-variability matrix on the training clips' statistics and the mean of
the training i-vectors: nothing that sees a label. A clip's output is its
i-vector, centred on that mean and length-normalised. The LDA and WCCN that
follow it use the labels, so they belong to the classifier
(:class:`mirex.ivector.BackEnd`), which refits them on every inner fold.
:class:`IVectorSystem` holds the result as plain arrays
(:meth:`IVectorSystem.arrays` and :meth:`IVectorSystem.from_arrays`), so it
is stored without pickle.
"""
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mirex.errors import DataError
from mirex.ivector.backend import length_normalise
from mirex.ivector.frames import evenly
from mirex.ivector.gmm import DiagonalGMM, fit_ubm
from mirex.ivector.total_variability import baum_welch, component_squares, fit_total_variability, ivectors

__all__ = ["IVectorSystem", "IVectorSettings", "fit_ivector_system", "statistics"]


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
    """

    ubm: DiagonalGMM
    matrix: np.ndarray
    mean: np.ndarray

    @property
    def dim(self):
        """The dimension of the system's output, the i-vectors' R."""
        return self.matrix.shape[2]

    def arrays(self):
        """Every fitted value as a plain array, by name (the inverse of :meth:`from_arrays`)."""
        return {**{f"ubm_{k}": v for k, v in self.ubm.arrays().items()}, "matrix": self.matrix, "mean": self.mean}

    @classmethod
    def from_arrays(cls, arrays):
        """The system stored by :meth:`arrays`."""
        ubm = DiagonalGMM(*(np.asarray(arrays[f"ubm_{k}"], dtype=np.float64) for k in ("weights", "means", "variances")))
        return cls(ubm, *(np.asarray(arrays[k], dtype=np.float64) for k in ("matrix", "mean")))

    @cached_property
    def _single(self):
        """The UBM and the matrix in float32, and the matrix's squares
        (:func:`~mirex.ivector.total_variability.component_squares`), computed once.

        A clip's statistics and i-vector then take half the time and memory;
        float32's rounding is far below the i-vectors' own uncertainty.
        """
        ubm = DiagonalGMM(*(value.astype(np.float32) for value in self.ubm.arrays().values()))
        matrix = self.matrix.astype(np.float32)
        return ubm, matrix, component_squares(matrix)

    def transform(self, clips):
        """The centred, length-normalised i-vectors of clips given as frame arrays, shape (clips, R), float32."""
        ubm, matrix, squares = self._single
        return self.project(ivectors(matrix, *statistics(ubm, clips), squares=squares))

    def project(self, raw):
        """Raw i-vectors (n, R) centred and length-normalised: shape (n, R), float32."""
        return length_normalise(raw, mean=self.mean).astype(np.float32)


@dataclass(frozen=True)
class IVectorSettings:
    """The sizes and fitting choices of an i-vector system.

    Attributes
    ----------
    components : int
        The UBM's Gaussians (fewer when there are fewer distinct frames).
    rank : int or None
        The i-vectors' dimension R; None: :meth:`rank_for` the training clips.
    ubm_iter, tv_iter : int
        EM iterations of the UBM and of the total-variability matrix.
    max_frames : int
        Frames the UBM is fitted on, at most: each training clip gives an even
        sample of at most ``ceil(max_frames / clips)`` of its frames.
    seed : int
    """

    components: int = 256
    rank: int | None = None
    ubm_iter: int = 20
    tv_iter: int = 10
    max_frames: int = 200_000
    seed: int = 0

    #: The largest rank :meth:`rank_for` gives (the seed's recipe: 200 to 400 with thousands of songs).
    MAX_RANK = 200
    #: :meth:`rank_for` gives one dimension per this many training clips.
    CLIPS_PER_DIMENSION = 4

    def __post_init__(self):
        rank = 1 if self.rank is None else self.rank
        if min(self.components, rank, self.max_frames) < 1 or min(self.ubm_iter, self.tv_iter) < 0:
            raise ValueError(f"i-vector sizes must be positive: {self}")

    def rank_for(self, clips):
        """The rank R for a number of training clips: ``rank``, or by default a quarter of the clips, 2 to 200.

        With R near the number of clips the total-variability matrix
        memorises them: each training clip's i-vector gets a direction of its
        own, clips of one label are no closer than any others, and inner
        cross-validation on them falls to chance while new clips score far
        higher (docs/features.md).
        """
        return self.rank if self.rank is not None else int(np.clip(clips // self.CLIPS_PER_DIMENSION, 2, self.MAX_RANK))


def fit_ivector_system(clips, *, settings=IVectorSettings()):
    """Fit an i-vector system on training clips; also give the training clips' outputs.

    Each clip is read twice, one at a time (for the UBM's sample, then for its
    statistics), so ``clips`` may be a sequence that loads them on demand:
    memory holds the UBM's frame sample and the statistics, never all frames.

    Parameters
    ----------
    clips : sequence of np.ndarray, each (frames, D)
        The training clips' frames (:func:`mirex.ivector.frames.mfcc_frames`).
    settings : IVectorSettings

    Returns
    -------
    system : IVectorSystem
    training : np.ndarray, shape (clips, system.dim), float32
        ``system.transform(clips)``, without reading the clips a third time.

    Raises
    ------
    DataError
        Without clips.
    """
    if not len(clips):
        raise DataError("the i-vector system needs at least one training clip")
    each = -(-settings.max_frames // len(clips))
    sample = np.concatenate([evenly(np.asarray(c), limit=each) for c in clips])
    ubm = fit_ubm(sample, n_components=settings.components, n_iter=settings.ubm_iter,
                  max_frames=settings.max_frames, seed=settings.seed)
    del sample
    n, f = statistics(ubm, clips)
    matrix = fit_total_variability(n, f, rank=settings.rank_for(len(clips)), n_iter=settings.tv_iter, seed=settings.seed)
    raw = ivectors(matrix, n, f)
    system = IVectorSystem(ubm, matrix, raw.mean(axis=0))
    return system, system.project(raw)
