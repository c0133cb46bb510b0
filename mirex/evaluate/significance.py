"""Friedman's test across systems, with Tukey-Kramer HSD on the mean ranks.

MIREX compared systems with Friedman's test on a table of per-fold (or
per-class) accuracies: rows are blocks, columns are systems. Systems are
ranked within each row (rank 1 = best, ties share the average rank) and the
statistic is computed from the rank sums with the usual tie correction, the
same formula as ``scipy.stats.friedmanchisquare``, which however refuses
fewer than three systems; this one works for two. Pairwise comparisons use
the Tukey-Kramer honestly significant difference on mean ranks, as the MIREX
evaluator (Matlab's ``multcompare`` after ``friedman``) did.
"""
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import chi2, rankdata, studentized_range

__all__ = ["FriedmanResult", "friedman", "rank_hsd"]


@dataclass(frozen=True)
class FriedmanResult:
    """The outcome of Friedman's test.

    Attributes
    ----------
    statistic : float
        Friedman's chi-square (tie-corrected); NaN if every row is all ties.
    p_value : float
        Upper tail of chi-square with ``df`` degrees of freedom; NaN with the statistic.
    df : int
        Number of systems minus one.
    n_blocks : int
        Number of rows (folds or classes) used.
    mean_ranks : Series
        Mean rank of each system, 1 = best.
    """

    statistic: float
    p_value: float
    df: int
    n_blocks: int
    mean_ranks: pd.Series


def _ranks(table):
    """Ranks within each complete row of ``table``, 1 for the highest score."""
    if table.shape[1] < 2:
        raise ValueError(f"Friedman's test needs at least two systems, got {table.shape[1]}")
    table = table.dropna()
    if table.empty:
        raise ValueError("Friedman's test needs at least one row without missing values")
    return pd.DataFrame(rankdata(-table.to_numpy(dtype=float), axis=1), index=table.index, columns=table.columns)


def friedman(*, table):
    """Friedman's test of whether systems differ.

    Parameters
    ----------
    table : DataFrame
        Scores (higher is better); one row per block (fold or class), one
        column per system. Rows with a missing value are dropped.

    Returns
    -------
    FriedmanResult

    Raises
    ------
    ValueError
        With fewer than two systems or no complete row.
    """
    ranks = _ranks(table)
    n, k = ranks.shape
    rank_sums = ranks.sum(axis=0).to_numpy()
    ties = sum(float(np.sum(c**3 - c)) for c in (np.unique(row, return_counts=True)[1] for row in ranks.to_numpy()))
    correction = 1.0 - ties / (n * k * (k * k - 1))
    if correction <= 0:
        statistic = p_value = float("nan")
    else:
        statistic = (12.0 / (n * k * (k + 1)) * float(np.sum(rank_sums**2)) - 3.0 * n * (k + 1)) / correction
        p_value = float(chi2.sf(statistic, k - 1))
    return FriedmanResult(float(statistic), p_value, k - 1, n, ranks.mean(axis=0).rename("mean_rank"))


def rank_hsd(*, table, alpha=0.05):
    """Tukey-Kramer HSD on Friedman mean ranks for every pair of systems.

    Parameters
    ----------
    table : DataFrame
        As for :func:`friedman`.
    alpha : float
        Family-wise significance level.

    Returns
    -------
    pairs : DataFrame
        One row per pair: ``system_a``, ``system_b``, ``rank_difference``
        (mean rank of a minus b; negative means a is better),
        ``critical_difference`` and ``significant``.
    """
    ranks = _ranks(table)
    n, k = ranks.shape
    mean = ranks.mean(axis=0)
    critical = float(studentized_range.ppf(1 - alpha, k, np.inf) * np.sqrt(k * (k + 1) / (12.0 * n)))
    rows = [{"system_a": a, "system_b": b, "rank_difference": float(mean[a] - mean[b]),
             "critical_difference": critical, "significant": bool(abs(mean[a] - mean[b]) > critical)}
            for a, b in combinations(ranks.columns, 2)]
    return pd.DataFrame(rows, columns=["system_a", "system_b", "rank_difference", "critical_difference",
                                       "significant"])
