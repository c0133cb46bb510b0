"""Tables, plots and the summary of an evaluation.

Everything lands in one folder (``results/DATASET/`` by default):

``leaderboard.csv``, ``per_fold.csv``, ``per_class.csv``, ``significance.csv``
    The tables.
``confusion/SYSTEM.csv`` and ``confusion/SYSTEM.png``
    Each system's confusion matrix over all folds.
``strata.csv``
    Accuracy by stratum of a side table's column, when one is given.
``summary.md``
    Dataset, folds, leaderboard, Friedman's tests, per-class (and per-stratum) accuracies.

Every file is written atomically.
"""
import math

import pandas as pd

from mirex.atomic import atomic_path, write_text
from mirex.evaluate.significance import friedman, rank_hsd
from mirex.evaluate.strata import strata_accuracy

__all__ = ["leaderboard", "format_leaderboard", "comparison_tables", "plot_confusion", "write_report"]

_TITLES = {"per_fold": "Across folds (per-fold accuracy)", "per_class": "Across classes (per-class accuracy)"}


def leaderboard(*, results):
    """One row per system, best accuracy first.

    Parameters
    ----------
    results : list of SystemResult

    Returns
    -------
    board : DataFrame
        Columns ``system``, ``accuracy``, ``normalised_accuracy``, ``fold1`` ...
        (per-fold accuracy) and ``time_s`` (feature extraction, training and
        testing over all folds).
    """
    rows = []
    for result in results:
        row = {"system": result.name, "accuracy": result.scores.accuracy,
               "normalised_accuracy": result.scores.normalised_accuracy}
        row.update({f"fold{k}": acc for k, acc in result.scores.per_fold["accuracy"].items()})
        row["time_s"] = float(result.timings.to_numpy().sum())
        rows.append(row)
    board = pd.DataFrame(rows)
    return board.sort_values(["accuracy", "normalised_accuracy"], ascending=False, kind="stable",
                             ignore_index=True)


def format_leaderboard(*, board):
    """The leaderboard as a fixed-width text table (accuracies in percent)."""
    shown = board.copy()
    for column in shown.columns.drop(["system", "time_s"]):
        shown[column] = shown[column].map(lambda x: f"{100 * x:.2f}")
    shown["time_s"] = shown["time_s"].map(lambda x: f"{x:.1f}")
    return shown.rename(columns={"normalised_accuracy": "norm_accuracy"}).to_string(index=False)


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


def plot_confusion(*, confusion, path, title):
    """Save a confusion matrix as a PNG: colour by row share, counts written in.

    Parameters
    ----------
    confusion : DataFrame
        Counts, rows true classes, columns predicted classes.
    path : Path
    title : str
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    counts = confusion.to_numpy()
    shares = counts / counts.sum(axis=1, keepdims=True).clip(min=1)
    size = 1.5 + 0.6 * max(counts.shape)
    fig = Figure(figsize=(size + 1.5, size))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label="share of true class")
    for (i, j), n in pd.DataFrame(counts).stack().items():
        ax.text(j, i, str(n), ha="center", va="center", fontsize=8, color="white" if shares[i, j] > 0.5 else "black")
    ax.set_xticks(range(counts.shape[1]), [str(c) for c in confusion.columns], rotation=45, ha="right")
    ax.set_yticks(range(counts.shape[0]), [str(c) for c in confusion.index])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)


def _markdown(frame, *, digits=4):
    """A DataFrame (with its index) as a GitHub-flavoured Markdown table."""
    frame = frame.reset_index()
    cells = [[f"{x:.{digits}f}" if isinstance(x, float) else str(x) for x in row]
             for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])


def _significance(tables):
    """Friedman's test and rank HSD on each comparison table, as rows and Markdown."""
    rows, text = [], []
    for name, table in tables.items():
        test = friedman(table=table)
        rows.append({"table": name, "statistic": test.statistic, "df": test.df, "p_value": test.p_value,
                     "n_blocks": test.n_blocks, **{f"mean_rank_{s}": r for s, r in test.mean_ranks.items()}})
        pairs = rank_hsd(table=table).set_index(["system_a", "system_b"])
        text += [f"### {_TITLES[name]}", "",
                 ("Friedman's test is undefined: the systems tie in every block." if math.isnan(test.statistic)
                  else f"Friedman chi-square = {test.statistic:.4f}, df = {test.df}, p = {test.p_value:.4g} "
                       f"({test.n_blocks} blocks; accuracy ranked within each block, 1 = best)."), "",
                 _markdown(test.mean_ranks.to_frame().rename_axis("system")), "",
                 "Tukey-Kramer HSD on mean ranks (alpha 0.05):", "", _markdown(pairs), ""]
    return pd.DataFrame(rows), text


def write_report(*, out_dir, dataset, n_folds, seed, results, strata=None):
    """Write every table, plot and the summary of an evaluation.

    Parameters
    ----------
    out_dir : Path
    dataset : Dataset
    n_folds, seed : int
        How the folds were made (for the summary).
    results : list of SystemResult
    strata : (str, dict), optional
        A column name and :func:`~mirex.evaluate.strata.read_strata`'s map:
        accuracy by stratum goes to ``strata.csv`` and the summary.

    Returns
    -------
    board : DataFrame
        The leaderboard (:func:`leaderboard`).
    """
    board = leaderboard(results=results)
    tables = comparison_tables(results=results)
    per_fold = pd.concat({r.name: r.scores.per_fold.join(r.timings) for r in results}, names=["system"])
    write_text(out_dir / "leaderboard.csv", board.to_csv(index=False))
    write_text(out_dir / "per_fold.csv", per_fold.to_csv())
    write_text(out_dir / "per_class.csv", tables["per_class"].rename_axis("class").to_csv())
    for result in results:
        write_text(out_dir / "confusion" / f"{result.name}.csv", result.scores.confusion.to_csv())
        plot_confusion(confusion=result.scores.confusion, path=out_dir / "confusion" / f"{result.name}.png",
                       title=f"{result.name} on {dataset.name}")
    if len(results) > 1:
        significance, friedman_text = _significance(tables)
        write_text(out_dir / "significance.csv", significance.to_csv(index=False))
    else:
        friedman_text = ["Friedman's test needs at least two systems.", ""]
    has_groups = any(g is not None for g in dataset.groups)
    lines = [
        f"# Evaluation on {dataset.name}", "",
        f"- dataset list: `{dataset.source}`",
        f"- clips: {len(dataset.paths)}; classes: {len(tables['per_class'])}; "
        + ("artist filter on the group column" if has_groups else "no group column: each clip is its own group"),
        f"- folds: {n_folds}, stratified by label, seed {seed}",
        "- systems: " + "; ".join(f"{r.name} (`{' '.join(r.options) or 'no options'}`)" for r in results), "",
        "## Leaderboard", "", _markdown(board.set_index("system")), "",
        "Accuracy is over all folds pooled; normalised accuracy is the mean of per-class accuracies; "
        "fold*N* columns are per-fold accuracy; time_s is feature extraction, training and testing.", "",
        "## Friedman's test", "", *friedman_text,
        "## Per-class accuracy", "", _markdown(tables["per_class"].rename_axis("class")), "",
    ]
    if strata is not None:
        column, keys = strata
        by_stratum = strata_accuracy(dataset=dataset, results=results, strata=keys)
        write_text(out_dir / "strata.csv", by_stratum.to_csv())
        lines += [f"## Accuracy by {column}", "", _markdown(by_stratum.rename_axis(column)), ""]
    write_text(out_dir / "summary.md", "\n".join(lines))
    return board
