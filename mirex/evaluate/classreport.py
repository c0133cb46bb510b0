"""Tables, figures and the summaries of a classification evaluation.

Everything lands in one folder (``results/DATASET/`` by default):

``leaderboard.csv``, ``per_fold.csv``, ``per_class.csv``, ``significance.csv``
    The tables.
``confusion/SYSTEM.csv`` and ``confusion/SYSTEM.png``
    Each system's confusion matrix over all folds.
``strata.csv``
    Accuracy by stratum of a side table's column, when one is given.
``summary.md``
    Dataset, folds, leaderboard, Friedman's tests, per-class (and per-stratum) accuracies.
``report.html``
    All of it on one self-contained page (:mod:`~mirex.evaluate.htmlpage`),
    with the confusion matrices and the significance tests as pictures.

Every file is written atomically.
"""
import numpy as np
import pandas as pd

from mirex.atomic import write_text
from mirex.evaluate import htmlpage
from mirex.evaluate.classmetrics import RESAMPLES, percentile_interval
from mirex.evaluate.plots import confusion_figure, save_png
from mirex.evaluate.strata import strata_accuracy
from mirex.evaluate.summary import compare_systems, group_note, markdown, significance_section, systems_line

__all__ = ["leaderboard", "format_leaderboard", "comparison_tables", "write_report"]

_TITLES = {"per_fold": "Across folds (per-fold accuracy)", "per_class": "Across classes (per-class accuracy)"}
_NOTE = ("Accuracy is over all folds pooled; normalised accuracy is the mean of per-class accuracies, "
         f"with its 95 % bootstrap interval over clips ({RESAMPLES} resamples) from low to high; "
         "top_not_ahead is the share of those resamples (the same clips for every system) on which the first "
         "row's normalised accuracy is not above this row's: at 0.025 or more, the first row's lead over this "
         "row is within noise; "
         "fold*N* columns are per-fold accuracy; time_s is feature extraction, training and testing.")


def leaderboard(*, results):
    """One row per system, best accuracy first.

    Parameters
    ----------
    results : list of SystemResult

    Returns
    -------
    board : DataFrame
        Columns ``system``, ``accuracy``, ``normalised_accuracy``,
        ``normalised_accuracy_low`` and ``normalised_accuracy_high`` (its 95 %
        bootstrap interval over clips), ``top_not_ahead`` (the share of the
        bootstrap resamples on which the first row's normalised accuracy is
        not above this row's; NaN on the first row), ``fold1`` ... (per-fold
        accuracy) and ``time_s`` (feature extraction, training and testing
        over all folds).
    """
    rows = []
    for result in results:
        low, high = percentile_interval(values=result.scores.resampled)
        row = {"system": result.name, "accuracy": result.scores.accuracy,
               "normalised_accuracy": result.scores.normalised_accuracy, "normalised_accuracy_low": low,
               "normalised_accuracy_high": high}
        row.update({f"fold{k}": acc for k, acc in result.scores.per_fold["accuracy"].items()})
        row["time_s"] = float(result.timings.to_numpy().sum())
        rows.append(row)
    board = pd.DataFrame(rows).sort_values(["accuracy", "normalised_accuracy"], ascending=False, kind="stable",
                                           ignore_index=True)
    resampled = {r.name: r.scores.resampled for r in results}
    top = resampled[board.loc[0, "system"]]
    lead = [np.nan] + [float(np.mean(top - resampled[name] <= 0)) for name in board["system"][1:]]
    board.insert(board.columns.get_loc("normalised_accuracy_high") + 1, "top_not_ahead", lead)
    return board


def format_leaderboard(*, board):
    """The leaderboard as a fixed-width text table (accuracies and ``top_not_ahead`` in percent)."""
    shown = board.copy()
    for column in shown.columns.drop(["system", "time_s"]):
        shown[column] = shown[column].map(lambda x: "-" if np.isnan(x) else f"{100 * x:.2f}")
    shown["time_s"] = shown["time_s"].map(lambda x: f"{x:.1f}")
    return shown.rename(columns={"normalised_accuracy": "norm_accuracy", "normalised_accuracy_low": "norm_low",
                                 "normalised_accuracy_high": "norm_high"}).to_string(index=False)


