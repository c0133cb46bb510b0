"""The tag classification task: group-filtered folds through the two scripts.

The dataset list and its folds are :mod:`~mirex.evaluate.tagdata`'s. For
every fold the task writes ``train.txt`` (``path<TAB>tag`` per pair) and
``test.txt`` (paths), and for every system calls
``run_train.sh SCRATCH TRAIN --task tag ...`` and
``run_test.sh SCRATCH TEST AFFINITY BINARY`` and scores both outputs with
:mod:`~mirex.evaluate.tagmetrics` (a missing pair counts 0).
"""
import logging

import pandas as pd

from mirex.evaluate.classmetrics import normalise_label
from mirex.evaluate.dataset import clip_key
from mirex.evaluate.scripts import train_and_test
from mirex.evaluate.systems import FEATURE_SYSTEMS
from mirex.evaluate.tagdata import TagFolding
from mirex.evaluate.tagmetrics import affinity_scores, binary_scores, tag_matrix
from mirex.evaluate.tagreport import TagFold, TagSystemResult, write_tag_report
from mirex.listfile import read_list

__all__ = ["TagTask", "read_tag_output"]

log = logging.getLogger(__name__)


def read_tag_output(*, output, dataset, indices):
    """The (clip x tag) matrix of an output list; lines without a value are skipped with one warning.

    Parameters
    ----------
    output : Path
        ``path<TAB>tag<TAB>value`` lines (AFFINITY or BINARY).
    dataset : TagDataset
    indices : sequence of int
        The clips of the matrix's rows, matched by base name.

    Returns
    -------
    matrix : ndarray, shape (len(indices), len(dataset.vocabulary))
    """
    rows, short = [], 0
    for entry in read_list(output, kind="any"):
        if entry.group is None:
            short += 1
        else:
            rows.append((clip_key(entry.path), normalise_label(entry.label), entry.group))
    if short:
        log.warning("%s: %d line(s) without a value ignored", output, short)
    return tag_matrix(rows=rows, tracks=[clip_key(dataset.paths[i]) for i in indices], tags=dataset.vocabulary,
                      name=str(output))


class TagTask(TagFolding):
    """``--task tag`` (see the module docstring and :mod:`~mirex.evaluate.harness`)."""

    name, suffix, folded, systems = "tag", "-tag", True, FEATURE_SYSTEMS

    def check(self, *, system):
        """Every system can be run: its options go to ``run_train.sh`` after ``--task tag``."""

    def step(self, *, system, fold, n_folds):
        """The progress line of one fold."""
        return f"{system.name} fold {fold.number}/{n_folds}: train on {len(fold.train)}, test on {len(fold.test)}"

    def run_fold(self, *, system, dataset, fold, lists, plan):
        """Train and test one fold and score both outputs: a ``(TagFold, timing)`` pair."""
        affinity, binary = (plan.out_dir / "outputs" / system.name / f"fold{fold.number}.{kind}.txt"
                            for kind in ("affinity", "binary"))
        timing = train_and_test(scripts_dir=plan.scripts_dir, scratch=plan.out_dir / "scratch" / system.name,
                                lists=lists, outputs=[affinity, binary],
                                train_options=["--task", "tag", *system.arguments()], extra=plan.extra)
        truth = dataset.truth(fold.test)
        names = {"tracks": [dataset.paths[i] for i in fold.test], "tags": dataset.vocabulary}
        scores = TagFold(
            fold.number,
            binary_scores(truth=truth, predicted=read_tag_output(output=binary, dataset=dataset, indices=fold.test),
                          **names),
            affinity_scores(truth=truth, affinity=read_tag_output(output=affinity, dataset=dataset,
                                                                  indices=fold.test), **names))
        return scores, {"fold": fold.number, **timing}

    def collect(self, *, system, dataset, runs):
        """A :class:`~mirex.evaluate.tagreport.TagSystemResult` from the folds' scores."""
        return TagSystemResult(system.name, system.arguments(), [scores for scores, _ in runs],
                               pd.DataFrame([timing for _, timing in runs]).set_index("fold"))

    def report(self, *, dataset, plan, results):
        """Write the report (:func:`~mirex.evaluate.tagreport.write_tag_report`); return the leaderboard."""
        return write_tag_report(out_dir=plan.out_dir, dataset=dataset, n_folds=plan.n_folds, seed=plan.seed,
                                results=results, command=plan.command)

    @staticmethod
    def format(*, board):
        """The printed leaderboard."""
        return board.to_string(index=False, float_format="%.4f")
