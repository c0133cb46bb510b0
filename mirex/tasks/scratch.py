"""Storing the trained model in SCRATCH between the train and test calls: a typed, versioned record.

Every task stores one dataclass deriving from
:class:`~mirex.tasks.record.Record` (:data:`RECORDS`). The file is a ``skops``
archive, not a pickle: loading it creates only the types listed in
:func:`trusted_types` (scikit-learn's own estimators, which skops trusts, and
the project's record classes and their parts), so a record written or swapped
in by someone else cannot run code. Loading checks that the file holds one of
ours, of the current version; a foreign, damaged or stale file, a record of an
earlier version (a pickle, ``classifier.joblib``) included, gives a one-line
:class:`~mirex.errors.ScratchError`, never a traceback.
"""
from pathlib import Path

from mirex.atomic import atomic_path
from mirex.errors import ScratchError
from mirex.tasks import classify, combine, tag
from mirex.tasks.record import Record

__all__ = ["RECORDS", "RECORD_FILE", "PICKLED_RECORD_FILE", "trusted_types", "save_record", "load_record"]

RECORD_FILE = "classifier.skops"
#: Where earlier versions kept a pickled record: reported, never loaded.
PICKLED_RECORD_FILE = "classifier.joblib"
#: The record class of every task.
RECORDS = (classify.ClassifierRecord, combine.IVectorRecord, tag.TagRecord)


def _name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def trusted_types():
    """The types, beyond those skops trusts itself, that a stored record may create: every record class and its parts."""
    return sorted({_name(cls) for record in RECORDS for cls in (record, *record.PARTS)})


def save_record(record, *, scratch):
    """Store ``record`` in ``scratch`` atomically, with its version."""
    import skops.io

    scratch = Path(scratch)
    try:
        scratch.mkdir(parents=True, exist_ok=True)
        with atomic_path(scratch / RECORD_FILE) as tmp:
            Path(tmp).write_bytes(skops.io.dumps({"version": Record.VERSION, "record": record}))
    except OSError as exc:
        raise ScratchError(f"{scratch}: cannot write to scratch folder ({exc.strerror or exc})") from None


def load_record(*, scratch):
    """Load and validate the record stored by :func:`save_record`.

    Raises
    ------
    ScratchError
        If there is none, it cannot be read, holds a type outside
        :func:`trusted_types` and skops's own, or is not a current record of ours.
    """
    import skops.io

    path = Path(scratch) / RECORD_FILE
    if not path.is_file():
        if (Path(scratch) / PICKLED_RECORD_FILE).exists():
            raise ScratchError(f"{Path(scratch) / PICKLED_RECORD_FILE}: a classifier pickled by an earlier version "
                               f"is never loaded (it could run code); run run_train.sh again")
        raise ScratchError(f"{path}: no trained classifier here (run run_train.sh with this scratch folder first)")
    try:
        data = path.read_bytes()
        untrusted = sorted(set(skops.io.get_untrusted_types(data=data)) - set(trusted_types()))
        if untrusted:
            raise ScratchError(f"{path}: holds types that are never loaded ({', '.join(untrusted)}); "
                               f"run run_train.sh again")
        stored = skops.io.loads(data, trusted=trusted_types())
    except ScratchError:
        raise
    except Exception as exc:  # a damaged or foreign file: any reading error
        raise ScratchError(f"{path}: unreadable classifier ({type(exc).__name__}: {exc})".splitlines()[0]
                           + "; run run_train.sh again") from None
    if not (isinstance(stored, dict) and isinstance(stored.get("record"), Record)):
        raise ScratchError(f"{path}: not a classifier written by run_train.sh; run run_train.sh again")
    if stored.get("version") != Record.VERSION:
        raise ScratchError(f"{path}: written by another version of this system (record version "
                           f"{stored.get('version')!r}, expected {Record.VERSION}); run run_train.sh again")
    return stored["record"]
