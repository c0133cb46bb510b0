"""A network's weights as plain arrays: layer name -> list of arrays, in Keras's order.

Read from a Keras model in memory (:func:`weights_of`) or from a Keras 3
``.weights.h5`` file with h5py (:func:`read_keras_weights`), so that the
frozen PyTorch copies never import Keras.
"""
import numpy as np

from mirex.errors import BundleError

__all__ = ["weights_of", "read_keras_weights"]


def weights_of(model):
    """Layer name -> list of weight arrays of every layer of a Keras model that has weights."""
    return {layer.name: [np.asarray(w) for w in layer.get_weights()] for layer in model.layers if layer.weights}


def read_keras_weights(path):
    """Layer name -> list of arrays, from a Keras 3 ``.weights.h5`` file (each layer's group under ``layers/``
    names the layer in its ``vars`` attributes)."""
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            weights = {}
            for group in handle["layers"].values():
                variables = group.get("vars")
                if variables is not None and len(variables):
                    name = variables.attrs.get("name", "")
                    weights[name] = [np.asarray(variables[str(i)]) for i in range(len(variables))]
            return weights
    except (OSError, KeyError) as exc:
        raise BundleError(f"{path}: not a readable weights file ({exc})") from None
