"""The tables and summaries of a similarity evaluation.

Files in the results folder (``results/DATASET-similarity/`` by default),
each written atomically: ``per_n.csv`` (every statistic at every N),
``leaderboard.csv`` (one row per system), ``summary.md`` and
``report.html`` (all of it on one self-contained page, with the
neighbourhood statistics as a picture; :mod:`~mirex.evaluate.htmlpage`).
There is no significance test: each system gives one distance matrix.
"""
from dataclasses import dataclass

import pandas as pd

from mirex.atomic import write_text
from mirex.evaluate import htmlpage
from mirex.evaluate.plots import neighbourhood_figure, png
from mirex.evaluate.simmetrics import SimilarityScores
from mirex.evaluate.summary import markdown, systems_line

__all__ = ["SimilarityResult", "write_similarity_report"]

_NOTE = ("label@N / group@N: share of a query's N nearest files in its class, over the most possible (1 = "
         "perfect); label_group_filtered@N: the same by label with the query's group removed first; "
         "*_distance_ratio: mean within-class over mean overall distance (below 1 is good); "
         "triangle_violations: share of sampled triples breaking the triangle inequality.")


@dataclass(frozen=True)
class SimilarityResult:
    """One system's distance matrix, scored.

    Attributes
    ----------
    name : str
    options : list of str
    scores : SimilarityScores
    seconds : float
        Wall-clock time of writing the matrix (feature extraction included).
    """

    name: str
    options: list
    scores: SimilarityScores
    seconds: float


def write_similarity_report(*, out_dir, dataset, results, command=""):
    """Write the tables, the summary and the page of a similarity evaluation.

    Parameters
    ----------
    out_dir : Path
    dataset : Dataset
    results : list of SimilarityResult
    command : str
        The command that runs the evaluation again (for the page).

    Returns
    -------
    board : DataFrame
        One row per system: label, group-filtered label and group
        neighbourhood at each N, distance ratios, triangle violations, time_s.
    """
    rows = []
    for result in results:
        row = {"system": result.name}
        for n, values in result.scores.per_n.iterrows():
            row.update({f"{column}@{n}": values[column] for column in ("label", "label_group_filtered", "group")})
        rows.append({**row, **result.scores.overall, "time_s": result.seconds})
    table = pd.concat({r.name: r.scores.per_n for r in results}, names=["system"])
    board = pd.DataFrame(rows).dropna(axis=1, how="all")
    write_text(out_dir / "per_n.csv", table.to_csv())
    write_text(out_dir / "leaderboard.csv", board.to_csv(index=False))
    clips = f"clips: {len(dataset.paths)}; labels: {len(set(dataset.labels))}"
    lines = [
        f"# Similarity statistics on {dataset.name}", "",
        f"- dataset list: `{dataset.source}`; {clips}", f"- {systems_line(results=results)}", "",
        "## Comparison", "", markdown(board.set_index("system")), "", _NOTE, "",
        "## Every statistic at every N (with random baselines and hubness)", "", markdown(table), "",
    ]
    write_text(out_dir / "summary.md", "\n".join(lines))
    picture = png(neighbourhood_figure(per_n=table, title=f"Neighbourhood clustering on {dataset.name}"))
    sections = [
        htmlpage.section("Comparison", htmlpage.table(board.set_index("system")), htmlpage.text(_NOTE, note=True)),
        htmlpage.section("Neighbourhood statistics", htmlpage.image(picture, alt="neighbourhood clustering"),
                         htmlpage.table(table)),
        htmlpage.section("Significance", htmlpage.text(
            "No significance test: each system gives one distance matrix of the whole list, not one score per "
            "fold.", note=True))]
    htmlpage.write_page(path=out_dir / "report.html", title=f"Similarity statistics on {dataset.name}",
                        facts=[f"dataset list: {dataset.source}", clips, "no folds: one distance matrix per system",
                               systems_line(results=results, quote="")], sections=sections, command=command)
    return board
