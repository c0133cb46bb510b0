"""The systems an evaluation compares.

A system is the same classifier behind the same two scripts, run with extra
command-line options that choose its features and classifier settings: by
default every feature preset with the task LDA left to the inner
cross-validation (the scripts' default), each again without the task
LDA (``NAME-nolda``), which shows where it changes the result, and the
i-vector hybrid with score fusion (``hybrid-ivector-fusion``) beside its
concatenation (the ``hybrid-ivector`` preset). The i-vector systems are
classifiers fitted on the training list, so they name the scripts' default
``--task-lda auto`` explicitly: the tag and similarity tasks, which compare
the systems without a task-LDA choice, leave them out. Pass
``NAME=OPTIONS`` on the command line for any other.

Options are parsed once, into a :class:`System`: its feature spec (with
``--model`` folded in), its task-LDA choice and whatever other options it
passes through to the scripts.
"""
import re
import shlex
from dataclasses import dataclass

from mirex.errors import EvaluationError, MirexError
from mirex.features import DEFAULT_PRESET, PRESETS, FeatureSpec
from mirex.tasks.classify import TASK_LDA

__all__ = ["System", "SYSTEMS", "FEATURE_SYSTEMS", "default_systems", "resolve_systems"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
_VALUED = ("--features", "--model", "--task-lda")


def _check_name(name):
    if not _NAME.fullmatch(name):
        raise EvaluationError(f"system name {name!r}: use letters, digits and _.+- only")


@dataclass(frozen=True)
class System:
    """One system: a name, its features and classifier settings.

    Attributes
    ----------
    name : str
        Letters, digits and ``_.+-``; names its scratch folder and outputs.
    spec : str or None
        The feature spec's text form or a preset name (``--features``, with
        ``--model`` folded in); None: the scripts' default.
    task_lda : {'auto', 'on', 'off'} or None
        ``--task-lda``; None: the scripts' default.
    options : tuple of str
        Any other options, passed through to ``run_train.sh``.
    """

    name: str
    spec: str | None = None
    task_lda: str | None = None
    options: tuple = ()

    @classmethod
    def parse(cls, *, name, options):
        """A system from its name and its ``run_train.sh`` options.

        Parameters
        ----------
        name : str
        options : sequence of str
            ``--features SPEC``, ``--model NAME`` and ``--task-lda CHOICE``
            (also as ``--option=VALUE``) are read; the rest is kept in order.

        Raises
        ------
        EvaluationError
            For a malformed name, an option without its value, a feature spec
            that does not parse or an unknown task-LDA choice.
        """
        _check_name(name)
        values, rest, tokens = {}, [], list(options)
        while tokens:
            token = tokens.pop(0)
            option, eq, value = token.partition("=")
            if option not in _VALUED:
                rest.append(token)
                continue
            if not eq:
                if not tokens:
                    raise EvaluationError(f"system {name!r}: {option} needs a value")
                value = tokens.pop(0)
            values[option] = value
        features, model, task_lda = (values.get(option) for option in _VALUED)
        try:
            spec = FeatureSpec.parse(features or DEFAULT_PRESET)
        except MirexError as exc:
            raise EvaluationError(f"system {name!r}: {exc}") from None
        if model:
            features = str(spec.with_bundle(model))
        if task_lda is not None and task_lda not in TASK_LDA:
            raise EvaluationError(f"system {name!r}: --task-lda takes {', '.join(TASK_LDA)}, not {task_lda!r}")
        return cls(name, features, task_lda, tuple(rest))

    @property
    def feature_spec(self):
        """The :class:`~mirex.features.FeatureSpec` of the system (the default preset when none is named)."""
        return FeatureSpec.parse(self.spec or DEFAULT_PRESET)

    def arguments(self):
        """The system's options for ``run_train.sh``, as a list of strings."""
        return [*(["--features", self.spec] if self.spec else []),
                *(["--task-lda", self.task_lda] if self.task_lda else []), *self.options]


SYSTEMS = {
    **{name: System(name, name, "auto" if spec.ivector else None) for name, spec in PRESETS.items()},
    **{f"{name}-nolda": System(f"{name}-nolda", name, "off") for name in PRESETS},
    "hybrid-ivector-fusion": System("hybrid-ivector-fusion", "hybrid-ivector", "auto", ("--ivector-combine", "fusion")),
}
"""Known systems by name: every preset, each again with ``--task-lda off``, and the i-vector hybrid's score fusion."""
FEATURE_SYSTEMS = {name: system for name, system in SYSTEMS.items() if system.task_lda is None}
"""The systems that differ by their features alone (the task LDA is the classifier's): every preset but the
i-vector ones, whose i-vector is fitted by ``run_train.sh``."""


def default_systems():
    """The systems compared when none are named: all of :data:`SYSTEMS`.

    Returns
    -------
    systems : dict of str to System
    """
    return dict(SYSTEMS)


def resolve_systems(*, specs=None, known=None):
    """Turn system names, ``NAME=OPTIONS`` specs or a name-to-options map into systems.

    Parameters
    ----------
    specs : iterable of str, or dict of str to list of str, or None
        Each string is a name from :data:`SYSTEMS`, or ``NAME=OPTIONS`` with
        options split as a shell would (``"paper1000=--features paper --model msd-siamese-1000"``).
        A spec may hold several comma-separated names. A dict maps names to
        options. ``None`` or empty gives every known system.
    known : dict of str to System, optional
        The systems that can be named (a task's); default :data:`SYSTEMS`.

    Returns
    -------
    systems : dict of str to System
        In the order given.

    Raises
    ------
    EvaluationError
        For an unknown name, a malformed name or options, or a name given twice.
    """
    known = SYSTEMS if known is None else known
    if not specs:
        return dict(known)
    if isinstance(specs, dict):
        return {name: System.parse(name=name, options=options) for name, options in specs.items()}
    systems = {}
    for spec in specs:
        if "=" in spec:
            name, options = spec.split("=", 1)
            items = [(name.strip(), shlex.split(options))]
        else:
            items = [(name.strip(), None) for name in spec.split(",") if name.strip()]
        for name, options in items:
            if options is not None:
                system = System.parse(name=name, options=options)
            elif name in known:
                system = known[name]
            else:
                _check_name(name)
                raise EvaluationError(f"unknown system {name!r} (known: {', '.join(known)}; or use NAME=OPTIONS)")
            if name in systems:
                raise EvaluationError(f"system {name!r} named twice")
            systems[name] = system
    return systems
