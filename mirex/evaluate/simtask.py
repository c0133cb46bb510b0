"""The similarity task: one distance matrix per system on the whole dataset, then its statistics.

The dataset list is a classification list (``path<TAB>label[<TAB>group]``,
:func:`~mirex.evaluate.dataset.load_dataset`); there are no folds. The
clips are written to ``OUT/list.txt``; each system's distance matrix is
written by :func:`mirex.protocol.similarity` (what ``mirex similarity``
runs, called with the system's parsed feature spec) to
``OUT/matrices/SYSTEM.txt``, read back the way graders read it, matched to
the clips by base name, and scored with
:func:`~mirex.evaluate.simmetrics.similarity_scores`.
"""
import time

import numpy as np

from mirex.errors import EvaluationError, MirexError
from mirex.evaluate.dataset import clip_key, load_dataset
from mirex.evaluate.folds import Fold
from mirex.evaluate.simmetrics import similarity_scores
from mirex.evaluate.simreport import SimilarityResult, write_similarity_report
from mirex.evaluate.systems import FEATURE_SYSTEMS
from mirex.listfile import write_list
from mirex.tasks.similarity import read_matrix

__all__ = ["SimilarityTask", "aligned_distances"]


def aligned_distances(*, matrix_file, dataset):
    """The distances of a full-format matrix file, rows and columns in the dataset's order.

    Raises
    ------
    EvaluationError
        If a clip of the dataset has no row (matched by base name).
    """
    paths, distances = read_matrix(path=matrix_file)
    row_of = {clip_key(p): i for i, p in enumerate(paths)}
    order = [row_of.get(clip_key(p)) for p in dataset.paths]
    if None in order:
        raise EvaluationError(f"{matrix_file}: {order.count(None)} dataset clip(s) have no row")
    return distances[np.ix_(order, order)]


class SimilarityTask:
    """``--task similarity`` (see the module docstring and :mod:`~mirex.evaluate.harness`)."""

    name, suffix, folded, systems = "similarity", "-similarity", False, FEATURE_SYSTEMS

    def check(self, *, system):
        """Refuse what ``mirex similarity`` does not take: a task-LDA choice or other options.

        Raises
        ------
        EvaluationError
        """
        if system.task_lda is not None or system.options:
            given = ["--task-lda"] * (system.task_lda is not None) + list(system.options)
            raise EvaluationError(f"system {system.name!r}: the similarity task takes --features and --model "
                                  f"only, not {' '.join(given)}")

    def load(self, *, path):
        """The dataset list (:func:`~mirex.evaluate.dataset.load_dataset`)."""
        return load_dataset(path=path)

    def folds(self, *, dataset, plan):
        """No folds: one step that takes every clip."""
        return [Fold(1, np.array([], dtype=int), np.arange(len(dataset.paths)))]

    def lists(self, *, dataset, fold, plan):
        """Write ``OUT/list.txt``, the paths of the clips; return its path."""
        list_file = plan.out_dir / "list.txt"
        write_list(list_file, [(dataset.paths[i],) for i in fold.test])
        return list_file

    def step(self, *, system, fold, n_folds):
        """The progress line of one system."""
        return f"{system.name}: distance matrix of {len(fold.test)} clips"

    def run_fold(self, *, system, dataset, fold, lists, plan):
        """Write the system's distance matrix and score it: a :class:`~mirex.evaluate.simreport.SimilarityResult`."""
        from mirex.protocol import similarity

        matrix = plan.out_dir / "matrices" / f"{system.name}.txt"
        start = time.perf_counter()
        try:
            similarity(list_file=lists, out=matrix, spec=system.feature_spec, n_jobs=plan.n_jobs,
                       cache_dir=plan.cache_dir, progress=False)
        except MirexError as exc:
            raise EvaluationError(f"mirex similarity failed: {exc}") from None
        seconds = time.perf_counter() - start
        scores = similarity_scores(distances=aligned_distances(matrix_file=matrix, dataset=dataset),
                                   labels=dataset.labels, groups=dataset.groups, seed=plan.seed)
        return SimilarityResult(system.name, system.arguments(), scores, seconds)

    def collect(self, *, system, dataset, runs):
        """The one step's result."""
        return runs[0]

    def report(self, *, dataset, plan, results):
        """Write the report (:func:`~mirex.evaluate.simreport.write_similarity_report`); return the leaderboard."""
        return write_similarity_report(out_dir=plan.out_dir, dataset=dataset, results=results,
                                       command=plan.command)

    @staticmethod
    def format(*, board):
        """The printed leaderboard."""
        return board.to_string(index=False, float_format="%.4f")
