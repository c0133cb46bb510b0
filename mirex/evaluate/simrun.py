"""Similarity evaluation: ``mirex similarity`` per system on the whole dataset, then its statistics.

The dataset list is a classification list (``path<TAB>label[<TAB>group]``,
:func:`~mirex.evaluate.dataset.load_dataset`). Each system's distance matrix
is written by the ``mirex similarity`` command (run in this process, with
the system's options) to ``matrices/SYSTEM.txt``, read back the way graders
read it, matched to the clips by base name, and scored with
:func:`~mirex.evaluate.simmetrics.similarity_scores`. Results (each written
atomically): ``per_n.csv`` (every statistic at every N), ``leaderboard.csv``
(one row per system) and ``summary.md``.
"""
import contextlib
import io
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mirex.atomic import write_text
from mirex.errors import EvaluationError, MirexError
from mirex.evaluate.dataset import clip_key, load_dataset
from mirex.evaluate.report import _markdown
from mirex.evaluate.simmetrics import similarity_scores
from mirex.listfile import write_list
from mirex.tasks.similarity import read_matrix

__all__ = ["similarity_matrix", "run_similarity_evaluation"]


def similarity_matrix(*, list_file, out, options, n_jobs=None, cache_dir=None):
    """Run ``mirex similarity LIST OUT OPTIONS`` in this process; return its wall-clock seconds.

    Raises
    ------
    EvaluationError
        If the options are not valid or the command fails (its one-line message).
    """
    from mirex.cli import build_parser

    argv = ["similarity", str(list_file), str(out), *(["-numThreads", str(n_jobs)] if n_jobs else []), *options,
            *(["--cache", str(cache_dir)] if cache_dir else []), "--quiet"]
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            args = build_parser().parse_args(argv)
    except SystemExit:
        raise EvaluationError(f"mirex similarity refused options {' '.join(options)!r}: "
                              f"{stderr.getvalue().strip().splitlines()[-1:]}") from None
    start = time.perf_counter()
    try:
        args.func(args)
    except MirexError as exc:
        raise EvaluationError(f"mirex similarity failed: {exc}") from None
    return time.perf_counter() - start


def _aligned(matrix_file, dataset):
    paths, distances = read_matrix(path=matrix_file)
    row_of = {clip_key(p): i for i, p in enumerate(paths)}
    order = [row_of.get(clip_key(p)) for p in dataset.paths]
    if None in order:
        raise EvaluationError(f"{matrix_file}: {order.count(None)} dataset clip(s) have no row")
    return distances[np.ix_(order, order)]


def run_similarity_evaluation(*, dataset_list, systems, out_dir=None, n_jobs=None, cache_dir=None, seed=0,
                              progress=None):
    """Score the distance matrix of every system on a dataset and write the comparison.

    Parameters
    ----------
    dataset_list : str or Path
        ``path<TAB>label[<TAB>group]`` per line.
    systems : dict of str to list of str
        Name -> options of ``mirex similarity``.
    out_dir : str or Path, optional
        Default ``results/DATASET-similarity``.
    n_jobs : int, optional
    cache_dir : str or Path, optional
    seed : int
        Seed of the sampled triples of the triangle inequality.
    progress : callable, optional

    Returns
    -------
    board : DataFrame
        One row per system: label, group-filtered label and group
        neighbourhood at each N, distance ratios, triangle violations, time_s.
    """
    dataset = load_dataset(path=dataset_list)
    out_dir = Path(out_dir) if out_dir else Path("results") / f"{dataset.name}-similarity"
    list_file = out_dir / "list.txt"
    write_list(list_file, [(p,) for p in dataset.paths])
    if progress:
        progress(f"similarity evaluation: {len(dataset.paths)} clips, systems: {', '.join(systems)}; "
                 f"results in {out_dir}")
    per_n, rows = {}, []
    for k, (name, options) in enumerate(systems.items(), start=1):
        if progress:
            progress(f"[{k}/{len(systems)}] {name}: distance matrix of {len(dataset.paths)} clips")
        matrix = out_dir / "matrices" / f"{name}.txt"
        try:
            seconds = similarity_matrix(list_file=list_file, out=matrix, options=options, n_jobs=n_jobs,
                                        cache_dir=cache_dir)
            scores = similarity_scores(distances=_aligned(matrix, dataset), labels=dataset.labels,
                                       groups=dataset.groups, seed=seed)
        except MirexError as exc:
            raise EvaluationError(f"system {name!r}: {exc}") from None
        per_n[name] = scores.per_n
        row = {"system": name}
        for n, values in scores.per_n.iterrows():
            row.update({f"{column}@{n}": values[column] for column in ("label", "label_group_filtered", "group")})
        rows.append({**row, **scores.overall, "time_s": seconds})
    table = pd.concat(per_n, names=["system"])
    board = pd.DataFrame(rows).dropna(axis=1, how="all")
    write_text(out_dir / "per_n.csv", table.to_csv())
    write_text(out_dir / "leaderboard.csv", board.to_csv(index=False))
    lines = [
        f"# Similarity statistics on {dataset.name}", "",
        f"- dataset list: `{dataset.source}`; clips: {len(dataset.paths)}; labels: {len(set(dataset.labels))}",
        "- systems: " + "; ".join(f"{n} (`{' '.join(o) or 'no options'}`)" for n, o in systems.items()), "",
        "## Comparison", "", _markdown(board.set_index("system")), "",
        "label@N / group@N: share of a query's N nearest files in its class, over the most possible (1 = "
        "perfect); label_group_filtered@N: the same by label with the query's group removed first; "
        "*_distance_ratio: mean within-class over mean overall distance (below 1 is good); "
        "triangle_violations: share of sampled triples breaking the triangle inequality.", "",
        "## Every statistic at every N (with random baselines and hubness)", "", _markdown(table), "",
    ]
    write_text(out_dir / "summary.md", "\n".join(lines))
    return board
