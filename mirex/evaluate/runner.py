"""Running systems through the graders' path: the two shell scripts, fold by fold.

For each fold the runner writes a train list (``path<TAB>label``) and a test
list (``path``), calls ``run_train.sh SCRATCH TRAINLIST ...`` and
``run_test.sh SCRATCH TESTLIST OUTPUT ...`` exactly as graders would, streams
their output through, times each call, reads the output list and matches it
to the test clips by base name.
"""
import collections
import logging
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import mirex
from mirex.evaluate.dataset import clip_key
from mirex.errors import EvaluationError
from mirex.evaluate.metrics import Scores, score
from mirex.listfile import read_list, write_list

__all__ = ["SystemResult", "project_root", "write_fold_lists", "run_script", "match_outputs", "run_system"]

log = logging.getLogger(__name__)


def project_root():
    """The folder holding ``run_train.sh`` and ``run_test.sh``."""
    return Path(mirex.__file__).resolve().parent.parent


@dataclass(frozen=True)
class SystemResult:
    """One system's outcome on a dataset.

    Attributes
    ----------
    name : str
    options : list of str
        The extra script options that define the system.
    scores : Scores
    timings : DataFrame
        Index ``fold``; columns ``train_s`` and ``test_s`` (wall-clock seconds
        of each script call, feature extraction included).
    answers : tuple of str or None
        The label output for each clip of the dataset (None: no answer).
    """

    name: str
    options: list
    scores: Scores
    timings: pd.DataFrame
    answers: tuple = ()


def write_fold_lists(*, dataset, fold, folder):
    """Write a fold's train and test lists.

    Parameters
    ----------
    dataset : Dataset
    fold : Fold
    folder : Path
        Receives ``train.txt`` and ``test.txt``.

    Returns
    -------
    train_list, test_list : Path
    """
    folder = Path(folder)
    train_list, test_list = folder / "train.txt", folder / "test.txt"
    write_list(train_list, [(dataset.paths[i], dataset.labels[i]) for i in fold.train])
    write_list(test_list, [(dataset.paths[i],) for i in fold.test])
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


def match_outputs(*, test_paths, output):
    """Read an output list and give each test clip its answer.

    Lines are matched to clips by :func:`~mirex.evaluate.dataset.clip_key`;
    the first line for a clip wins. A clip without a line, or whose line has
    no label, gets ``None`` (counted as wrong) and one warning is logged.

    Parameters
    ----------
    test_paths : sequence of str
    output : Path
        The list written by ``run_test.sh``.

    Returns
    -------
    answers : list of str or None
        Aligned with ``test_paths``.

    Raises
    ------
    ListFileError
        If the output is missing, unreadable or empty.
    """
    answers = {}
    unmatched = []
    wanted = {clip_key(p) for p in test_paths}
    for entry in read_list(output, kind="any"):
        key = clip_key(entry.path)
        if key not in wanted:
            unmatched.append(entry.line)
        elif entry.label is not None:
            answers.setdefault(key, entry.label)
    result = [answers.get(clip_key(p)) for p in test_paths]
    if None in result:
        log.warning("%s: %d of %d test clips have no answer; counted as wrong", output, result.count(None),
                    len(result))
    if unmatched:
        log.warning("%s: %d line(s) match no test clip (first: line %d)", output, len(unmatched), unmatched[0])
    return result


def run_system(*, name, options, dataset, folds, fold_lists, out_dir, scripts_dir=None, n_jobs=None,
               cache_dir=None, progress=None):
    """Train and test one system on every fold and score it.

    Parameters
    ----------
    name : str
        The system's name; its scratch folder is ``out_dir/scratch/NAME``
        (reused across folds) and its outputs ``out_dir/outputs/NAME/foldK.txt``.
    options : list of str
        Extra options for ``run_train.sh`` (``run_test.sh`` uses the system
        the scratch folder records).
    dataset : Dataset
    folds : list of Fold
    fold_lists : list of (Path, Path)
        The train and test list of each fold (:func:`write_fold_lists`).
    out_dir : Path
    scripts_dir : Path, optional
        Where ``run_train.sh`` and ``run_test.sh`` live; default :func:`project_root`.
    n_jobs : int, optional
        Passed as ``-numThreads N``.
    cache_dir : Path, optional
        Passed as ``--cache DIR`` so features are extracted once for all folds.
    progress : callable, optional
        Called with a one-line message before each fold.

    Returns
    -------
    SystemResult
    """
    scripts_dir = Path(scripts_dir) if scripts_dir else project_root()
    scratch = Path(out_dir) / "scratch" / name
    scratch.mkdir(parents=True, exist_ok=True)
    extra = [*(["-numThreads", str(n_jobs)] if n_jobs else []), *(["--cache", str(cache_dir)] if cache_dir else [])]
    answers = [None] * len(dataset.paths)
    fold_of = np.zeros(len(dataset.paths), dtype=int)
    timings = []
    for fold, (train_list, test_list) in zip(folds, fold_lists):
        if progress:
            progress(f"{name} fold {fold.number}/{len(folds)}: train on {len(fold.train)}, "
                     f"test on {len(fold.test)} clips")
        output = Path(out_dir) / "outputs" / name / f"fold{fold.number}.txt"
        output.parent.mkdir(parents=True, exist_ok=True)
        try:
            train_s = run_script(script=scripts_dir / "run_train.sh", args=[scratch, train_list, *options, *extra])
            test_s = run_script(script=scripts_dir / "run_test.sh", args=[scratch, test_list, output, *extra])
        except EvaluationError as exc:
            raise EvaluationError(f"system {name!r}, fold {fold.number}: {exc}") from None
        for i, answer in zip(fold.test, match_outputs(test_paths=[dataset.paths[i] for i in fold.test],
                                                      output=output)):
            answers[i], fold_of[i] = answer, fold.number
        timings.append({"fold": fold.number, "train_s": train_s, "test_s": test_s})
    scores = score(reference=dataset.labels, estimated=answers, folds=fold_of)
    return SystemResult(name, list(options), scores, pd.DataFrame(timings).set_index("fold"), tuple(answers))
