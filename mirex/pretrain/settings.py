"""The settings of a ``mirex pretrain`` run: defaults, checks, and a resumed run's ``run.json``."""
import hashlib
import json
import math
from pathlib import Path

from mirex.errors import MirexError
from mirex.listfile import list_bytes
from mirex.nets import ARCHS
from mirex.pretrain.objectives import check_objective
from mirex.pretrain.tasks import TASKS

__all__ = ["MODELS", "DEFAULTS", "RESUMABLE", "run_settings"]

MODELS = ("plain", "siamese")
#: Settings a run falls back on; ``epochs`` and ``patience`` may change on --resume, the others may not.
DEFAULTS = {"arch": "dcnn", "task": "artist", "model": "plain", "epochs": 50, "batch_size": 32, "lr": 0.1,
            "patience": 5, "seed": 0, "loss_weights": None, "mixed_precision": False, "loss": "classification",
            "concepts": None}
RESUMABLE = ("epochs", "patience")


def _digest(path):
    """Hex SHA-256 of the list file's bytes (a pipe's are kept for the reader)."""
    try:
        return hashlib.sha256(list_bytes(path)).hexdigest()
    except OSError as exc:
        raise MirexError(f"{path}: cannot read list file ({exc.strerror or exc})") from None


def _check(settings, *, source):
    """Refuse settings no run can have; ``source`` (the options, or a run's run.json) is named in the message."""
    for key, allowed in (("arch", tuple(ARCHS)), ("task", TASKS), ("model", MODELS)):
        if settings[key] not in allowed:
            raise MirexError(f"{source}: {key} must be one of {', '.join(allowed)}, not {settings[key]!r}")
    for key, least in (("epochs", 1), ("batch_size", 1), ("patience", 0), ("seed", 0)):
        value = settings[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise MirexError(f"{source}: {key} must be a whole number of at least {least}, not {value!r}")
    lr = settings["lr"]
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not 0 < lr < math.inf:
        raise MirexError(f"{source}: lr must be a positive number, not {lr!r}")
    if settings["model"] == "siamese" and (settings["arch"], settings["task"]) != ("dcnn", "artist"):
        raise MirexError("the Siamese model trains the dcnn network on artists only")
    if settings["loss_weights"] and settings["task"] != "joint":
        raise MirexError("loss weights are for the joint task's heads")
    check_objective(loss=settings["loss"], concepts=settings["concepts"], task=settings["task"])
    if settings["model"] == "siamese" and (settings["loss"] != "classification" or settings["concepts"]):
        raise MirexError("the Siamese model has its own loss; --loss and --concepts are for the plain model")


def run_settings(work, *, artist_list, resume, asked):
    """A run's settings: new ones, or a resumed run's from its run.json checked against those asked for.

    Parameters
    ----------
    work : Path
        The run's folder (:func:`mirex.pretrain.trainer.training_dir`).
    artist_list : str or Path
        The run's list (a pipe's bytes are kept for its reader: :func:`mirex.listfile.list_bytes`).
    resume : bool
    asked : dict
        Settings given for this call (None: not given).

    Nothing is written here: the run's folder is made only once its list has been read and split.

    Raises
    ------
    MirexError
        If the settings are not valid, or a run cannot be resumed or started in ``work``.
    """
    asked = {k: v for k, v in asked.items() if v is not None}
    run_file = work / "run.json"
    digest = _digest(artist_list)
    if resume:
        if not run_file.is_file():
            raise MirexError(f"{work}: no training run to resume")
        try:
            stored = json.loads(run_file.read_text(encoding="utf-8"))
            if not isinstance(stored, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            raise MirexError(f"{run_file}: unreadable run record ({exc})") from None
        settings = {**DEFAULTS, **stored}
        _check(settings, source=run_file)
        for key, value in asked.items():
            if key not in RESUMABLE and settings[key] != value:
                raise MirexError(f"{run_file}: the run was started with {key}={settings[key]!r}, not {value!r}")
        if settings.get("list_sha256") != digest:
            raise MirexError(f"{artist_list}: changed since the run in {work} started")
        settings.update({k: v for k, v in asked.items() if k in RESUMABLE})
    else:
        if (work / "checkpoint.npz").exists():
            raise MirexError(f"{work}: holds a training run; pass --resume to continue it, or delete it to start over")
        settings = {**DEFAULTS, **asked, "artist_list": str(Path(artist_list).resolve()), "list_sha256": digest}
    _check(settings, source="pretrain")
    return settings
