"""What every task's report shares: Markdown tables, the header lines, the Friedman gate and its picture.

Friedman's test (:mod:`~mirex.evaluate.significance`) runs on tables of
scores with one column per system, so it needs two systems or more; with
fewer, the report says so and ``significance.csv`` is not written.
"""
import math
from dataclasses import dataclass

import pandas as pd

from mirex.atomic import write_text
from mirex.evaluate import htmlpage
from mirex.evaluate.plots import png, ranks_figure
from mirex.evaluate.significance import FriedmanResult, friedman, rank_hsd

__all__ = ["Comparison", "markdown", "systems_line", "group_note", "compare_systems", "significance_section"]


def markdown(frame, *, digits=4):
    """A DataFrame (with its index) as a GitHub-flavoured Markdown table."""
    frame = frame.reset_index()
    cells = [[f"{x:.{digits}f}" if isinstance(x, float) else str(x) for x in row]
             for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])


def systems_line(*, results, quote="`"):
    """The header line naming each system and its options (in ``quote``)."""
    return "systems: " + "; ".join(f"{r.name} ({quote}{' '.join(r.options) or 'no options'}{quote})"
                                   for r in results)


def group_note(*, dataset, filter_name):
    """Whether the dataset's group column filters the folds (``filter_name``: 'artist filter', 'group filter')."""
    if any(g is not None for g in dataset.groups):
        return f"{filter_name} on the group column"
    return "no group column: each clip is its own group"


@dataclass(frozen=True)
class Comparison:
    """Friedman's test and the rank HSD on one table of scores.

    Attributes
    ----------
    name, title : str
        The table's name (``significance.csv``) and its heading.
    test : FriedmanResult
    pairs : DataFrame
        :func:`~mirex.evaluate.significance.rank_hsd`'s table.
    """

    name: str
    title: str
    test: FriedmanResult
    pairs: pd.DataFrame


def compare_systems(*, out_dir, tables, titles):
    """Friedman's test and rank HSD on each table, written to ``significance.csv``, as Markdown.

    Parameters
    ----------
    out_dir : Path
    tables : dict of str to DataFrame
        Blocks x systems scores (higher is better).
    titles : dict of str to str
        A heading for each table.

    Returns
    -------
    comparisons : list of Comparison
        Empty with fewer than two systems (no ``significance.csv`` then).
    text : list of str
        Markdown lines.
    """
    if len(next(iter(tables.values())).columns) < 2:
        return [], ["Friedman's test needs at least two systems.", ""]
    comparisons, rows, text = [], [], []
    for name, table in tables.items():
        test = friedman(table=table)
        pairs = rank_hsd(table=table)
        comparisons.append(Comparison(name, titles[name], test, pairs))
        rows.append({"table": name, "statistic": test.statistic, "df": test.df, "p_value": test.p_value,
                     "n_blocks": test.n_blocks, **{f"mean_rank_{s}": r for s, r in test.mean_ranks.items()}})
        text += [f"### {titles[name]}", "",
                 ("Friedman's test is undefined: the systems tie in every block." if math.isnan(test.statistic)
                  else f"Friedman chi-square = {test.statistic:.4f}, df = {test.df}, p = {test.p_value:.4g} "
                       f"({test.n_blocks} blocks; scores ranked within each block, 1 = best)."), "",
                 markdown(test.mean_ranks.to_frame().rename_axis("system")), "",
                 "Tukey-Kramer HSD on mean ranks (alpha 0.05):", "",
                 markdown(pairs.set_index(["system_a", "system_b"])), ""]
    write_text(out_dir / "significance.csv", pd.DataFrame(rows).to_csv(index=False))
    return comparisons, text


def significance_section(*, comparisons):
    """The page's section on Friedman's test: the mean-rank picture and the tests' numbers.

    Parameters
    ----------
    comparisons : list of Comparison
        :func:`compare_systems`'s (empty: fewer than two systems).

    Returns
    -------
    html : str
    """
    if not comparisons:
        return htmlpage.section("Friedman's test", htmlpage.text("Friedman's test needs at least two systems."))
    numbers = pd.DataFrame([{"table": c.title, "chi_square": c.test.statistic, "df": c.test.df,
                             "p_value": c.test.p_value, "blocks": c.test.n_blocks} for c in comparisons])
    pairs = pd.concat({c.title: c.pairs.set_index(["system_a", "system_b"]) for c in comparisons}, names=["table"])
    return htmlpage.section(
        "Friedman's test", htmlpage.image(png(ranks_figure(comparisons=comparisons)), alt="mean ranks"),
        htmlpage.text("Mean ranks (1 = best) with Tukey-Kramer comparison intervals: systems whose intervals "
                      "do not overlap differ significantly (alpha 0.05).", note=True),
        htmlpage.table(numbers.set_index("table")), htmlpage.table(pairs))
