"""Cross-validated evaluation of systems the way MIREX graders ran it.

One driver (:mod:`.harness`) runs every task; each task is one module that
owns its dataset, folds, runs and scoring (:mod:`.classtask`,
:mod:`.tagtask`, :mod:`.simtask`, :mod:`.metrictask`) and reports through
its own module (:mod:`.classreport`, :mod:`.tagreport`, :mod:`.simreport`,
:mod:`.metricreport`). Shared pieces:
:mod:`.systems` (what is compared, parsed once), :mod:`.dataset` (dataset
lists, clip keys), :mod:`.tagdata` (the tag list and its folds),
:mod:`.folds` (label-stratified folds with an artist filter),
:mod:`.scripts` (fold lists and the two scripts), :mod:`.summary`
(Markdown, the Friedman gate), :mod:`.plots` and :mod:`.htmlpage`
(``report.html``). Pure metrics: :mod:`.classmetrics`, :mod:`.tagmetrics`,
:mod:`.simmetrics`, :mod:`.metricmeasures`, :mod:`.significance` (Friedman's test) and
:mod:`.strata`. :mod:`.command` is ``mirex evaluate``.
"""
from mirex.evaluate.command import add_arguments, main
from mirex.evaluate.harness import run_evaluation

__all__ = ["run_evaluation", "add_arguments", "main"]
