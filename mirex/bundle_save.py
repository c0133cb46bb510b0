"""Writing model bundles (:mod:`mirex.bundle`) atomically: each is built in a folder aside, then renamed into place.

:func:`save_bundle` writes a new bundle from a Keras feature model,
:func:`derive_bundle` one made from another (byte-for-byte copies and new
files), :func:`replace_lda` one with another artist LDA.
"""
import datetime
import json
import os
import shutil
from pathlib import Path

from mirex.atomic import temp_dir, write_text
from mirex.bundle import LDA, MANIFEST, WEIGHTS, load_bundle, sha256
from mirex.folders import shipped_models_dir, writable_models_dir

__all__ = ["save_bundle", "derive_bundle", "replace_lda"]


def _publish(folder, name, *, fill, manifest):
    """Build bundle ``folder/name`` aside and swap it into place; return it loaded.

    ``fill(tmp)`` writes the bundle's files into a temporary folder beside the
    final one; the file checksums and ``manifest`` are added, then the folder
    is renamed into place (replacing an older one). On any failure the
    temporary folder is removed and nothing changes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    tmp = temp_dir(dir=folder, prefix=f".{name}.")
    try:
        fill(tmp)
        manifest = {**manifest, "files": {f.name: sha256(f) for f in sorted(tmp.iterdir())}}
        write_text(tmp / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        if final.exists():
            old = temp_dir(dir=folder, prefix=f".{name}.old.")
            os.replace(final, old / name)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load_bundle(str(final))


def save_bundle(*, name, feature_model, frontend, source, n_artists=None, lda=None, extra=None, attachments=None,
                root=None):
    """Write a bundle folder atomically (built aside, then renamed into place).

    Parameters
    ----------
    name : str
        Bundle name; the folder is ``root/name`` (``root`` defaults to
        :func:`mirex.folders.writable_models_dir`).
    feature_model : keras.Model
        A feature model of :mod:`mirex.nets` (e.g. :func:`mirex.nets.dcnn.build_feature_model`).
    frontend : mirex.frontends.mel.FrontEnd or mirex.frontends.waveform.WaveformFrontEnd
    source : str
        Where the weights came from (a file, a training run).
    n_artists : int, optional
    lda : mirex.projection.Projection, optional
    extra : dict, optional
        More manifest fields (training settings, metrics).
    attachments : dict of str to str, optional
        More text files (file name to content), e.g. a training report.

    Returns
    -------
    mirex.bundle.Bundle
    """
    def fill(tmp):
        feature_model.save_weights(tmp / WEIGHTS)
        if lda is not None:
            lda.save(tmp / LDA)
        for fname, text in (attachments or {}).items():
            write_text(tmp / fname, text)

    return _publish(Path(root) if root else writable_models_dir(), name, fill=fill, manifest={
        "name": name,
        "source": str(source),
        "n_artists": n_artists,
        "feature_dim": int(feature_model.output.shape[-1]),
        "frontend": frontend.to_dict(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        **(extra or {}),
    })


def derive_bundle(base, *, name=None, drop=(), write=None, fields=None):
    """Write a bundle made from ``base``, atomically (built aside, then renamed into place).

    It is written beside ``base`` (or in :func:`mirex.folders.writable_models_dir`
    when ``base`` is shipped with the package, which is never written to).

    Parameters
    ----------
    base : mirex.bundle.Bundle
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
    mirex.bundle.Bundle
    """
    folder = base.path.parent
    if folder.resolve() == shipped_models_dir().resolve():
        folder = writable_models_dir()
    name = name or base.path.name

    def fill(tmp):
        for fname in base.manifest["files"]:
            if fname not in drop:
                shutil.copy2(base.path / fname, tmp / fname)
        if write is not None:
            write(tmp)

    fields = {**(fields or {}), "name": name}
    manifest = {k: v for k, v in {**base.manifest, **fields}.items()
                if k != "files" and (k not in fields or v is not None)}
    return _publish(folder, name, fill=fill, manifest=manifest)


def replace_lda(bundle, *, lda, name=None, info=None):
    """Write ``bundle`` again with another LDA, keeping every other file byte for byte (:func:`derive_bundle`).

    Parameters
    ----------
    bundle : mirex.bundle.Bundle
    lda : mirex.projection.Projection or None
        The new LDA (None removes it).
    name : str, optional
        Write a new bundle of this name instead of replacing the original.
    info : dict, optional
        Stored as the manifest's ``lda`` field.

    Returns
    -------
    mirex.bundle.Bundle
        The weights file, hence the feature-cache fingerprint, is unchanged.
    """
    return derive_bundle(bundle, name=name, drop=(LDA,), write=None if lda is None else lambda tmp: lda.save(tmp / LDA),
                         fields={"lda": info})
