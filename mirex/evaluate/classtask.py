"""The classification task: label-stratified, group-filtered folds through the two scripts.

For each fold the task writes a train list (``path<TAB>label``; with
``--train-groups`` ``path<TAB>label<TAB>group`` where the clip has a group)
and a test list (``path``) under ``OUT/folds/foldK/``, calls the scripts with one
scratch folder per system (``OUT/scratch/SYSTEM``, reused across folds),
reads the output list (``OUT/outputs/SYSTEM/foldK.txt``) and matches it to
the test clips by base name; the folds' answers are pooled and scored with
:mod:`~mirex.evaluate.classmetrics`.
"""
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirex.evaluate.classmetrics import Scores, score
from mirex.errors import EvaluationError
from mirex.evaluate.classreport import format_leaderboard, write_report
from mirex.evaluate.dataset import clip_key, load_dataset
from mirex.evaluate.folds import make_folds
from mirex.evaluate.scripts import train_and_test, write_fold_lists
from mirex.evaluate.systems import SYSTEMS
from mirex.listfile import read_list

__all__ = ["SystemResult", "ClassificationTask", "match_outputs"]

log = logging.getLogger(__name__)


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


class ClassificationTask:
    """``--task classify`` (see the module docstring and :mod:`~mirex.evaluate.harness`).

    Parameters
    ----------
    strata : (str, dict), optional
        A column name and :func:`~mirex.evaluate.strata.read_strata`'s map:
        accuracy is also reported by stratum.
    """

    name, suffix, folded, systems = "classify", "", True, SYSTEMS

    def __init__(self, *, strata=None):
        self.strata = strata

    def check(self, *, system):
        """Every system can be run: its options go to ``run_train.sh``."""

    def load(self, *, path):
        """The dataset list (:func:`~mirex.evaluate.dataset.load_dataset`)."""
        return load_dataset(path=path)

    def folds(self, *, dataset, plan):
        """Label-stratified folds with the group as the artist filter."""
        return make_folds(labels=dataset.labels, groups=dataset.groups, n_folds=plan.n_folds, seed=plan.seed)

    def lists(self, *, dataset, fold, plan):
        """Write ``OUT/folds/foldK/{train,test}.txt``; return their paths.

        Raises
        ------
        EvaluationError
            If the train lists are to carry groups (``plan.train_groups``) but
            the dataset has no group column.
        """
        if plan.train_groups and all(g is None for g in dataset.groups):
            raise EvaluationError(f"{dataset.source}: --train-groups needs a third (group) column in the dataset list")
        groups = [[g] if plan.train_groups and g is not None else [] for g in dataset.groups]
        return write_fold_lists(folder=plan.out_dir / "folds" / f"fold{fold.number}",
                                train_rows=[(dataset.paths[i], dataset.labels[i], *groups[i]) for i in fold.train],
                                test_paths=[dataset.paths[i] for i in fold.test])

    def step(self, *, system, fold, n_folds):
        """The progress line of one fold."""
        return (f"{system.name} fold {fold.number}/{n_folds}: train on {len(fold.train)}, "
                f"test on {len(fold.test)} clips")

    def run_fold(self, *, system, dataset, fold, lists, plan):
        """Train and test one fold; return the test clips' answers and the timing."""
        output = plan.out_dir / "outputs" / system.name / f"fold{fold.number}.txt"
        timing = train_and_test(scripts_dir=plan.scripts_dir, scratch=plan.out_dir / "scratch" / system.name,
                                lists=lists, outputs=[output], train_options=system.arguments(), extra=plan.extra)
        return fold, match_outputs(test_paths=[dataset.paths[i] for i in fold.test], output=output), timing

    def collect(self, *, system, dataset, runs):
        """Pool the folds' answers and score them: a :class:`SystemResult`."""
        answers = [None] * len(dataset.paths)
        fold_of = np.zeros(len(dataset.paths), dtype=int)
        for fold, fold_answers, _ in runs:
            for i, answer in zip(fold.test, fold_answers):
                answers[i], fold_of[i] = answer, fold.number
        timings = pd.DataFrame([{"fold": fold.number, **timing} for fold, _, timing in runs]).set_index("fold")
        scores = score(reference=dataset.labels, estimated=answers, folds=fold_of)
        return SystemResult(system.name, system.arguments(), scores, timings, tuple(answers))

    def report(self, *, dataset, plan, results):
        """Write the report (:func:`~mirex.evaluate.classreport.write_report`); return the leaderboard."""
        return write_report(out_dir=plan.out_dir, dataset=dataset, n_folds=plan.n_folds, seed=plan.seed,
                            results=results, strata=self.strata, train_groups=plan.train_groups,
                            command=plan.command)

    @staticmethod
    def format(*, board):
        """The printed leaderboard (:func:`~mirex.evaluate.classreport.format_leaderboard`)."""
        return format_leaderboard(board=board)
