"""Importing a published Keras 2 artist model (TensorFlow layout, HDF5) as a bundle."""
import re
from pathlib import Path

import numpy as np

from mirex.bundle import sha256
from mirex.bundle_save import save_bundle
from mirex.errors import BundleError
from mirex.frontends.mel import FrontEnd
from mirex.nets.dcnn import CONV_BLOCKS, build_feature_model

__all__ = ["import_keras2"]


def _legacy_weights(h5file):
    """Map layer name -> list of arrays from a Keras 2 HDF5 model file."""
    import h5py

    try:
        handle = h5py.File(h5file, "r")
    except OSError as exc:
        raise BundleError(f"{h5file}: not a readable HDF5 file ({exc})") from None
    with handle:
        group = handle["model_weights"] if "model_weights" in handle else handle
        weights = {}
        for layer in group:
            names = [n.decode() if isinstance(n, bytes) else n for n in group[layer].attrs.get("weight_names", [])]
            weights[layer] = [np.asarray(group[layer][n]) for n in names]
    return weights


def import_keras2(h5file, *, name, n_artists=None, frontend=None, root=None):
    """Import a published Keras 2 artist model (TensorFlow layout) as a bundle.

    Parameters
    ----------
    h5file : str or Path
        The Keras 2 HDF5 file with layers ``conv1d_{1..5}`` and
        ``batch_normalization_{1..5}``.
    name : str
        Name of the new bundle.
    n_artists : int, optional
        Number of training artists; defaults to the size of a softmax layer if
        the file has one, else the number in the file name.
    frontend : FrontEnd, optional
        Front-end parameters; defaults to the published MSD ones.

    Returns
    -------
    mirex.bundle.Bundle
    """
    h5file = Path(h5file)
    if not h5file.is_file():
        raise BundleError(f"{h5file}: no such file")
    weights = _legacy_weights(h5file)
    frontend = frontend or FrontEnd()
    model = build_feature_model(frontend=frontend, l2=0)
    for index in range(1, len(CONV_BLOCKS) + 1):
        for layer in (f"conv1d_{index}", f"batch_normalization_{index}"):
            arrays = weights.get(layer)
            if not arrays:
                raise BundleError(f"{h5file}: layer {layer} missing; not a Table 1 artist DCNN")
            target = model.get_layer(layer)
            expected = [tuple(w.shape) for w in target.get_weights()]
            if [a.shape for a in arrays] != expected:
                raise BundleError(f"{h5file}: layer {layer} has shapes {[a.shape for a in arrays]}, expected {expected}")
            target.set_weights(arrays)
    if n_artists is None:
        dense = [a[0] for layer, a in weights.items() if layer.startswith("dense") and a]
        digits = re.findall(r"\d+", h5file.stem)
        n_artists = int(dense[-1].shape[-1]) if dense else (int(max(digits, key=int)) if digits else None)
    return save_bundle(
        name=name, feature_model=model, frontend=frontend, source=f"keras2:{h5file.name} sha256={sha256(h5file)}",
        n_artists=n_artists, root=root,
    )
