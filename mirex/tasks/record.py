"""The trained model kept in SCRATCH between the train and test calls: a typed, versioned record.

Every task stores one dataclass deriving from :class:`Record`. Loading checks
that the file holds one of ours, of the current version, so a foreign or
stale file gives a one-line :class:`~mirex.errors.ScratchError`, never a
traceback or a half-understood model.
"""
from dataclasses import dataclass
from pathlib import Path

from mirex.atomic import atomic_path
from mirex.errors import ScratchError

__all__ = ["Record", "RECORD_FILE", "save_record", "load_record"]

RECORD_FILE = "classifier.joblib"


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

    #: Bumped whenever a record's fields change meaning; older files must be retrained.
    VERSION = 2
    TASK = None

    spec: str
    fingerprint: str
    n_train: int
    skipped: int

    @property
    def task(self):
        """The task's name ('classify', 'tag', ...)."""
        return self.TASK


def save_record(record, *, scratch):
    """Store ``record`` in ``scratch`` atomically, with its version."""
    import joblib

    scratch = Path(scratch)
    try:
        scratch.mkdir(parents=True, exist_ok=True)
        with atomic_path(scratch / RECORD_FILE) as tmp:
            joblib.dump({"version": Record.VERSION, "record": record}, tmp)
    except OSError as exc:
        raise ScratchError(f"{scratch}: cannot write to scratch folder ({exc.strerror or exc})") from None


def load_record(*, scratch):
    """Load and validate the record stored by :func:`save_record`.

    Raises
    ------
    ScratchError
        If there is none, it cannot be read, or it is not a current record of ours.
    """
    import joblib

    path = Path(scratch) / RECORD_FILE
    if not path.is_file():
        raise ScratchError(f"{path}: no trained classifier here (run run_train.sh with this scratch folder first)")
    try:
        stored = joblib.load(path)
    except Exception as exc:  # a damaged or foreign file: any unpickling error
        raise ScratchError(f"{path}: unreadable classifier ({type(exc).__name__}: {exc})".splitlines()[0]) from None
    if not (isinstance(stored, dict) and isinstance(stored.get("record"), Record)):
        raise ScratchError(f"{path}: not a classifier written by run_train.sh; run run_train.sh again")
    if stored.get("version") != Record.VERSION:
        raise ScratchError(f"{path}: written by another version of this system (record version "
                           f"{stored.get('version')!r}, expected {Record.VERSION}); run run_train.sh again")
    return stored["record"]
