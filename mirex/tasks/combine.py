"""The classifiers of a ``+ivector`` system: the i-vector fitted on the training list, combined two ways.

``run_train.sh`` fits the i-vector system (:func:`mirex.ivector.fit_ivector_system`:
UBM, total-variability matrix, mean) on the training clips' frames, then
combines the length-normalised i-vectors with the system's other features
(network, timbre statistics) as the 2018 artist-recognition hybrid does, one
of two ways (``--ivector-combine``). Either way the classifier that sees the
i-vector starts with its LDA and WCCN (:class:`mirex.ivector.BackEnd`), fitted
on the training labels inside the classifier's pipeline, so that every inner
fold refits them without its held-out clips:

``concat`` (the default)
    The i-vector is appended to the other features, and one classifier
    (:func:`mirex.tasks.classify.fit`) learns them all.
``fusion``
    One classifier learns the other features, another the i-vectors; a
    clip's label is the class with the highest mean of the two classifiers'
    class scores. A class score is the mean one-vs-one SVM decision value
    in the class's favour: each SVM's decision values are in units of its own
    margin (its support vectors at +-1), so the two are on one scale.

The record (:class:`IVectorRecord`) keeps the fitted i-vector system as plain
arrays (:meth:`mirex.ivector.IVectorSystem.arrays`) beside the classifiers.
"""
from dataclasses import dataclass, field

import numpy as np

from mirex.errors import DataError
from mirex.ivector import BackEnd, IVectorSettings, IVectorSystem, fit_ivector_system
from mirex.tasks import classify
from mirex.tasks.record import Record

__all__ = ["IVectorOptions", "IVectorRecord", "COMBINES", "fit", "check", "class_scores", "add_arguments",
           "options_from"]

#: --ivector-combine: one classifier on the concatenation, or one per part with their scores averaged.
COMBINES = ("concat", "fusion")


@dataclass(frozen=True)
class IVectorOptions:
    """How ``run_train.sh`` fits and combines the i-vector.

    Attributes
    ----------
    settings : mirex.ivector.IVectorSettings
        The UBM's components and the i-vectors' rank (``--ivector-components``, ``--ivector-rank``).
    combine : {'concat', 'fusion'}
        ``--ivector-combine``.
    """

    settings: IVectorSettings = field(default_factory=IVectorSettings)
    combine: str = "concat"

    def __post_init__(self):
        if self.combine not in COMBINES:
            raise ValueError(f"combine must be one of {COMBINES}, not {self.combine!r}")


@dataclass
class IVectorRecord(Record):
    """A trained ``+ivector`` system: the i-vector system and one or two classifiers.

    Attributes
    ----------
    ivector : dict of str to np.ndarray
        The fitted i-vector system (:meth:`mirex.ivector.IVectorSystem.arrays`):
        ``ubm_weights`` (C,), ``ubm_means`` and ``ubm_variances`` (C, 60),
        ``matrix`` (C, 60, R), ``mean`` (R,).
    combine : {'concat', 'fusion'}
    classifiers : list of mirex.tasks.classify.ClassifierRecord
        ``concat``: one, on the song feature with the i-vector appended;
        ``fusion``: one on the other features, one on the i-vector.
    labels : list of str
    majority : str
    """

    TASK = "classify"
    PARTS = (classify.ClassifierRecord, *classify.ClassifierRecord.PARTS, BackEnd)

    ivector: dict
    combine: str
    classifiers: list
    labels: list
    majority: str

    @property
    def system(self):
        """The fitted :class:`~mirex.ivector.IVectorSystem`."""
        return IVectorSystem.from_arrays(self.ivector)

    def predict(self, features):
        """Labels of song features that end with the i-vector, shape (n,)."""
        if self.combine == "concat":
            return self.classifiers[0].predict(features)
        split = features.shape[1] - self.system.dim
        scores = sum(class_scores(c.estimator.decision_function(x), len(self.labels))
                     for c, x in zip(self.classifiers, (features[:, :split], features[:, split:])))
        return np.asarray(self.labels, dtype=object)[scores.argmax(axis=1)]

    def describe(self):
        """The i-vector's size and each classifier's settings in one line."""
        sizes = f"i-vector of {self.ivector['ubm_weights'].shape[0]} Gaussians, {self.system.dim}-d"
        parts = ("",) if self.combine == "concat" else ("other features: ", "i-vector: ")
        return f"{sizes}, {self.combine}; " + "; ".join(p + c.describe() for p, c in zip(parts, self.classifiers))


