"""An embedding head frozen for inference: its arrays, its inference in NumPy, its description.

A head turns song (or segment) features of one feature system of a
bundle's network into an embedding: standardise, dense layers, then
L2-normalise each concept's sub-space (its mask). The global similarity is
the whole embedding; a concept's is its masked embedding (0 outside its
sub-space), whose distances are those within the sub-space. Its place in a
bundle is :mod:`mirex.features.head`; training it, :mod:`mirex.nets.embedding`.
"""
from dataclasses import dataclass

import numpy as np

from mirex.nets.concepts import concept_index

__all__ = ["OBJECTIVES", "ACTIVATIONS", "Head"]

#: What trains a head: labels through a sigmoid per tag, triplets, or proxies.
OBJECTIVES = ("classification", "triplet", "proxy")
#: The dense layers' activations.
ACTIVATIONS = {"relu": lambda x: np.maximum(x, 0), "linear": lambda x: x}


@dataclass(frozen=True, eq=False)
class Head:
    """An embedding head (see the module notes).

    Attributes
    ----------
    objective : str
        What trained it: 'classification', 'triplet' or 'proxy'.
    features : str
        The feature system it takes, e.g. ``'dcnn:blocks=1-5,pool=max,stats=mean'``.
    concepts : tuple of str
    tags : tuple of tuple of str
        Each concept's tags.
    masks : np.ndarray, float32, shape (concepts, dim)
    layers : tuple of (np.ndarray, np.ndarray, str)
        Each dense layer's kernel (in, out), bias and activation ('relu' or 'linear').
    offset, scale : np.ndarray, float32, shape (features,)
        Standardisation ``(x - offset) * scale`` before the layers.
    """

    objective: str
    features: str
    concepts: tuple
    tags: tuple
    masks: np.ndarray
    layers: tuple
    offset: np.ndarray
    scale: np.ndarray

    @property
    def dim(self):
        """Length of the embedding."""
        return self.masks.shape[1]

    def __call__(self, features):
        """The embedding of features (n, features): float32, shape (n, dim)."""
        x = (np.asarray(features, dtype=np.float32) - self.offset) * self.scale
        for kernel, bias, activation in self.layers:
            x = ACTIVATIONS[activation](x @ kernel + bias)
        norms = np.sqrt((x[:, None, :] ** 2 * self.masks).sum(axis=-1))  # (n, concepts)
        return (x / (np.maximum(norms, 1e-12) @ self.masks)).astype(np.float32)

    def mask(self, concept):
        """The 0/1 mask (dim,) of ``concept``'s sub-space.

        Raises
        ------
        DataError
            If the head has no such concept.
        """
        return self.masks[concept_index(self.concepts, concept)]

    def describe(self):
        """The JSON-able description (a bundle's ``head.json``)."""
        return {"objective": self.objective, "features": self.features, "dim": int(self.dim),
                "concepts": [{"name": c, "tags": list(t)} for c, t in zip(self.concepts, self.tags)],
                "activations": [activation for _, _, activation in self.layers]}

    def arrays(self):
        """The arrays by name (a bundle's ``head.npz``)."""
        arrays = {"offset": self.offset, "scale": self.scale, "masks": self.masks}
        for k, (kernel, bias, _) in enumerate(self.layers):
            arrays.update({f"kernel_{k}": kernel, f"bias_{k}": bias})
        return arrays
