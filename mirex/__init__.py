"""mirex: artist-label DCNN music features for MIREX-style evaluations, and a Python API.

``mirex.load_extractor(spec, device=...)`` gives an :class:`mirex.api.Extractor`
(song and segment features of signals and files); :mod:`mirex.hear` is the
HEAR 2021 module. Both load lazily, so ``import mirex`` stays cheap.

The package sets ``KERAS_BACKEND=torch`` unless the user chose another backend,
so that importing :mod:`keras` anywhere below gets PyTorch.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

__version__ = "0.1.0"
__all__ = ["load_extractor", "Extractor", "Segments"]


def __getattr__(name):
    if name in __all__:
        from mirex import api

        return getattr(api, name)
    raise AttributeError(f"module 'mirex' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
