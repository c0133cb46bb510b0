"""Cross-validated evaluation of systems the way MIREX graders ran it.

Modules: :mod:`.dataset` (the dataset list, clip keys), :mod:`.folds`
(label-stratified folds with an artist filter), :mod:`.systems` (what is
compared), :mod:`.runner` (the two scripts, fold by fold), :mod:`.metrics`,
:mod:`.significance` (Friedman's test), :mod:`.report` (tables, plots,
summary) and :mod:`.command` (``mirex evaluate``). The tag task:
:mod:`.tagmetrics`, :mod:`.tagrun` (folds through the scripts) and
:mod:`.tagreport`; similarity: :mod:`.simmetrics` and :mod:`.simrun`.
"""
from mirex.evaluate.command import add_arguments, main, run_evaluation

__all__ = ["run_evaluation", "add_arguments", "main"]
