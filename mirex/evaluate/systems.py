"""The systems an evaluation compares.

A system is the same classifier behind the same two scripts, run with extra
command-line options that choose its features and classifier settings: by
default every feature preset with the task LDA left to the inner
cross-validation (the scripts' default), and each again without the task
LDA (``NAME-nolda``), which shows where it changes the result. Pass
``NAME=OPTIONS`` on the command line for any other.
"""
import re
import shlex

from mirex.errors import EvaluationError
from mirex.features import PRESETS

__all__ = ["SYSTEMS", "default_systems", "resolve_systems"]

SYSTEMS = {
    **{name: ["--features", name] for name in PRESETS},
    **{f"{name}-nolda": ["--features", name, "--task-lda", "off"] for name in PRESETS},
}
"""Known systems: name -> extra options for ``run_train.sh`` and ``run_test.sh``."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")


def default_systems():
    """The systems compared when none are named: all of :data:`SYSTEMS`.

    Returns
    -------
    systems : dict of str to list of str
    """
    return {name: list(options) for name, options in SYSTEMS.items()}


def resolve_systems(*, specs=None):
    """Turn system names or ``NAME=OPTIONS`` specs into a systems dict.

    Parameters
    ----------
    specs : iterable of str or None
        Each is a name from :data:`SYSTEMS`, or ``NAME=OPTIONS`` with options
        split as a shell would (``"paper1000=--features paper --model msd-siamese-1000"``).
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
