"""The figures of the reports, drawn with Matplotlib's object interface (no global state).

Each ``*_figure`` function returns a Figure; :func:`png` renders one and
:func:`save_png` also writes it atomically, so a report can both keep the
file and inline the same image in ``report.html``.
"""
import io

import numpy as np
import pandas as pd

from mirex.atomic import atomic_path

__all__ = ["png", "save_png", "confusion_figure", "tag_auc_figure", "ranks_figure", "neighbourhood_figure"]


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def png(fig):
    """The figure as PNG bytes (100 dpi)."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def save_png(*, fig, path):
    """Write the figure to ``path`` as a PNG, atomically; return the bytes."""
    data = png(fig)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return data


def confusion_figure(*, confusion, title):
    """A confusion matrix: colour by row share, counts written in.

    Parameters
    ----------
    confusion : DataFrame
        Counts, rows true classes, columns predicted classes.
    title : str
    """
    counts = confusion.to_numpy()
    shares = counts / counts.sum(axis=1, keepdims=True).clip(min=1)
    size = 1.5 + 0.6 * max(counts.shape)
    fig = _figure(size + 1.5, size)
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
    return fig


def tag_auc_figure(*, per_tag, title):
    """Grouped bars of per-tag AUC-ROC, one colour per system.

    Parameters
    ----------
    per_tag : DataFrame
        Index (system, tag) with an ``auc`` column.
    title : str
    """
    table = per_tag["auc"].unstack("system")
    fig = _figure(2 + 0.5 * len(table) * max(1, len(table.columns) / 2), 4.5)
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
    return fig


def ranks_figure(*, comparisons):
    """Friedman mean ranks with Tukey-Kramer comparison intervals, one panel per table.

    Each system's interval is its mean rank plus and minus half the critical
    difference, as Matlab's ``multcompare`` draws them: two systems whose
    intervals do not overlap differ significantly (alpha 0.05).

    Parameters
    ----------
    comparisons : list of Comparison
    """
    n_systems = len(comparisons[0].test.mean_ranks)
    fig = _figure(7, (0.9 + 0.35 * n_systems) * len(comparisons) + 0.4)
    for k, comparison in enumerate(comparisons, start=1):
        ax = fig.add_subplot(len(comparisons), 1, k)
        ranks = comparison.test.mean_ranks.sort_values(ascending=False)
        half = comparison.pairs["critical_difference"].iloc[0] / 2
        y = np.arange(len(ranks))
        ax.errorbar(ranks.to_numpy(), y, xerr=half, fmt="o", color="tab:blue", ecolor="tab:blue", capsize=3)
        ax.set_yticks(y, [str(s) for s in ranks.index])
        ax.set_ylim(-0.6, len(ranks) - 0.4)
        ax.set_xlim(max(n_systems + 0.5, ranks.max() + half + 0.1), min(0.5, ranks.min() - half - 0.1))  # 1 right
        p = comparison.test.p_value
        ax.set_title(f"{comparison.title}: " + ("all tied" if np.isnan(p) else f"p = {p:.3g}"), fontsize=9)
    ax.set_xlabel("mean rank (1 = best), interval = mean rank ± half the critical difference")
    return fig


def neighbourhood_figure(*, per_n, title):
    """Neighbourhood clustering at each N, one panel per statistic, with the random baselines dashed.

    Parameters
    ----------
    per_n : DataFrame
        Index (system, n); columns as in :class:`~mirex.evaluate.simmetrics.SimilarityScores`.
    title : str
    """
    columns = [c for c in ("label", "label_group_filtered", "group") if per_n[c].notna().any()]
    at = sorted(per_n.index.get_level_values("n").unique())
    fig = _figure(3.6 * len(columns) + 0.6, 3.8)
    for k, column in enumerate(columns, start=1):
        ax = fig.add_subplot(1, len(columns), k)
        for system, table in per_n.groupby(level="system", sort=False):
            values = table.droplevel("system")
            line, = ax.plot(values.index, values[column], marker="o", label=system)
            ax.plot(values.index, values[f"{column}_baseline"], linestyle="--", color=line.get_color(), alpha=0.5)
        ax.set_xscale("log")
        ax.minorticks_off()
        ax.set_xticks(at, [str(n) for n in at])
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("N (nearest files)")
        ax.set_title(column, fontsize=9)
    ax.legend(fontsize=8)
    fig.suptitle(title + " (dashed: random baseline)", fontsize=10)
    return fig
