"""``mirex evaluate``: cross-validate systems on a dataset list and report.

The command line wires this in with::

    sub = subparsers.add_parser("evaluate", help="...")
    evaluate.add_arguments(sub)
    sub.set_defaults(func=evaluate.main)
"""
import argparse
import itertools
from pathlib import Path

from mirex.errors import EvaluationError
from mirex.evaluate.systems import SYSTEMS, resolve_systems
from mirex.extract import add_jobs_argument
from mirex.log import logger

__all__ = ["run_evaluation", "add_arguments", "main", "TASKS"]

TASKS = ("classify", "tag", "similarity")


def _progress(message):
    """Log one progress line."""
    logger.info(f"evaluate: {message}")


def _fold_count(text):
    """argparse type: an integer of at least 2."""
    if not text.isdigit() or int(text) < 2:
        raise argparse.ArgumentTypeError(f"expected a whole number of folds, at least 2, not {text!r}")
    return int(text)


def run_evaluation(*, dataset_list, systems=None, folds=3, out_dir=None, n_jobs=None, cache_dir=None, seed=0,
                   scripts_dir=None, strata=None, task="classify"):
    """Cross-validate systems on a dataset through the two scripts and write the report.

    Parameters
    ----------
    dataset_list : str or Path
        ``path<TAB>label[<TAB>group]`` per line; the group is the artist filter.
        For ``task='tag'``, one line per (clip, tag) pair
        (:mod:`~mirex.evaluate.tagrun`).
    systems : dict of str to list of str, or iterable of str, optional
        A systems dict, or specs for :func:`~mirex.evaluate.systems.resolve_systems`;
        default: every named system.
    folds : int
        Number of cross-validation folds.
    out_dir : str or Path, optional
        Results folder; default ``results/DATASET`` (the list's name without
        extension) under the working directory.
    n_jobs : int, optional
        Passed to the scripts as ``-numThreads N``.
    cache_dir : str or Path, optional
        Feature cache passed as ``--cache``; default the project's ``features/``.
    seed : int
        Seed of the fold split.
    scripts_dir : str or Path, optional
        Folder of ``run_train.sh`` and ``run_test.sh``; default the project root.
    strata : (str or Path, str), optional
        A side table and one of its columns: accuracy is also reported by
        that column's values (see :mod:`mirex.evaluate.strata`).
    task : {'classify', 'tag', 'similarity'}
        'tag': ``mirex.evaluate.tagrun.run_tag_evaluation`` (default
        folder ``results/DATASET-tag``); 'similarity': no folds, one distance
        matrix per system (:func:`~mirex.evaluate.simrun.run_similarity_evaluation`,
        default folder ``results/DATASET-similarity``).

    Returns
    -------
    board : DataFrame
        The leaderboard (see :func:`~mirex.evaluate.report.leaderboard`).

    Raises
    ------
    MirexError
        For an unusable dataset list, an unknown system or a failing script.
    """
    from mirex.folders import feature_cache_dir
    from mirex.evaluate.dataset import load_dataset
    from mirex.evaluate.folds import make_folds
    from mirex.evaluate.report import write_report
    from mirex.evaluate.runner import run_system, write_fold_lists
    from mirex.evaluate.strata import read_strata

    if task != "classify" and strata is not None:
        raise EvaluationError("--strata reports accuracy by stratum: it applies to --task classify only")
    if task != "classify" and not systems:  # the task LDA is the classifier's: these tasks differ by features only
        systems = {name: options for name, options in SYSTEMS.items() if "--task-lda" not in options}
    if strata is not None:
        strata = (strata[1], read_strata(path=strata[0], column=strata[1]))
    if not isinstance(systems, dict):
        systems = resolve_systems(specs=systems)
    if task != "classify":
        return _other_task(task, dataset_list=dataset_list, systems=systems, folds=folds, out_dir=out_dir,
                           n_jobs=n_jobs, cache_dir=cache_dir, seed=seed, scripts_dir=scripts_dir)
    dataset = load_dataset(path=dataset_list)
    out_dir = Path(out_dir) if out_dir else Path("results") / dataset.name
    cache_dir = Path(cache_dir) if cache_dir else feature_cache_dir()
    splits = make_folds(labels=dataset.labels, groups=dataset.groups, n_folds=folds, seed=seed)
    fold_lists = [write_fold_lists(dataset=dataset, fold=f, folder=out_dir / "folds" / f"fold{f.number}")
                  for f in splits]
    _progress(f"{len(dataset.paths)} clips, {folds} folds, systems: {', '.join(systems)}; results in {out_dir}")
    steps = itertools.count(1)

    def progress(message):
        _progress(f"[{next(steps)}/{len(systems) * folds}] {message}")

    results = [run_system(name=name, options=options, dataset=dataset, folds=splits, fold_lists=fold_lists,
                          out_dir=out_dir, scripts_dir=scripts_dir, n_jobs=n_jobs, cache_dir=cache_dir,
                          progress=progress)
               for name, options in systems.items()]
    return write_report(out_dir=out_dir, dataset=dataset, n_folds=folds, seed=seed, results=results, strata=strata)


