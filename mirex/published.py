"""The authors' published MSD artist models, pinned by commit and sha256.

:func:`fetch_models` imports them as bundles, taking each file from a local
folder when it holds a copy with the right checksum and otherwise downloading
it from the authors' repository. This explicit command is the only part of
the project that uses the network.
"""
import os
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from mirex.bundle import WEIGHTS, load_bundle, sha256
from mirex.errors import BundleError, MirexError
from mirex.folders import shipped_models_dir, writable_models_dir
from mirex.keras2 import import_keras2
from mirex.log import logger

__all__ = ["PUBLISHED", "fetch_models"]

URL = "https://raw.githubusercontent.com/jongpillee/ismir2018-artist/{commit}/{path}"


@dataclass(frozen=True)
class Published:
    """One published model file."""

    name: str
    filename: str
    n_artists: int
    commit: str
    path: str
    sha256: str

    @property
    def url(self):
        return os.environ.get("MIREX_PRETRAINED_URL", URL).format(commit=self.commit, path=self.path)


PUBLISHED = (
    Published(
        "msd-siamese-10000", "siamese_10000_artists.h5", 10000, "68841d227fef71ac76b44e704007e50452042a38",
        "models/model_siamese_10000_4_0.40/model_siamese_10000.h5",
        "3b3ad09c321786c8ea388269ee3c35ab540734ce5209f40a430f1c9b0a25f753",
    ),
    Published(
        "msd-siamese-5000", "siamese_5000_artists.h5", 5000, "68841d227fef71ac76b44e704007e50452042a38",
        "models/model_siamese_5000_4_0.40/weights.h5",
        "1c256438c4dc2787bc7ebeebe02408dd2d4febae5e8f3be07f3ba1b1f91c1d9c",
    ),
    Published(
        "msd-siamese-1000", "siamese_1000_artists.h5", 1000, "d1deca622ab941324d9fefce5ac7146eab20bc83",
        "models/model_siamese_1000_4_0.40/weights.59-12.32.h5",
        "5b30b1ef6134b664fe5e815006d99f6c2bffc50357ac7f0394802e67154e3ec9",
    ),
)


def _download(item, folder):
    target = Path(folder) / item.filename
    try:
        with urllib.request.urlopen(item.url, timeout=60) as response, open(target, "wb") as fh:
            shutil.copyfileobj(response, fh)
    except (OSError, ValueError) as exc:
        raise MirexError(f"{item.url}: download failed ({exc}); copy {item.filename} by hand and use --from DIR") from None
    return target


def _imported(item, root):
    """Whether ``item`` is already imported from a file with the pinned checksum."""
    try:
        return load_bundle(str(Path(root) / item.name)).manifest["source"].endswith(f"sha256={item.sha256}")
    except BundleError:
        return False


def fetch_models(*, source_dir=None, root=None, force=False):
    """Import the published models as bundles named ``msd-siamese-{N}``.

    Parameters
    ----------
    source_dir : str or Path, optional
        A folder holding local copies (``siamese_{N}_artists.h5``); a file is
        used only if its sha256 matches the pin.
    root : str or Path, optional
        Models folder (default: :func:`mirex.folders.writable_models_dir`).
    force : bool
        Re-import bundles that already exist.

    Raises
    ------
    MirexError
        If ``source_dir`` is not a folder (before any download).
    BundleError
        If a file's checksum does not match its pin.
    """
    root = Path(root) if root else writable_models_dir()
    if source_dir is not None and not Path(source_dir).is_dir():
        raise MirexError(f"{source_dir}: no such folder (--from names the folder holding the .h5 copies)")
    with tempfile.TemporaryDirectory() as tmp:
        for item in PUBLISHED:
            if not force and _imported(item, root):
                logger.info(f"{item.name}: already imported")
                _compare_with_shipped(load_bundle(str(root / item.name)))
                continue
            local = Path(source_dir) / item.filename if source_dir else None
            if local is not None and local.is_file():
                origin = local
            else:
                logger.info(f"{item.name}: downloading {item.url}")
                origin = _download(item, tmp)
            digest = sha256(origin)
            if digest != item.sha256:
                raise BundleError(f"{origin}: sha256 {digest} does not match the pinned {item.sha256}")
            bundle = import_keras2(origin, name=item.name, n_artists=item.n_artists, root=root)
            logger.info(f"{item.name}: imported from {origin}")
            _compare_with_shipped(bundle)


def _compare_with_shipped(bundle):
    """Log whether ``bundle``'s weights are byte for byte those of the bundle of its name shipped with the package."""
    shipped = load_bundle(str(shipped_models_dir() / bundle.name))
    if shipped.manifest["files"][WEIGHTS] == bundle.manifest["files"][WEIGHTS]:
        logger.info(f"{bundle.name}: identical to the bundle shipped with the package")
    else:
        logger.warning(f"{bundle.name}: its weights differ from those of the bundle shipped with the package "
                       f"({shipped.path}); {bundle.path} is found first")
