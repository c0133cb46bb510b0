"""Results, tables, significance tests, a figure and the summaries of a tag evaluation.

Files in the results folder (``results/DATASET-tag/`` by default), each
written atomically:

``leaderboard.csv``
    Per system, the fold means of :func:`fold_summary`.
``per_fold.csv``, ``per_tag.csv``
    Fold-level numbers of every system and fold; per-tag metrics (BINARY and
    AUC-ROC) of every system, averaged over the folds where defined.
``significance.csv``
    Friedman's test on F-measure per fold and per tag, AUC-ROC per tag and per
    fold (mean per-tag AUC of the fold) and precision at N per fold.
``auc_per_tag.png``
    Per-tag AUC-ROC bars, one colour per system.
``summary.md``
    The dataset, folds and systems, the leaderboard, Friedman's test and the
    per-tag table, in Markdown.
``report.html``
    All of it on one self-contained page (:mod:`~mirex.evaluate.htmlpage`).
"""
from dataclasses import dataclass

import pandas as pd

from mirex.atomic import write_text
from mirex.evaluate import htmlpage
from mirex.evaluate.plots import save_png, tag_auc_figure
from mirex.evaluate.summary import compare_systems, group_note, markdown, significance_section, systems_line
from mirex.evaluate.tagmetrics import PRECISION_AT

__all__ = ["LEADERBOARD", "TagFold", "TagSystemResult", "fold_summary", "tag_tables", "write_tag_report"]

LEADERBOARD = ("f_measure", "precision", "recall", "accuracy", "negative_accuracy", "tag_f_measure",
               "track_f_measure", "pooled_auc", "tag_auc", "track_auc")
"""The leaderboard's columns before ``p@N`` and ``time_s``."""

_NOTE = ("f_measure, precision, recall, accuracy and negative_accuracy are pooled over each fold's (clip, tag) "
         "pairs from BINARY; tag_/track_f_measure are means of per-tag / per-clip F-measure; pooled_auc, "
         "tag_auc and track_auc are AUC-ROC of AFFINITY pooled, per tag and per clip; p@N is precision at N "
         "per clip; time_s is feature extraction, training and testing over all folds.")


@dataclass(frozen=True)
class TagFold:
    """One fold's scores: :class:`~mirex.evaluate.tagmetrics.BinaryScores` and ``AffinityScores``."""

    number: int
    binary: object
    affinity: object


@dataclass(frozen=True)
class TagSystemResult:
    """One system's outcome: its folds' scores and the script timings (index ``fold``)."""

    name: str
    options: list
    folds: list
    timings: pd.DataFrame


def fold_summary(*, fold):
    """One row of fold-level numbers.

    Pooled BINARY metrics over the fold's (clip, tag) pairs; ``tag_f_measure``
    and ``track_f_measure`` (means of per-tag and per-track F-measure);
    ``pooled_auc``, ``tag_auc``, ``track_auc``; ``p@N`` (mean over clips).
    """
    row = dict(fold.binary.overall)
    row["tag_f_measure"] = float(fold.binary.per_tag["f_measure"].mean())
    row["track_f_measure"] = float(fold.binary.per_track["f_measure"].mean())
    row["pooled_auc"] = fold.affinity.pooled_auc
    row["tag_auc"] = float(fold.affinity.per_tag["auc"].mean())
    row["track_auc"] = float(fold.affinity.per_track["auc"].mean())
    row.update({f"p@{n}": float(fold.affinity.per_track[f"p@{n}"].mean()) for n in PRECISION_AT})
    return row


def _per_tag(result):
    """Per-tag metrics of one system, averaged over its folds (NaN folds skipped)."""
    frames = [f.binary.per_tag.join(f.affinity.per_tag) for f in result.folds]
    return pd.concat(frames).groupby(level="tag", sort=False).mean()