def comparison_tables(*, results):
    """The tables Friedman's test runs on.

    Returns
    -------
    tables : dict of str to DataFrame
        ``'per_fold'`` (fold x system accuracy) and ``'per_class'``
        (class x system accuracy).
    """
    return {
        "per_fold": pd.DataFrame({r.name: r.scores.per_fold["accuracy"] for r in results}),
        "per_class": pd.DataFrame({r.name: r.scores.per_class for r in results}),
    }


def write_report(*, out_dir, dataset, n_folds, seed, results, strata=None, train_groups=False, command=""):
    """Write every table, figure, the summary and the page of an evaluation.

    Parameters
    ----------
    out_dir : Path
    dataset : Dataset
    n_folds, seed : int
        How the folds were made (for the summary).
    results : list of SystemResult
    strata : (str, dict), optional
        A column name and :func:`~mirex.evaluate.strata.read_strata`'s map:
        accuracy by stratum goes to ``strata.csv``, the summary and the page.
    train_groups : bool
        Whether the folds' train lists carried the group column (for the summary and the page).
    command : str
        The command that runs the evaluation again (for the page).

    Returns
    -------
    board : DataFrame
        The leaderboard (:func:`leaderboard`).
    """
    board = leaderboard(results=results)
    tables = comparison_tables(results=results)
    per_fold = pd.concat({r.name: r.scores.per_fold.join(r.timings) for r in results}, names=["system"])
    per_class = tables["per_class"].rename_axis("class")
    write_text(out_dir / "leaderboard.csv", board.to_csv(index=False))
    write_text(out_dir / "per_fold.csv", per_fold.to_csv())
    write_text(out_dir / "per_class.csv", per_class.to_csv())
    confusion_images = []
    for result in results:
        write_text(out_dir / "confusion" / f"{result.name}.csv", result.scores.confusion.to_csv())
        fig = confusion_figure(confusion=result.scores.confusion, title=f"{result.name} on {dataset.name}")
        confusion_images.append(htmlpage.image(save_png(fig=fig, path=out_dir / "confusion" / f"{result.name}.png"),
                                               alt=f"confusion matrix of {result.name}"))
    comparisons, friedman_text = compare_systems(out_dir=out_dir, tables=tables, titles=_TITLES)
    facts = [f"dataset list: {dataset.source}",
             f"clips: {len(dataset.paths)}; classes: {len(per_class)}; "
             + group_note(dataset=dataset, filter_name="artist filter"),
             f"folds: {n_folds}, stratified by label, seed {seed}",
             "train lists: " + ("path, label and group (--train-groups: inner folds keep each group on one side)"
                                if train_groups else "path and label, as graders write them")]
    lines = [f"# Evaluation on {dataset.name}", "", f"- dataset list: `{dataset.source}`",
             *(f"- {fact}" for fact in facts[1:]),
             f"- {systems_line(results=results)}", "",
             "## Leaderboard", "", markdown(board.set_index("system")), "", _NOTE, "",
             "## Friedman's test", "", *friedman_text,
             "## Per-class accuracy", "", markdown(per_class), ""]
    sections = [htmlpage.section("Leaderboard", htmlpage.table(board.set_index("system")),
                                 htmlpage.text(_NOTE.replace("*", ""), note=True)),
                htmlpage.section("Per-fold results", htmlpage.table(per_fold)),
                significance_section(comparisons=comparisons),
                htmlpage.section("Confusion matrices (all folds)", *confusion_images),
                htmlpage.section("Per-class accuracy", htmlpage.table(per_class))]
    if strata is not None:
        column, keys = strata
        by_stratum = strata_accuracy(dataset=dataset, results=results, strata=keys).rename_axis(column)
        write_text(out_dir / "strata.csv", by_stratum.rename_axis("stratum").to_csv())
        lines += [f"## Accuracy by {column}", "", markdown(by_stratum), ""]
        sections.append(htmlpage.section(f"Accuracy by {column}", htmlpage.table(by_stratum)))
    write_text(out_dir / "summary.md", "\n".join(lines))
    htmlpage.write_page(path=out_dir / "report.html", title=f"Evaluation on {dataset.name}",
                        facts=[*facts, systems_line(results=results, quote="")], sections=sections,
                        command=command)
    return board

