"""Built-in demo datasets, rendered from public-domain scores.

:func:`~mirex.datasets.composers.build_composers` renders a classical-composer identification dataset
from the scores in the music21 corpus (see :mod:`mirex.datasets.composers`).
It is imported on first use, so that ``python -m mirex.datasets.composers``
runs the module only once.
"""
__all__ = ["build_composers"]


def __getattr__(name):
    if name == "build_composers":
        from mirex.datasets.composers import build_composers

        return build_composers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
