"""A fitted LDA as plain arrays: the linear map a bundle's ``lda.npz`` stores (never a pickle)."""
from dataclasses import dataclass

import numpy as np

from mirex.errors import BundleError

__all__ = ["Projection"]


@dataclass(frozen=True)
class Projection:
    """A linear map of song features, ``x @ matrix + offset``: a fitted LDA as plain arrays.

    Attributes
    ----------
    matrix : np.ndarray, shape (n_in, n_out)
    offset : np.ndarray, shape (n_out,)
    """

    matrix: np.ndarray
    offset: np.ndarray

    @classmethod
    def of(cls, transformer, *, n_in):
        """The projection computed by a fitted linear transformer (e.g. scikit-learn's LDA) of ``n_in`` inputs."""
        offset = transformer.transform(np.zeros((1, n_in)))[0]
        return cls(matrix=transformer.transform(np.eye(n_in)) - offset, offset=offset)

    @property
    def n_in(self):
        return self.matrix.shape[0]

    @property
    def n_out(self):
        return self.matrix.shape[1]

    def transform(self, features):
        """Project ``features`` (n, n_in) to (n, n_out)."""
        return np.asarray(features, dtype=np.float64) @ self.matrix + self.offset

    def save(self, path):
        """Write the arrays to an ``.npz`` file."""
        np.savez(path, matrix=self.matrix, offset=self.offset)

    @classmethod
    def load(cls, path):
        """Read a projection written by :meth:`save`; never unpickles anything.

        Raises
        ------
        BundleError
            If the file is not such a projection.
        """
        try:
            with np.load(path, allow_pickle=False) as stored:
                matrix, offset = np.asarray(stored["matrix"], np.float64), np.asarray(stored["offset"], np.float64)
        except (OSError, ValueError, KeyError) as exc:
            raise BundleError(f"{path}: not an LDA projection ({type(exc).__name__}: {exc})".splitlines()[0]) from None
        if matrix.ndim != 2 or offset.shape != matrix.shape[1:] or not (np.isfinite(matrix).all()
                                                                         and np.isfinite(offset).all()):
            raise BundleError(f"{path}: not an LDA projection (arrays of shapes {matrix.shape} and {offset.shape})")
        return cls(matrix=matrix, offset=offset)
