"""Accuracy by stratum: clips grouped by a column of a side table (e.g. the package a clip comes from).

A side table is tab-separated with a header line; its ``path`` column names
clips as the dataset list does (matched by :func:`~mirex.evaluate.dataset.clip_key`).
"""
import numpy as np
import pandas as pd

from mirex.errors import DataError
from mirex.evaluate.dataset import clip_key
from mirex.evaluate.classmetrics import normalise_label

__all__ = ["read_strata", "strata_accuracy"]


def read_strata(*, path, column):
    """Map each clip's key to its value in ``column`` of the side table at ``path``.

    Raises
    ------
    DataError
        If the table cannot be read or lacks the ``path`` or ``column`` column.
    """
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the side table ({exc})") from None
    missing = [c for c in ("path", column) if c not in table.columns]
    if missing:
        raise DataError(f"{path}: no column {', '.join(map(repr, missing))} (columns: {', '.join(table.columns)})")
    return {clip_key(p): value for p, value in zip(table["path"], table[column])}


def strata_accuracy(*, dataset, results, strata):
    """Accuracy of each system within each stratum.

    Parameters
    ----------
    dataset : Dataset
    results : list of SystemResult
        Each with the ``answers`` of every clip of ``dataset``.
    strata : dict of str to str
        :func:`read_strata`'s map; clips it does not name form the stratum ``'(none)'``.

    Returns
    -------
    table : DataFrame
        Index: stratum; columns ``clips`` and one accuracy column per system.
    """
    keys = np.array([strata.get(clip_key(p), "(none)") for p in dataset.paths])
    reference = np.array([normalise_label(label) for label in dataset.labels])
    table = pd.DataFrame({"clips": pd.Series(keys).value_counts()}).sort_index()
    for result in results:
        correct = pd.Series(reference == np.array([normalise_label(a or "") for a in result.answers]))
        table[result.name] = correct.groupby(keys).mean()
    return table.rename_axis("stratum")
