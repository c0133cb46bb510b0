"""Friedman's test: against scipy for three or more systems, and by hand."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import friedmanchisquare

from mirex.evaluate.significance import friedman, rank_hsd


@pytest.mark.parametrize("seed", range(5))
def test_matches_scipy_with_three_or_more_systems(seed):
    rng = np.random.default_rng(seed)
    k = 3 + seed % 3
    # One decimal place, so that rows have ties and the tie correction matters.
    table = pd.DataFrame(np.round(rng.random((6 + seed, k)), 1), columns=[f"s{i}" for i in range(k)])
    ours = friedman(table=table)
    theirs = friedmanchisquare(*(table[c] for c in table))
    assert ours.statistic == pytest.approx(theirs.statistic)
    assert ours.p_value == pytest.approx(theirs.pvalue)
    assert ours.df == k - 1 and ours.n_blocks == len(table)


def test_three_systems_by_hand():
    # a beats b beats c in all four rows: rank sums 4, 8, 12;
    # chi2 = 12/(4*3*4) * (16+64+144) - 3*4*4 = 8, and chi2(2) sf(8) = exp(-4).
    table = pd.DataFrame({"a": [0.9, 0.8, 0.7, 0.6], "b": [0.8, 0.7, 0.6, 0.5], "c": [0.1, 0.2, 0.3, 0.4]})
    result = friedman(table=table)
    assert result.statistic == pytest.approx(8.0)
    assert result.p_value == pytest.approx(math.exp(-4))
    assert result.mean_ranks.to_dict() == {"a": 1.0, "b": 2.0, "c": 3.0}


def test_two_systems_by_hand_with_a_tie():
    # Ranks of a: 1, 1.5, 1 (sum 3.5); b: 2, 1.5, 2 (sum 5.5). Uncorrected
    # 12/(3*2*3) * (3.5^2 + 5.5^2) - 3*3*3 = 4/3; tie correction 1 - 6/18 = 2/3;
    # chi2 = 2, and chi2(1) sf(2) = erfc(1).
    table = pd.DataFrame({"a": [0.9, 0.8, 0.7], "b": [0.5, 0.8, 0.6]})
    result = friedman(table=table)
    assert result.statistic == pytest.approx(2.0)
    assert result.p_value == pytest.approx(math.erfc(1.0))
    assert result.df == 1
    assert result.mean_ranks.to_dict() == pytest.approx({"a": 7 / 6, "b": 11 / 6})


def test_all_ties_give_nan():
    result = friedman(table=pd.DataFrame({"a": [0.5, 0.6], "b": [0.5, 0.6]}))
    assert math.isnan(result.statistic) and math.isnan(result.p_value)


def test_rows_with_missing_values_are_dropped():
    table = pd.DataFrame({"a": [0.9, np.nan, 0.7], "b": [0.5, 0.1, 0.6]})
    assert friedman(table=table).n_blocks == 2


def test_needs_two_systems():
    with pytest.raises(ValueError, match="at least two systems"):
        friedman(table=pd.DataFrame({"a": [0.5, 0.6]}))


def test_rank_hsd_by_hand():
    # Critical difference q(0.95, 3, inf) * sqrt(3*4 / (12*4)) = 3.3145 * 0.5.
    table = pd.DataFrame({"a": [0.9, 0.8, 0.7, 0.6], "b": [0.8, 0.7, 0.6, 0.5], "c": [0.1, 0.2, 0.3, 0.4]})
    pairs = rank_hsd(table=table).set_index(["system_a", "system_b"])
    assert pairs["critical_difference"].iloc[0] == pytest.approx(3.3145 * 0.5, abs=1e-3)
    assert pairs.loc[("a", "c"), "rank_difference"] == pytest.approx(-2.0)
    assert pairs["significant"].to_dict() == {("a", "b"): False, ("a", "c"): True, ("b", "c"): False}