def _other_task(task, *, dataset_list, systems, folds, out_dir, n_jobs, cache_dir, seed, scripts_dir):
    from mirex.folders import feature_cache_dir

    cache_dir = Path(cache_dir) if cache_dir else feature_cache_dir()
    if task == "tag":
        from mirex.evaluate.tagrun import run_tag_evaluation

        return run_tag_evaluation(dataset_list=dataset_list, systems=systems, folds=folds, out_dir=out_dir,
                                  n_jobs=n_jobs, cache_dir=cache_dir, seed=seed, scripts_dir=scripts_dir,
                                  progress=_progress)
    if task == "similarity":
        from mirex.evaluate.simrun import run_similarity_evaluation

        return run_similarity_evaluation(dataset_list=dataset_list, systems=systems, out_dir=out_dir, n_jobs=n_jobs,
                                         cache_dir=cache_dir, seed=seed, progress=_progress)
    raise ValueError(f"task must be one of {TASKS}, not {task!r}")


def add_arguments(parser):
    """Add the ``mirex evaluate`` arguments to an argparse parser."""
    parser.add_argument("dataset_list", help="list of path<TAB>label[<TAB>artist] lines")
    parser.add_argument("--systems", nargs="+", metavar="SYSTEM",
                        help=f"systems to compare: names ({', '.join(SYSTEMS)}) or NAME=OPTIONS "
                             "(options of run_train.sh); default: all of the names")
    parser.add_argument("--folds", type=_fold_count, default=3, help="cross-validation folds (default 3)")
    parser.add_argument("--out", metavar="DIR", help="results folder (default results/DATASET)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fold split (default 0)")
    parser.add_argument("--cache", metavar="DIR", help="feature cache (default the project's features/)")
    parser.add_argument("--strata", nargs=2, metavar=("TABLE", "COLUMN"),
                        help="also report accuracy by COLUMN of the tab-separated side TABLE (with a 'path' column)")
    add_jobs_argument(parser)
    parser.add_argument("--task", choices=TASKS, default="classify",
                        help="classify (default), tag (DATASET: one path<TAB>tag[<TAB>group] line per pair) or "
                             "similarity (distance matrices of the whole list; --folds unused)")


def main(args):
    """Run ``mirex evaluate`` from parsed arguments and print the leaderboard; returns 0."""
    from mirex.evaluate.report import format_leaderboard

    board = run_evaluation(dataset_list=args.dataset_list, systems=args.systems, folds=args.folds,
                           out_dir=args.out, n_jobs=args.n_jobs, cache_dir=args.cache, seed=args.seed,
                           strata=args.strata, task=args.task)
    print(format_leaderboard(board=board) if args.task == "classify" else board.to_string(index=False,
                                                                                           float_format="%.4f"))
    return 0
