"""Where the project reads and writes files: the shipped models, the user's models and the feature cache.

Nothing is ever written inside the installed package. The per-user folders
follow the platform's conventions (:mod:`platformdirs`; on Linux
``~/.local/share/mirex`` and ``~/.cache/mirex``, or the XDG variables), and
environment variables override them:

========================  ==================================================
``$MIREX_MODELS_DIR``     the models folder searched first and written to
``$MIREX_FEATURE_CACHE``  the feature cache of ``mirex embed`` and ``fit-lda``
========================  ==================================================

A checkout's ``make`` targets and scripts point both at the checkout's own
``models/`` and ``features/`` folders.
"""
import os
from pathlib import Path

import platformdirs

__all__ = ["shipped_models_dir", "user_models_dir", "models_dirs", "writable_models_dir", "feature_cache_dir"]

APP = "mirex"


def shipped_models_dir():
    """The bundles shipped inside the package (read-only)."""
    return Path(__file__).resolve().parent / "bundles"


def user_models_dir():
    """The user's own bundles: ``<user data folder>/models``."""
    return platformdirs.user_data_path(APP) / "models"


def models_dirs():
    """The folders searched for a bundle name, in order: ``$MIREX_MODELS_DIR``, the user's, the shipped ones."""
    env = os.environ.get("MIREX_MODELS_DIR")
    return ([Path(env)] if env else []) + [user_models_dir(), shipped_models_dir()]


def writable_models_dir():
    """Where new bundles go unless a command is told otherwise: the first folder of :func:`models_dirs`."""
    return models_dirs()[0]


def feature_cache_dir():
    """The default feature cache: ``$MIREX_FEATURE_CACHE`` or ``<user cache folder>/features``."""
    return Path(os.environ.get("MIREX_FEATURE_CACHE") or platformdirs.user_cache_path(APP) / "features")
