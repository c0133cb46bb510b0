"""Model bundles: a folder holding everything needed to turn audio into features.

A bundle is plain data; inference belongs to :mod:`mirex.features`, which
reads the weights file straight into a frozen PyTorch network.

A bundle ``models/NAME/`` holds

- ``manifest.json``: name, source, number of artists, front-end parameters
  (normalisation stats included) and the sha256 of every other file;
- ``dcnn.weights.h5``: the feature model's weights (Keras 3);
- ``lda.npz`` (optional): a fitted LDA applied to song features, as the
  plain arrays of a :class:`Projection`.

Nothing in a bundle is a pickle: a bundle someone shares cannot run code when
it is loaded. :func:`load_bundle` is the one loader for all bundles, whether
shipped with the package, trained here or imported from the published Keras 2
files by :func:`import_keras2`; it finds a name in the folders of
:func:`mirex.folders.models_dirs`.
"""
import datetime
import hashlib
import json
import math
import os
import re
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from mirex.atomic import temp_dir, write_text
from mirex.cache import content_key
from mirex.errors import BundleError
from mirex.folders import models_dirs, shipped_models_dir, writable_models_dir
from mirex.frontends.mel import FrontEnd
from mirex.frontends import frontend_from_dict

__all__ = ["Bundle", "Projection", "default_model", "find_bundle", "bundle_names", "load_bundle", "save_bundle",
           "derive_bundle", "replace_lda", "import_keras2", "sha256"]

WEIGHTS = "dcnn.weights.h5"
LDA = "lda.npz"
#: The pickled LDA of bundles written by earlier versions: refused, never loaded.
PICKLED_LDA = "lda.joblib"
MANIFEST = "manifest.json"


def default_model():
    """The default bundle name: ``$MIREX_MODEL`` or the published 10,000-artist model."""
    return os.environ.get("MIREX_MODEL") or "msd-siamese-10000"


#: Hex SHA-256 of a file's bytes: the checksum of each file in a manifest.
sha256 = content_key


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
        """The network architecture (:data:`mirex.nets.ARCHS`); a manifest without ``arch`` is a dcnn."""
        return self.manifest.get("arch", "dcnn")

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
        """The fitted artist LDA as a :class:`Projection`, or None."""
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
    from mirex.nets import ARCHS

    if not (isinstance(manifest, dict) and isinstance(manifest["name"], str)
            and all(isinstance(manifest[key], dict) for key in ("files", "frontend"))):
        raise TypeError("name must be a string, files and frontend objects")
    if WEIGHTS not in manifest["files"] or manifest.get("arch", "dcnn") not in ARCHS:
        raise ValueError(f"files must list {WEIGHTS}, arch be one of {', '.join(ARCHS)}")
    bundle = Bundle(path, manifest)
    for key, value in bundle.frontend.to_dict().items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if key != "kind" and not (number and math.isfinite(value) and (value > 0 or key == "mean")):
            raise ValueError(f"front-end {key} is {value!r}")
    return bundle


def _publish(tmp, final, manifest):
    """Add the file checksums and the manifest to the folder ``tmp``, then swap it into ``final``."""
    manifest = {**manifest, "files": {f.name: sha256(f) for f in sorted(tmp.iterdir())}}
    write_text(tmp / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    if final.exists():
        old = temp_dir(dir=final.parent, prefix=f".{final.name}.old.")
        os.replace(final, old / final.name)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)


def save_bundle(*, name, feature_model, frontend, source, n_artists=None, lda=None, extra=None, attachments=None,
                root=None):
    """Write a bundle folder atomically (built aside, then renamed into place).

    Parameters
    ----------
    name : str
        Bundle name; the folder is ``root/name`` (``root`` defaults to
        :func:`mirex.folders.writable_models_dir`).
    feature_model : keras.Model
        A model from :func:`mirex.network.build_feature_model`.
    frontend : FrontEnd
    source : str
        Where the weights came from (a file, a training run).
    n_artists : int, optional
    lda : Projection, optional
    extra : dict, optional
        More manifest fields (training settings, metrics).
    attachments : dict of str to str, optional
        More text files (file name to content), e.g. a training report.

    Returns
    -------
    Bundle
    """
    root = Path(root) if root else writable_models_dir()
    root.mkdir(parents=True, exist_ok=True)
    tmp = temp_dir(dir=root, prefix=f".{name}.")
    try:
        feature_model.save_weights(tmp / WEIGHTS)
        if lda is not None:
            lda.save(tmp / LDA)
        for fname, text in (attachments or {}).items():
            write_text(tmp / fname, text)
        _publish(tmp, root / name, {
            "name": name,
            "source": str(source),
            "n_artists": n_artists,
            "feature_dim": int(feature_model.output.shape[-1]),
            "frontend": frontend.to_dict(),
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            **(extra or {}),
        })
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load_bundle(str(root / name))


def derive_bundle(base, *, name=None, drop=(), write=None, fields=None):
    """Write a bundle made from ``base``, atomically (built aside, then renamed into place).

    It is written beside ``base`` (or in :func:`mirex.folders.writable_models_dir`
    when ``base`` is shipped with the package, which is never written to).

    Parameters
    ----------
    base : Bundle
    name : str, optional
        The new bundle's name (default: ``base``'s own, which replaces it).
    drop : tuple of str
        Files of ``base`` not copied; every other file is copied byte for byte.
    write : callable, optional
        ``write(folder)`` adds the new files to the folder being built.
    fields : dict, optional
        Manifest fields set in place of ``base``'s own (a None value removes one).

    Returns
    -------
    Bundle
    """
    folder = base.path.parent
    if folder.resolve() == shipped_models_dir().resolve():
        folder = writable_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / (name or base.path.name)
    tmp = temp_dir(dir=folder, prefix=f".{final.name}.")
    try:
        for fname in base.manifest["files"]:
            if fname not in drop:
                shutil.copy2(base.path / fname, tmp / fname)
        if write is not None:
            write(tmp)
        fields = {**(fields or {}), "name": final.name}
        manifest = {k: v for k, v in {**base.manifest, **fields}.items() if k != "files"}
        _publish(tmp, final, {k: v for k, v in manifest.items() if k not in fields or v is not None})
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load_bundle(str(final))


def replace_lda(bundle, *, lda, name=None, info=None):
    """Write ``bundle`` again with another LDA, keeping every other file byte for byte (:func:`derive_bundle`).

    Parameters
    ----------
    bundle : Bundle
    lda : Projection or None
        The new LDA (None removes it).
    name : str, optional
        Write a new bundle of this name instead of replacing the original.
    info : dict, optional
        Stored as the manifest's ``lda`` field.

    Returns
    -------
    Bundle
        The weights file, hence the feature-cache fingerprint, is unchanged.
    """
    return derive_bundle(bundle, name=name, drop=(LDA,), write=None if lda is None else lambda tmp: lda.save(tmp / LDA),
                         fields={"lda": info})


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
    Bundle
    """
    from mirex.network import BLOCKS, build_feature_model

    h5file = Path(h5file)
    if not h5file.is_file():
        raise BundleError(f"{h5file}: no such file")
    weights = _legacy_weights(h5file)
    frontend = frontend or FrontEnd()
    model = build_feature_model(frames=frontend.segment_frames, n_mels=frontend.n_mels, l2=0)
    for index in range(1, len(BLOCKS) + 1):
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
