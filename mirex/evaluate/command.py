"""``mirex evaluate``: its arguments and what it prints.

The command line wires this in with::

    sub = subparsers.add_parser("evaluate", help="...")
    evaluate.add_arguments(sub)
    sub.set_defaults(func=evaluate.main)
"""
import argparse

from mirex.evaluate.harness import TASKS, run_evaluation
from mirex.evaluate.systems import SYSTEMS
from mirex.extract import add_jobs_argument

__all__ = ["add_arguments", "main"]


def _fold_count(text):
    """argparse type: an integer of at least 2."""
    if not text.isdigit() or int(text) < 2:
        raise argparse.ArgumentTypeError(f"expected a whole number of folds, at least 2, not {text!r}")
    return int(text)


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
    parser.add_argument("--train-groups", action="store_true",
                        help="write the folds' train lists as path<TAB>label<TAB>group, so that run_train.sh's inner "
                             "cross-validation keeps each group on one side (default path<TAB>label, as graders "
                             "write them; classify only)")
    add_jobs_argument(parser)
    parser.add_argument("--task", choices=tuple(TASKS), default="classify",
                        help="classify (default), tag (DATASET: one path<TAB>tag[<TAB>group] line per pair) or "
                             "similarity (distance matrices of the whole list; --folds unused)")


def main(args):
    """Run ``mirex evaluate`` from parsed arguments and print the leaderboard; returns 0."""
    board = run_evaluation(dataset_list=args.dataset_list, systems=args.systems, folds=args.folds,
                           out_dir=args.out, n_jobs=args.n_jobs, cache_dir=args.cache, seed=args.seed,
                           strata=args.strata, task=args.task, train_groups=args.train_groups)
    print(TASKS[args.task].format(board=board))
    return 0
