"""Model bundles: a folder holding everything needed to turn audio into features, and finding one.

A bundle is plain data; inference belongs to :mod:`mirex.features`, which
reads the weights file straight into a frozen PyTorch network.

A bundle ``models/NAME/`` holds

- ``manifest.json``: name, source, architecture, number of artists,
  front-end parameters (normalisation stats included) and the sha256 of
  every other file;
- ``dcnn.weights.h5``: the feature model's weights (Keras 3);
- ``lda.npz`` (optional): a fitted LDA applied to song features, as the
  plain arrays of a :class:`~mirex.projection.Projection`.

Nothing in a bundle is a pickle: a bundle someone shares cannot run code when
it is loaded. :func:`load_bundle` is the one loader for all bundles, whether
shipped with the package, trained here (:mod:`mirex.bundle_save` writes
them) or imported from the published Keras 2 files
(:func:`mirex.keras2.import_keras2`); it finds a name in the folders of
:func:`mirex.folders.models_dirs`.
"""
import hashlib
import json
import math
import os
from functools import cached_property
from pathlib import Path

from mirex.cache import content_key
from mirex.errors import BundleError
from mirex.folders import models_dirs
from mirex.frontends import frontend_from_dict
from mirex.projection import Projection

__all__ = ["Bundle", "ARCHITECTURES", "default_model", "find_bundle", "bundle_names", "load_bundle", "sha256"]

WEIGHTS = "dcnn.weights.h5"
LDA = "lda.npz"
#: The pickled LDA of bundles written by earlier versions: refused, never loaded.
PICKLED_LDA = "lda.joblib"
MANIFEST = "manifest.json"
#: The network architectures a manifest may name (``arch``; none means ``dcnn``): the names of
#: :data:`mirex.nets.ARCHS`, which builds them.
ARCHITECTURES = ("dcnn", "samplecnn", "resse")


def default_model():
    """The default bundle name: ``$MIREX_MODEL`` or the published 10,000-artist model."""
    return os.environ.get("MIREX_MODEL") or "msd-siamese-10000"


#: Hex SHA-256 of a file's bytes: the checksum of each file in a manifest.
sha256 = content_key


class Bundle:
    """A model bundle on disk: its manifest, front end and files (the LDA loads lazily).

    Parameters
    ----------
    path : Path
        The bundle folder.
    manifest : dict
        Its parsed ``manifest.json``.
    """

    def __init__(self, path, manifest):
        self.path = Path(path)
        self.manifest = manifest
        self.name = manifest["name"]
        self.frontend = frontend_from_dict(manifest["frontend"])

    @property
    def arch(self):
        """The network architecture (one of :data:`ARCHITECTURES`); a manifest without ``arch`` is a dcnn."""
        return self.manifest.get("arch", "dcnn")

    @property
    def weights_path(self):
        """The network's weights file (Keras 3)."""
        return self.path / WEIGHTS

    @property
    def has_lda(self):
        """Whether the bundle holds a fitted LDA."""
        return LDA in self.manifest.get("files", {})

    @property
    def fingerprint(self):
        """A key that changes whenever the song features this bundle computes would."""
        text = json.dumps([self.manifest["files"][WEIGHTS], self.frontend.to_dict()], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @cached_property
    def lda(self):
        """The fitted artist LDA as a :class:`~mirex.projection.Projection`, or None."""
        return Projection.load(self.path / LDA) if self.has_lda else None


def _is_path(name):
    return os.sep in name or (os.altsep is not None and os.altsep in name) or name in (".", "..")


def find_bundle(name=None):
    """The folder of bundle ``name``: a folder path as given, else the first of :func:`mirex.folders.models_dirs` holding it.

    Raises
    ------
    BundleError
        If no folder holds it.
    """
    name = str(name or default_model())
    if _is_path(name):
        return Path(name)
    for folder in models_dirs():
        if (folder / name / MANIFEST).is_file():
            return folder / name
    searched = ", ".join(str(folder) for folder in models_dirs())
    raise BundleError(f"{name}: no model bundle of this name in {searched} (`mirex models` lists them)")


def bundle_names():
    """Every bundle name found, mapped to its folder (the first folder holding a name wins)."""
    found = {}
    for folder in reversed(models_dirs()):
        if folder.is_dir():
            found.update({p.parent.name: p.parent for p in folder.glob(f"*/{MANIFEST}") if not p.parent.name.startswith(".")})
    return dict(sorted(found.items()))


def load_bundle(name=None):
    """Load a bundle by name (see :func:`find_bundle`) or by folder path.

    Raises
    ------
    BundleError
        If the bundle is missing, its manifest unreadable or damaged (not
        what a bundle needs: a name, the weights file, a valid front end and
        architecture), a file it lists is missing, or it holds a pickle.
    """
    path = find_bundle(name)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(f"{path}: no model bundle here")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{manifest_path}: unreadable manifest ({exc})") from None
    try:
        bundle = _checked(path, manifest)
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"no {exc}" if isinstance(exc, KeyError) else exc
        raise BundleError(f"{manifest_path}: damaged manifest ({reason})") from None
    for fname in manifest["files"]:
        if not (path / fname).is_file():
            raise BundleError(f"{path / fname}: listed in the manifest but missing")
    if PICKLED_LDA in manifest["files"]:
        raise BundleError(f"{path / PICKLED_LDA}: an LDA stored as a pickle by an earlier version is never loaded "
                          f"(it could run code); refit it with `mirex fit-lda` into a bundle without it, or re-import the bundle")
    return bundle


def _checked(path, manifest):
    """The Bundle of a parsed manifest; KeyError, TypeError or ValueError if it lacks what a bundle needs."""
    if not (isinstance(manifest, dict) and isinstance(manifest["name"], str)
            and all(isinstance(manifest[key], dict) for key in ("files", "frontend"))):
        raise TypeError("name must be a string, files and frontend objects")
    if WEIGHTS not in manifest["files"] or manifest.get("arch", "dcnn") not in ARCHITECTURES:
        raise ValueError(f"files must list {WEIGHTS}, arch be one of {', '.join(ARCHITECTURES)}")
    bundle = Bundle(path, manifest)
    for key, value in bundle.frontend.to_dict().items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if key != "kind" and not (number and math.isfinite(value) and (value > 0 or key == "mean")):
            raise ValueError(f"front-end {key} is {value!r}")
    return bundle
