"""The one driver of ``mirex evaluate``: every task, every system, every fold.

An evaluation reads a dataset list, makes folds, runs each system on each
fold and reports. What differs between tasks is held by a task object
(:class:`~mirex.evaluate.classtask.ClassificationTask`,
:class:`~mirex.evaluate.tagtask.TagTask`,
:class:`~mirex.evaluate.simtask.SimilarityTask`,
:class:`~mirex.evaluate.metrictask.MetricTask`), which provides:

``name``, ``suffix``, ``folded``, ``systems``
    Its ``--task`` name, the default results folder's suffix, whether it
    has folds (similarity scores the whole list at once) and the systems
    it knows by name (its default ones).
``check(system=)``
    Refuses a system the task cannot run, before anything runs.
``load(path=)``, ``folds(dataset=, plan=)``, ``lists(dataset=, fold=, plan=)``
    Its dataset list, its folds (group filter included) and each fold's
    lists on disk.
``step(system=, fold=, n_folds=)``, ``run_fold(system=, dataset=, fold=, lists=, plan=)``
    A progress line, and one fold of one system through the scripts (or
    ``mirex similarity``).
``collect(system=, dataset=, runs=)``, ``report(dataset=, plan=, results=)``, ``format(board=)``
    A system's result from its folds, the report files (tables, figures,
    ``summary.md`` and ``report.html``) and the printed leaderboard.

The driver holds what they share: systems parsed once, the default results
folder, the progress counter and the one place where a failure is tied to
its system and fold.
"""
import itertools
import shlex
from dataclasses import dataclass
from pathlib import Path

from mirex.errors import EvaluationError, MirexError
from mirex.evaluate.classtask import ClassificationTask
from mirex.evaluate.metrictask import MetricTask
from mirex.evaluate.scripts import project_root, script_options
from mirex.evaluate.simtask import SimilarityTask
from mirex.evaluate.strata import read_strata
from mirex.evaluate.systems import resolve_systems
from mirex.evaluate.tagtask import TagTask
from mirex.log import logger

__all__ = ["TASKS", "Plan", "run_evaluation"]

TASKS = {"classify": ClassificationTask, "tag": TagTask, "similarity": SimilarityTask, "metric": MetricTask}
"""The tasks by ``--task`` name."""


@dataclass(frozen=True)
class Plan:
    """How one evaluation runs: what every task's steps read.

    Attributes
    ----------
    out_dir : Path
    n_folds, seed : int
    scripts_dir, cache_dir : Path
    n_jobs : int or None
    train_groups : bool
        Whether the fold's train lists carry the dataset's group column.
    command : str
        The ``mirex evaluate`` command that runs this evaluation again.
    """

    out_dir: Path
    n_folds: int
    seed: int
    scripts_dir: Path
    cache_dir: Path
    n_jobs: int | None
    train_groups: bool
    command: str

    @property
    def extra(self):
        """Options for every script call (:func:`~mirex.evaluate.scripts.script_options`)."""
        return script_options(n_jobs=self.n_jobs, cache_dir=self.cache_dir)


def _progress(message):
    logger.info(f"evaluate: {message}")


def _command(*, dataset_list, task, systems, known, n_folds, seed, out_dir, cache_dir, n_jobs, strata, train_groups,
             task_words):
    """The ``mirex evaluate`` command line with every setting spelled out."""
    words = ["mirex", "evaluate", str(dataset_list), "--task", task, "--systems"]
    words += [name if known.get(name) == system else f"{name}={shlex.join(system.arguments())}"
              for name, system in systems.items()]
    words += ["--folds", str(n_folds), "--seed", str(seed), "--out", str(out_dir), "--cache", str(cache_dir)]
    words += ["-numThreads", str(n_jobs)] if n_jobs else []
    words += ["--strata", str(strata[0]), strata[1]] if strata else []
    words += ["--train-groups"] if train_groups else []
    return shlex.join(words + task_words)