def tag_tables(*, results):
    """The per-fold and per-tag tables, and the tables Friedman's test runs on.

    Returns
    -------
    per_fold : DataFrame
        Index (system, fold).
    per_tag : DataFrame
        Index (system, tag).
    comparisons : dict of str to DataFrame
        Blocks x systems: ``f_per_fold``, ``f_per_tag``, ``auc_per_tag``,
        ``auc_per_fold`` and ``p@N_per_fold``.
    """
    per_fold = pd.concat({r.name: pd.DataFrame([fold_summary(fold=f) for f in r.folds],
                                               index=pd.Index([f.number for f in r.folds], name="fold"))
                          .join(r.timings) for r in results}, names=["system"])
    per_tag = pd.concat({r.name: _per_tag(r) for r in results}, names=["system"])
    comparisons = {
        "f_per_fold": per_fold["f_measure"].unstack("system"),
        "f_per_tag": per_tag["f_measure"].unstack("system"),
        "auc_per_tag": per_tag["auc"].unstack("system"),
        "auc_per_fold": per_fold["tag_auc"].unstack("system"),
    }
    for n in PRECISION_AT:
        table = per_fold[f"p@{n}"].unstack("system")
        if table.notna().all().all():
            comparisons[f"p@{n}_per_fold"] = table
    return per_fold, per_tag, comparisons


def _title(name):
    metric, _, block = name.rpartition("_per_")
    label = {"f": "F-measure", "auc": "AUC-ROC"}.get(metric, f"precision at {metric[2:]}")
    return f"{label} per {block}"


def write_tag_report(*, out_dir, dataset, n_folds, seed, results, command=""):
    """Write every table, the figure, the summary and the page of a tag evaluation.

    Parameters
    ----------
    out_dir : Path
    dataset : TagDataset
    n_folds, seed : int
    results : list of TagSystemResult
    command : str
        The command that runs the evaluation again (for the page).

    Returns
    -------
    board : DataFrame
        One row per system (best pooled F-measure first): fold means of
        :data:`LEADERBOARD` and of ``p@N``, and ``time_s``.
    """
    per_fold, per_tag, comparisons = tag_tables(results=results)
    means = per_fold.groupby(level="system", sort=False).mean()
    columns = [*LEADERBOARD, *(f"p@{n}" for n in PRECISION_AT if means[f"p@{n}"].notna().all())]
    board = means[columns].assign(time_s=per_fold[["train_s", "test_s"]].groupby(level="system", sort=False)
                                  .sum().sum(axis=1))
    board = board.sort_values("f_measure", ascending=False, kind="stable").rename_axis("system").reset_index()
    write_text(out_dir / "leaderboard.csv", board.to_csv(index=False))
    write_text(out_dir / "per_fold.csv", per_fold.to_csv())
    write_text(out_dir / "per_tag.csv", per_tag.to_csv())
    auc = save_png(fig=tag_auc_figure(per_tag=per_tag, title=f"Per-tag AUC-ROC on {dataset.name}"),
                   path=out_dir / "auc_per_tag.png")
    tests, friedman_text = compare_systems(out_dir=out_dir, tables=comparisons,
                                           titles={k: _title(k) for k in comparisons})
    facts = [f"dataset list: {dataset.source}",
             f"clips: {len(dataset.paths)}; tags: {len(dataset.vocabulary)}; "
             + group_note(dataset=dataset, filter_name="group filter"),
             f"folds: {n_folds}, stratified by each clip's rarest tag, seed {seed}"]
    tag_table = per_tag[["f_measure", "auc"]].unstack("system")
    tag_table = tag_table.set_axis([f"{m} {s}" for m, s in tag_table.columns], axis=1)
    lines = [
        f"# Tag classification on {dataset.name}", "", f"- dataset list: `{dataset.source}`",
        *(f"- {fact}" for fact in facts[1:]), f"- {systems_line(results=results)}", "",
        "## Leaderboard (means over folds)", "", markdown(board.set_index("system")), "", _NOTE, "",
        "## Friedman's test", "", *friedman_text,
        "## Per-tag F-measure and AUC-ROC (means over folds)", "", markdown(tag_table), "",
    ]
    write_text(out_dir / "summary.md", "\n".join(lines))
    sections = [
        htmlpage.section("Leaderboard (means over folds)", htmlpage.table(board.set_index("system")),
                         htmlpage.text(_NOTE, note=True)),
        htmlpage.section("Per-fold results", htmlpage.table(per_fold)),
        significance_section(comparisons=tests),
        htmlpage.section("Per-tag F-measure and AUC-ROC (means over folds)", htmlpage.image(auc, alt="AUC-ROC per tag"),
                         htmlpage.table(tag_table))]
    htmlpage.write_page(path=out_dir / "report.html", title=f"Tag classification on {dataset.name}",
                        facts=[*facts, systems_line(results=results, quote="")], sections=sections, command=command)
    return board
