"""The `mirex evaluate` argument helpers."""
import argparse

import pytest

from mirex.evaluate import add_arguments


def test_command_line_arguments():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["set.txt", "--systems", "paper", "mfcc", "--folds", "5", "-numThreads", "4"])
    got = (args.dataset_list, args.systems, args.folds, args.n_jobs, args.out)
    assert got == ("set.txt", ["paper", "mfcc"], 5, 4, None)
    assert not args.train_groups and parser.parse_args(["set.txt", "--train-groups"]).train_groups
    with pytest.raises(SystemExit):
        parser.parse_args(["set.txt", "--folds", "1"])
