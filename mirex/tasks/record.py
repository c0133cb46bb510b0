"""The fields every task's record has: the trained model kept in SCRATCH between the train and test calls.

Every task stores one dataclass deriving from :class:`Record`;
:mod:`mirex.tasks.scratch` stores and loads it.
"""
from dataclasses import dataclass

__all__ = ["Record"]


@dataclass
class Record:
    """Fields every task's record has.

    Attributes
    ----------
    spec : str
        The feature system, in :class:`~mirex.features.FeatureSpec` text form.
    fingerprint : str
        The extractor's fingerprint at training time (the bundle's weights and front end).
    n_train, skipped : int
        Training files used, and those that could not be decoded.
    """

    #: Bumped whenever a record's fields or format change meaning; older files must be retrained.
    VERSION = 5
    TASK = None
    #: The project's classes, besides the record itself, that a stored record of this task holds.
    PARTS = ()

    spec: str
    fingerprint: str
    n_train: int
    skipped: int

    @property
    def task(self):
        """The task's name ('classify', 'tag', ...)."""
        return self.TASK

    @property
    def on_segments(self):
        """Whether the model was trained on segment rows, so that testing needs them too."""
        return False