def class_scores(decision, k):
    """Each class's mean one-vs-one decision value in its favour, shape (n, k).

    ``decision`` is an SVC's ``decision_function`` with
    ``decision_function_shape='ovo'``: columns are the pairs ``(i, j)``,
    ``i < j``, positive for class ``i`` (for two classes, one column positive
    for class 1).
    """
    decision = np.asarray(decision, dtype=np.float64).reshape(len(decision), -1)
    if k == 2:
        decision = -decision
    first, second = np.triu_indices(k, 1)
    signs = np.zeros((len(first), k))
    signs[np.arange(len(first)), first], signs[np.arange(len(first)), second] = 1.0, -1.0
    return decision @ signs / (k - 1)


def fit(features, labels, *, frames, groups=None, options=IVectorOptions(), task_lda="auto", n_jobs=1, spec="",
        fingerprint=""):
    """Fit the i-vector system on the training frames, then the classifier(s).

    Parameters
    ----------
    features : np.ndarray, shape (n, d)
        The training clips' other features (d = 0 for the i-vector alone).
    labels : sequence of str
    frames : sequence of np.ndarray, each (frames, 60)
        The training clips' frames, in the order of ``features``; each is
        read twice, one at a time (:func:`mirex.ivector.fit_ivector_system`).
    groups, task_lda, n_jobs, spec, fingerprint
        As for :func:`mirex.tasks.classify.fit`.
    options : IVectorOptions

    Returns
    -------
    IVectorRecord

    Raises
    ------
    DataError
        With fewer than two labels, or ``fusion`` with no other features.
    """
    check(options, other_features=bool(features.shape[1]))
    system, ivectors = fit_ivector_system(frames, settings=options.settings)
    back_end = BackEnd(width=system.dim)
    parts = [(np.hstack([features, ivectors]), back_end)] if options.combine == "concat" else [
        (features, None), (ivectors, back_end)]
    classifiers = [classify.fit(x, labels, groups=groups, task_lda=task_lda, front=front, n_jobs=n_jobs, spec=spec,
                                fingerprint=fingerprint) for x, front in parts]
    first = classifiers[0]
    return IVectorRecord(spec=spec, fingerprint=fingerprint, n_train=first.n_train, skipped=0,
                         ivector=system.arrays(), combine=options.combine, classifiers=classifiers,
                         labels=first.labels, majority=first.majority)


def check(options, *, other_features):
    """Refuse what cannot be fitted, before any feature is computed.

    Raises
    ------
    DataError
        For ``fusion`` without features besides the i-vector.
    """
    if options.combine == "fusion" and not other_features:
        raise DataError("--ivector-combine fusion needs features besides the i-vector (a network or +mfcc)")


def add_arguments(parser):
    """Add ``--ivector-components``, ``--ivector-rank`` and ``--ivector-combine`` to an argparse parser."""
    from mirex.extract import positive_int

    defaults = IVectorSettings()
    parser.add_argument("--ivector-components", type=positive_int, metavar="C",
                        help=f"+ivector systems: Gaussians of the background model (default: {defaults.components})")
    parser.add_argument("--ivector-rank", type=positive_int, metavar="R",
                        help="+ivector systems: dimension of the i-vector before its LDA (default: a quarter of the "
                             f"training clips, at most {defaults.MAX_RANK})")
    parser.add_argument("--ivector-combine", choices=COMBINES,
                        help="+ivector systems: one classifier on the features with the i-vector appended "
                             "(concat, the default), or one on each with their class scores averaged (fusion)")


def options_from(args):
    """The :class:`IVectorOptions` of parsed arguments, or None when none of them was given."""
    given = {k: v for k, v in (("components", args.ivector_components), ("rank", args.ivector_rank)) if v is not None}
    if not given and args.ivector_combine is None:
        return None
    return IVectorOptions(IVectorSettings(**given), args.ivector_combine or "concat")
