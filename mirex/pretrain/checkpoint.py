"""Resumable training state: checkpoints, early stopping and the learning-rate schedule.

A checkpoint is one ``.npz`` file written atomically after every epoch. It
holds every variable of the training model (weights, batch-norm statistics
and the dropout layers' random-seed state), every optimizer variable
(iteration count, momenta) and a JSON record of the run's progress: the next
epoch, the learning rate, the best validation loss, the early-stopping and
plateau counters and the history. Together with the per-epoch data seed of
:class:`~mirex.pretrain.batches.Batches`, a run resumed from it continues as
the uninterrupted run would have.
"""
import json
import math
import time

import keras
import numpy as np

from mirex.atomic import atomic_path
from mirex.log import logger

__all__ = ["Progress", "EpochLog", "save_variables", "load_variables"]


def save_variables(path, *, model, optimizer=None, state=None):
    """Write the model's (and optimizer's) variables and a JSON state to ``path`` atomically."""
    arrays = {f"model/{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(model.variables)}
    if optimizer is not None:
        arrays.update({f"optimizer/{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(optimizer.variables)})
    if state is not None:
        arrays["state"] = np.array(json.dumps(state))
    with atomic_path(path, suffix=".npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)


def load_variables(path, *, model, optimizer=None):
    """Assign the variables stored by :func:`save_variables`; returns the JSON state (or None).

    The optimizer must be built (``optimizer.build(model.trainable_variables)``).
    """
    with np.load(path, allow_pickle=False) as stored:
        for prefix, variables in (("model", model.variables), ("optimizer", optimizer.variables if optimizer else [])):
            for i, variable in enumerate(variables):
                variable.assign(stored[f"{prefix}/{i}"])
        return json.loads(str(stored["state"])) if "state" in stored else None


class Progress(keras.callbacks.Callback):
    """Early stopping on validation loss, plateau learning-rate decay, and a checkpoint every epoch.

    Parameters
    ----------
    checkpoint, best : Path
        The checkpoint file, and the file holding the variables of the best
        epoch so far (by validation loss).
    patience : int
        Epochs without a better validation loss before training stops.
    lr_patience : int
        Epochs without improvement before the learning rate is multiplied by ``lr_factor``.
    lr_factor : float
    state : dict, optional
        A resumed run's state (from the checkpoint); a new run starts empty.
    """

    def __init__(self, *, checkpoint, best, patience, lr_patience, lr_factor=0.2, state=None):
        super().__init__()
        self.checkpoint, self.best = checkpoint, best
        self.patience, self.lr_patience, self.lr_factor = patience, lr_patience, lr_factor
        self.state = state or {"epoch": 0, "best_loss": None, "best_epoch": None, "wait": 0, "lr_wait": 0,
                               "stopped": False, "history": []}

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        logs["seconds"] = time.perf_counter() - self._started
        state, optimizer = self.state, self.model.optimizer
        logs["lr"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        state["history"].append({"epoch": epoch + 1, **logs})
        loss = logs.get("val_loss", math.nan)
        if math.isfinite(loss) and (state["best_loss"] is None or loss < state["best_loss"]):
            state.update(best_loss=loss, best_epoch=epoch + 1, wait=0, lr_wait=0)
            save_variables(self.best, model=self.model)
        else:
            state["wait"] += 1
            state["lr_wait"] += 1
            if state["lr_wait"] >= self.lr_patience:
                optimizer.learning_rate = logs["lr"] * self.lr_factor
                state["lr_wait"] = 0
        state["epoch"] = epoch + 1
        state["stopped"] = state["wait"] >= self.patience
        self.model.stop_training = state["stopped"]
        save_variables(self.checkpoint, model=self.model, optimizer=optimizer, state=state)


class EpochLog(keras.callbacks.Callback):
    """One plain line per epoch on the ``mirex`` logger (for logs, where no progress bar is drawn).

    Parameters
    ----------
    epochs : int
        The last epoch of the run.
    """

    def __init__(self, *, epochs):
        super().__init__()
        self.epochs = epochs

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        values = "".join(f", {name} {float(value):.4g}" for name, value in (logs or {}).items())
        logger.info(f"epoch {epoch + 1}/{self.epochs}: {time.perf_counter() - self._started:.1f} s{values}")
