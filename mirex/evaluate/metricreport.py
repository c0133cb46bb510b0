"""The table of a metric-learning comparison.

Files in the results folder (``results/DATASET-metric/`` by default), each
written atomically: ``leaderboard.csv`` (one row per system: its objective,
whether it is disentangled, every measure averaged over the folds, the
training time summed), ``per_fold.csv`` (every measure of every fold),
``summary.md`` and ``report.html`` (:mod:`~mirex.evaluate.htmlpage`). There
is no significance test: the systems are few and the folds three.
"""
from dataclasses import dataclass

import pandas as pd

from mirex.atomic import write_text
from mirex.evaluate import htmlpage
from mirex.evaluate.summary import group_note, markdown, systems_line

__all__ = ["MetricResult", "write_metric_report"]


def _note(settings):
    return (f"precision_CONCEPT: neighbourhood precision at N = {settings['neighbours']} in the concept's "
            "sub-space (the whole embedding without one), by the concept's tag, each query's group removed "
            "first; precision_all: the mean over concepts of the same on the whole embedding; "
            f"triplet_CONCEPT: share of {settings['triplets']} seeded triplets per fold (anchor and positive "
            "share the concept's tag, the negative has another) with the anchor nearer its positive; "
            "tag_auc: mean per-tag AUC-ROC of a logistic regression per tag on the embedding; train_s: "
            "training seconds summed over the folds. Measures are on held-out clips, averaged over folds.")


@dataclass(frozen=True)
class MetricResult:
    """One system's measures, fold by fold.

    Attributes
    ----------
    name : str
    options : list of str
    objective : str
        'classification', 'triplet', 'proxy', or 'none' (the base features).
    disentangled : bool
        One sub-space per concept.
    per_fold : DataFrame
        Index ``fold``; one column per measure and ``train_s``.
    """

    name: str
    options: list
    objective: str
    disentangled: bool
    per_fold: pd.DataFrame

    def row(self):
        """The system's row of the table: measures averaged over folds, ``train_s`` summed."""
        means = self.per_fold.drop(columns="train_s").mean()
        return {"system": self.name, "objective": self.objective, "disentangled": self.disentangled,
                **means.to_dict(), "train_s": float(self.per_fold["train_s"].sum())}


def write_metric_report(*, out_dir, dataset, table, settings, n_folds, results, command=""):
    """Write the tables, the summary and the page of a metric-learning comparison.

    Parameters
    ----------
    out_dir : Path
    dataset : TagDataset
    table : dict of str to tuple of str
        The concept table (:func:`~mirex.nets.concepts.read_concept_table`).
    settings : dict
        The task's settings (epochs, dim, triplets, neighbours).
    n_folds : int
    results : list of MetricResult
    command : str
        The command that runs the evaluation again (for the page).

    Returns
    -------
    board : DataFrame
        One row per system.
    """
    board = pd.DataFrame([result.row() for result in results])
    per_fold = pd.concat({r.name: r.per_fold for r in results}, names=["system"])
    write_text(out_dir / "leaderboard.csv", board.to_csv(index=False))
    write_text(out_dir / "per_fold.csv", per_fold.to_csv())
    facts = [f"dataset list: {dataset.source}; clips: {len(dataset.paths)}; tags: {len(dataset.vocabulary)}",
             f"{n_folds} folds, {group_note(dataset=dataset, filter_name='group filter')}",
             "concepts: " + "; ".join(f"{c} ({', '.join(tags)})" for c, tags in table.items()),
             "settings: " + ", ".join(f"{k} {v}" for k, v in settings.items())]
    lines = [f"# Metric learning against classification on {dataset.name}", "",
             *(f"- {fact}" for fact in facts), f"- {systems_line(results=results)}", "",
             "## Comparison", "", markdown(board.set_index("system")), "", _note(settings), "",
             "## Every fold", "", markdown(per_fold), ""]
    write_text(out_dir / "summary.md", "\n".join(lines))
    sections = [htmlpage.section("Comparison", htmlpage.table(board.set_index("system")),
                                 htmlpage.text(_note(settings), note=True)),
                htmlpage.section("Every fold", htmlpage.table(per_fold))]
    htmlpage.write_page(path=out_dir / "report.html", title=f"Metric learning on {dataset.name}",
                        facts=[*facts, systems_line(results=results, quote="")], sections=sections, command=command)
    return board
