"""Tables, significance tests, a figure and the summary of a tag evaluation.

Files in the results folder (``results/DATASET-tag/`` by default), each
written atomically:

``leaderboard.csv``
    Per system, the fold means of :func:`~mirex.evaluate.tagrun.fold_summary`.
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
"""
import pandas as pd

from mirex.atomic import atomic_path, write_text
from mirex.evaluate.report import _markdown, _significance
from mirex.evaluate.tagmetrics import PRECISION_AT
from mirex.evaluate.tagrun import fold_summary

__all__ = ["tag_tables", "plot_tag_auc", "write_tag_report"]

LEADERBOARD = ("f_measure", "precision", "recall", "accuracy", "negative_accuracy", "tag_f_measure",
               "track_f_measure", "pooled_auc", "tag_auc", "track_auc")


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


def plot_tag_auc(*, per_tag, path, title):
    """Save grouped bars of per-tag AUC-ROC, one colour per system, as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    table = per_tag["auc"].unstack("system")
    fig = Figure(figsize=(2 + 0.5 * len(table) * max(1, len(table.columns) / 2), 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / len(table.columns)
    for k, system in enumerate(table.columns):
        ax.bar([i + (k - (len(table.columns) - 1) / 2) * width for i in range(len(table))],
               table[system].fillna(0), width=width, label=system)
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xticks(range(len(table)), [str(t) for t in table.index], rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("AUC-ROC (mean over folds)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)


def _title(name):
    metric, _, block = name.rpartition("_per_")
    label = {"f": "F-measure", "auc": "AUC-ROC"}.get(metric, f"precision at {metric[2:]}")
    return f"{label} per {block}"


def write_tag_report(*, out_dir, dataset, n_folds, seed, results):
    """Write every table, the figure and the summary of a tag evaluation.

    Returns
    -------
    board : DataFrame
        One row per system (best pooled F-measure first): fold means of
        ``LEADERBOARD`` and of ``p@N``, and ``time_s``.
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
    plot_tag_auc(per_tag=per_tag, path=out_dir / "auc_per_tag.png", title=f"Per-tag AUC-ROC on {dataset.name}")
    if len(results) > 1:
        significance, friedman_text = _significance(comparisons, {k: _title(k) for k in comparisons})
        write_text(out_dir / "significance.csv", significance.to_csv(index=False))
    else:
        friedman_text = ["Friedman's test needs at least two systems.", ""]
    lines = [
        f"# Tag classification on {dataset.name}", "",
        f"- dataset list: `{dataset.source}`",
        f"- clips: {len(dataset.paths)}; tags: {len(dataset.vocabulary)}; "
        + ("group filter on the group column" if any(g is not None for g in dataset.groups)
           else "no group column: each clip is its own group"),
        f"- folds: {n_folds}, stratified by each clip's rarest tag, seed {seed}",
        "- systems: " + "; ".join(f"{r.name} (`{' '.join(r.options) or 'no options'}`)" for r in results), "",
        "## Leaderboard (means over folds)", "", _markdown(board.set_index("system")), "",
        "f_measure, precision, recall, accuracy and negative_accuracy are pooled over each fold's (clip, tag) "
        "pairs from BINARY; tag_/track_f_measure are means of per-tag / per-clip F-measure; pooled_auc, "
        "tag_auc and track_auc are AUC-ROC of AFFINITY pooled, per tag and per clip; p@N is precision at N "
        "per clip; time_s is feature extraction, training and testing over all folds.", "",
        "## Friedman's test", "", *friedman_text,
        "## Per-tag F-measure and AUC-ROC (means over folds)", "",
        _markdown(per_tag[["f_measure", "auc"]].unstack("system")
                  .set_axis([f"{m} {s}" for m, s in per_tag[["f_measure", "auc"]].unstack("system").columns],
                            axis=1)), "",
    ]
    write_text(out_dir / "summary.md", "\n".join(lines))
    return board
