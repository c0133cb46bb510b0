"""A bundle's embedding head: its files in a bundle, the feature system it takes, concept embeddings.

A bundle with a head (:class:`mirex.nets.projection.Head`) holds, besides
the base network's files,

- ``head.json``: the objective, the feature system the head takes (its
  text form, without a bundle), the concepts with their tags, each dense
  layer's activation;
- ``head.npz``: plain arrays (read without pickle): ``offset`` and
  ``scale`` of the standardisation, ``kernel_K`` and ``bias_K`` of dense
  layer ``K``, and ``masks`` (concepts, dim), 1 on a concept's sub-space.
"""
import json

import numpy as np

from mirex.atomic import write_text
from mirex.bundle import load_bundle
from mirex.bundle_save import derive_bundle
from mirex.errors import BundleError, DataError
from mirex.features.spec import FeatureSpec
from mirex.nets.projection import ACTIVATIONS, Head

__all__ = ["HEAD_JSON", "HEAD_ARRAYS", "save_head_bundle", "load_head", "head_spec", "concept_embedder"]

HEAD_JSON, HEAD_ARRAYS = "head.json", "head.npz"


def save_head_bundle(base, *, name, head, info=None):
    """Write a bundle ``name`` beside ``base``: every file of ``base`` byte for byte, and the head (:func:`mirex.bundle_save.derive_bundle`).

    Parameters
    ----------
    base : mirex.bundle.Bundle
        The bundle whose network computes the head's features (it may be
        replaced, when ``name`` is its own).
    name : str
    head : mirex.nets.projection.Head
    info : dict, optional
        More fields of the manifest's ``head`` entry (training settings, times).

    Returns
    -------
    mirex.bundle.Bundle
    """
    def write(folder):
        write_text(folder / HEAD_JSON, json.dumps(head.describe(), indent=2) + "\n")
        with open(folder / HEAD_ARRAYS, "wb") as fh:
            np.savez(fh, **head.arrays())

    summary = {k: v for k, v in head.describe().items() if k != "activations"}
    return derive_bundle(base, name=name, drop=(HEAD_JSON, HEAD_ARRAYS), write=write,
                         fields={"head": {**summary, **(info or {})}})


def load_head(bundle):
    """The head of a bundle, or None when it has none.

    Raises
    ------
    BundleError
        If its files are unreadable or disagree with each other.
    """
    if HEAD_JSON not in bundle.manifest.get("files", {}):
        return None
    where = bundle.path / HEAD_ARRAYS
    try:
        about = json.loads((bundle.path / HEAD_JSON).read_text(encoding="utf-8"))
        with np.load(where, allow_pickle=False) as stored:
            arrays = {key: stored[key].astype(np.float32) for key in stored.files}
        activations = about["activations"]
        layers = tuple((arrays[f"kernel_{k}"], arrays[f"bias_{k}"], a) for k, a in enumerate(activations))
        head = Head(objective=about["objective"], features=about["features"],
                    concepts=tuple(c["name"] for c in about["concepts"]),
                    tags=tuple(tuple(c["tags"]) for c in about["concepts"]), masks=arrays["masks"], layers=layers,
                    offset=arrays["offset"], scale=arrays["scale"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BundleError(f"{bundle.path}: unreadable head ({exc.__class__.__name__}: {exc})") from None
    widths = [len(head.offset)] + [kernel.shape[1] for kernel, _, _ in layers]
    if (any(a not in ACTIVATIONS for a in activations) or head.masks.shape != (len(head.concepts), widths[-1])
            or any(k.shape != (w, b.shape[0]) for (k, b, _), w in zip(layers, widths))):
        raise BundleError(f"{bundle.path}: the head's arrays do not fit its description")
    return head


def _required_head(bundle):
    head = load_head(bundle)
    if head is None:
        raise BundleError(f"{bundle.path}: the bundle has no embedding head, hence no concepts")
    return head


def head_spec(model=None):
    """The feature system the head of bundle ``model`` (name or folder; default the default bundle) takes, on it.

    Raises
    ------
    BundleError
        If the bundle is missing or has no head.
    """
    return FeatureSpec.parse(_required_head(load_bundle(model)).features).with_bundle(model)


def concept_embedder(bundle, *, spec, concept):
    """``features -> embedding`` in ``concept``'s sub-space (0 elsewhere), for song features of ``spec``.

    Raises
    ------
    BundleError
        If the bundle has no head.
    DataError
        If the head has no such concept, or takes another feature system than ``spec``.
    """
    head = _required_head(bundle)
    mask = head.mask(concept)
    if str(spec.with_bundle(None)) != head.features:
        raise DataError(f"{spec}: the head of {bundle.name} takes the features {head.features}")

    def embed(features):
        return head(features) * mask

    return embed
