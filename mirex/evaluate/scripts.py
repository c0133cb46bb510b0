"""The graders' path: fold lists on disk and the two shell scripts.

For each fold an evaluation writes a train list (``path<TAB>label``, and
``<TAB>group`` where asked for) and a test list (``path``),
then calls ``run_train.sh SCRATCH TRAINLIST ...`` and
``run_test.sh SCRATCH TESTLIST OUTPUT... ...`` exactly as graders would,
streams their output through and times each call.
"""
import collections
import logging
import subprocess
import time
from pathlib import Path

import mirex
from mirex.errors import EvaluationError
from mirex.listfile import write_list

__all__ = ["project_root", "script_options", "write_fold_lists", "run_script", "train_and_test"]

log = logging.getLogger(__name__)


def project_root():
    """The folder holding ``run_train.sh`` and ``run_test.sh``."""
    return Path(mirex.__file__).resolve().parent.parent


def script_options(*, n_jobs=None, cache_dir=None):
    """The options every script call of an evaluation gets: ``-numThreads N`` and ``--cache DIR``, when set.

    Returns
    -------
    options : list of str
    """
    return [*(["-numThreads", str(n_jobs)] if n_jobs else []), *(["--cache", str(cache_dir)] if cache_dir else [])]


def write_fold_lists(*, folder, train_rows, test_paths):
    """Write a fold's ``train.txt`` and ``test.txt``.

    Parameters
    ----------
    folder : Path
    train_rows : iterable of tuple of str
        ``(path, label)`` or ``(path, label, group)`` rows of the train list.
    test_paths : iterable of str

    Returns
    -------
    train_list, test_list : Path
    """
    folder = Path(folder)
    train_list, test_list = folder / "train.txt", folder / "test.txt"
    write_list(train_list, train_rows)
    write_list(test_list, [(path,) for path in test_paths])
    return train_list, test_list


def run_script(*, script, args):
    """Run one script, streaming its output to stderr, and time it.

    Parameters
    ----------
    script : Path
        The shell script, run with ``bash``.
    args : list of str

    Returns
    -------
    seconds : float
        Wall-clock duration.

    Raises
    ------
    EvaluationError
        If the script is missing or exits with a non-zero status (the message
        ends with its last line of output).
    """
    script = Path(script)
    if not script.is_file():
        raise EvaluationError(f"{script}: no such script")
    tail = collections.deque(maxlen=1)
    start = time.perf_counter()
    with subprocess.Popen(["bash", str(script), *map(str, args)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1) as proc:
        for line in proc.stdout:
            log.info(f"    {line.rstrip()}")
            if line.strip():
                tail.append(line.strip())
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        last = f": {tail[0]}" if tail else ""
        raise EvaluationError(f"{script.name} exited with status {proc.returncode}{last}")
    return seconds


def train_and_test(*, scripts_dir, scratch, lists, outputs, train_options, extra):
    """Train on a fold's train list and label its test list through the two scripts.

    Parameters
    ----------
    scripts_dir : Path
        Where ``run_train.sh`` and ``run_test.sh`` live.
    scratch : Path
        The system's scratch folder (created; reused across folds).
    lists : (Path, Path)
        The fold's train and test list (:func:`write_fold_lists`).
    outputs : list of Path
        What ``run_test.sh`` writes (their folder is created).
    train_options : list of str
        The system's options, for ``run_train.sh`` only (``run_test.sh`` uses
        what the scratch folder records).
    extra : list of str
        Options for both calls (:func:`script_options`).

    Returns
    -------
    timing : dict
        ``train_s`` and ``test_s``: wall-clock seconds of each call.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    outputs[0].parent.mkdir(parents=True, exist_ok=True)
    train_s = run_script(script=scripts_dir / "run_train.sh", args=[scratch, lists[0], *train_options, *extra])
    test_s = run_script(script=scripts_dir / "run_test.sh", args=[scratch, lists[1], *outputs, *extra])
    return {"train_s": train_s, "test_s": test_s}