def _runner(*, task, strata, train_groups, metric):
    """The task object, given the classification task's settings and the metric task's."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {tuple(TASKS)}, not {task!r}")
    if task != "classify" and strata is not None:
        raise EvaluationError("--strata reports accuracy by stratum: it applies to --task classify only")
    if task != "classify" and train_groups:
        raise EvaluationError("--train-groups is for the classifier's inner folds: it applies to --task classify "
                              "only")
    if task != "metric" and any(v is not None for v in metric.values()):
        raise EvaluationError("--concepts, --epochs, --dim, --triplets and --neighbours apply to --task metric only")
    if strata is not None:
        return ClassificationTask(strata=(strata[1], read_strata(path=strata[0], column=strata[1])))
    return MetricTask(**metric) if task == "metric" else TASKS[task]()


def run_evaluation(*, dataset_list, systems=None, folds=3, out_dir=None, n_jobs=None, cache_dir=None, seed=0,
                   scripts_dir=None, strata=None, task="classify", train_groups=False, concepts=None, **metric):
    """Run systems on a dataset, fold by fold, and write the report.

    Parameters
    ----------
    dataset_list : str or Path
        ``path<TAB>label[<TAB>group]`` per line; the group is the artist filter.
        For ``task='tag'``, one ``path<TAB>tag[<TAB>group]`` line per (clip,
        tag) pair (:mod:`~mirex.evaluate.tagdata`).
    systems : iterable of str, or dict of str to list of str, optional
        For :func:`~mirex.evaluate.systems.resolve_systems`; default: every
        system the task knows (its ``systems``: without the task-LDA ones
        for the tag and similarity tasks, the metric task's own otherwise).
    folds : int
        Number of cross-validation folds (unused by the similarity task).
    out_dir : str or Path, optional
        Results folder; default ``results/DATASET`` (the list's name without
        extension; ``-tag`` or ``-similarity`` appended for those tasks) under
        the working directory.
    n_jobs : int, optional
        Passed to the scripts as ``-numThreads N``.
    cache_dir : str or Path, optional
        Feature cache passed as ``--cache``; default the project's ``features/``.
    seed : int
        Seed of the fold split (similarity: of the sampled triples).
    scripts_dir : str or Path, optional
        Folder of ``run_train.sh`` and ``run_test.sh``; default the project root.
    strata : (str or Path, str), optional
        A side table and one of its columns: accuracy is also reported by
        that column's values (classification only; :mod:`mirex.evaluate.strata`).
    task : {'classify', 'tag', 'similarity', 'metric'}
    train_groups : bool
        Write the folds' train lists as ``path<TAB>label<TAB>group`` (the
        dataset's group column), so that the classifier's inner
        cross-validation keeps each group on one side; default
        ``path<TAB>label``, as graders wrote them (classification only).
    concepts : str or Path, optional
        The concept table of the metric task (required there).
    **metric
        The metric task's ``epochs``, ``dim``, ``triplets`` and ``neighbours``
        (:data:`~mirex.evaluate.metrictask.METRIC_DEFAULTS`; None: the default).

    Returns
    -------
    board : DataFrame
        The leaderboard, one row per system.

    Raises
    ------
    MirexError
        For an unusable dataset list, an unknown system or a failing script;
        a failure while running names the system (and fold).
    """
    from mirex.folders import feature_cache_dir

    runner = _runner(task=task, strata=strata, train_groups=train_groups, metric={"concepts": concepts, **metric})
    systems = resolve_systems(specs=systems, known=runner.systems)
    for system in systems.values():
        runner.check(system=system)
    dataset = runner.load(path=dataset_list)
    out_dir = Path(out_dir) if out_dir else Path("results") / f"{dataset.name}{runner.suffix}"
    cache_dir = Path(cache_dir) if cache_dir else feature_cache_dir()
    plan = Plan(out_dir, folds, seed, Path(scripts_dir) if scripts_dir else project_root(), cache_dir, n_jobs,
                train_groups,
                _command(dataset_list=dataset_list, task=task, systems=systems, known=runner.systems, n_folds=folds,
                         seed=seed, out_dir=out_dir, cache_dir=cache_dir, n_jobs=n_jobs, strata=strata,
                         train_groups=train_groups, task_words=runner.arguments() if task == "metric" else []))
    splits = runner.folds(dataset=dataset, plan=plan)
    lists = [runner.lists(dataset=dataset, fold=fold, plan=plan) for fold in splits]
    _progress(f"{task}: {len(dataset.paths)} clips" + (f", {folds} folds" if runner.folded else "")
              + f", systems: {', '.join(systems)}; results in {out_dir}")
    steps = itertools.count(1)
    results = []
    for system in systems.values():
        runs = []
        for fold, fold_lists in zip(splits, lists):
            _progress(f"[{next(steps)}/{len(systems) * len(splits)}] "
                      f"{runner.step(system=system, fold=fold, n_folds=len(splits))}")
            try:
                runs.append(runner.run_fold(system=system, dataset=dataset, fold=fold, lists=fold_lists, plan=plan))
            except MirexError as exc:
                where = f", fold {fold.number}" if runner.folded else ""
                raise EvaluationError(f"system {system.name!r}{where}: {exc}") from None
        results.append(runner.collect(system=system, dataset=dataset, runs=runs))
    return runner.report(dataset=dataset, plan=plan, results=results)
