"""The systems an evaluation compares.

A system is the same classifier behind the same two scripts, run with extra
command-line options that choose its features. To add one, add a line to
:data:`SYSTEMS` (or pass ``NAME=OPTIONS`` on the command line).
"""
import re
import shlex

from mirex.errors import BundleError
from mirex.errors import EvaluationError

__all__ = ["SYSTEMS", "default_systems", "resolve_systems"]

SYSTEMS = {
    "dcnn": ["--no-lda"],
    "dcnn-lda": [],
    "mfcc": ["--features", "mfcc"],
}
"""Known systems: name -> extra options for ``run_train.sh`` and ``run_test.sh``."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")


def _default_bundle_has_lda():
    """Whether the default model bundle holds an LDA (False if it cannot be loaded)."""
    from mirex.bundle import load_bundle

    try:
        return load_bundle().has_lda
    except BundleError:
        return False


def default_systems():
    """The systems compared when none are named: dcnn, dcnn-lda (if the default bundle has an LDA), mfcc.

    Returns
    -------
    systems : dict of str to list of str
    """
    skip = set() if _default_bundle_has_lda() else {"dcnn-lda"}
    return {name: list(options) for name, options in SYSTEMS.items() if name not in skip}


def resolve_systems(*, specs=None):
    """Turn system names or ``NAME=OPTIONS`` specs into a systems dict.

    Parameters
    ----------
    specs : iterable of str or None
        Each is a name from :data:`SYSTEMS`, or ``NAME=OPTIONS`` with options
        split as a shell would (``"dcnn1000=--model msd-siamese-1000"``).
        A spec may hold several comma-separated names. ``None`` or empty gives
        :func:`default_systems`.

    Returns
    -------
    systems : dict of str to list of str
        In the order given.

    Raises
    ------
    EvaluationError
        For an unknown name, a malformed name, or a name given twice.
    """
    if not specs:
        return default_systems()
    systems = {}
    for spec in specs:
        if "=" in spec:
            name, options = spec.split("=", 1)
            items = [(name.strip(), shlex.split(options))]
        else:
            items = [(name.strip(), None) for name in spec.split(",") if name.strip()]
        for name, options in items:
            if not _NAME.fullmatch(name):
                raise EvaluationError(f"system name {name!r}: use letters, digits and _.+- only")
            if options is None and name not in SYSTEMS:
                raise EvaluationError(f"unknown system {name!r} (known: {', '.join(SYSTEMS)}; or use NAME=OPTIONS)")
            if name in systems:
                raise EvaluationError(f"system {name!r} named twice")
            systems[name] = list(SYSTEMS[name] if options is None else options)
    return systems
