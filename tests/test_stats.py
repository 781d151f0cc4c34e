"""Statistics against hand computations, textbook examples and scipy/statsmodels."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from plasticnets.analysis import stats


def test_iqm_is_the_mean_of_the_middle_half():
    assert stats.iqm([1, 2, 3, 4, 5, 6, 7, 8]) == 4.5  # mean of 3, 4, 5, 6
    assert stats.iqm([0, 0, 1, 1, 1, 1, 100, -100]) == 0.75  # sorted middle half 0, 1, 1, 1: outliers trimmed


def test_a12_hand_cases_and_mann_whitney_identity():
    # x=[3, 4], y=[1, 3]: 3>1, 3=3 (half), 4>1, 4>3 -> 3.5 / 4
    assert stats.a12([3, 4], [1, 3]) == 0.875
    assert stats.a12([1, 2], [1, 2]) == 0.5
    assert stats.a12([5, 6], [1, 2]) == 1.0 and stats.a12([1, 2], [5, 6]) == 0.0
    x, y = [2.1, 3.5, 0.4, 7.7, 5.0], [1.0, 3.5, 2.2, 0.3]
    u = sps.mannwhitneyu(x, y).statistic
    assert stats.a12(x, y) == pytest.approx(u / (len(x) * len(y)))


def test_welch_matches_hand_formula():
    # a: mean 3, var 2.5; b: mean 6, var 10; se = sqrt(2.5/5 + 10/5) = sqrt(2.5)
    t, df, p = stats.welch([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert t == pytest.approx(-3 / math.sqrt(2.5))
    assert df == pytest.approx(2.5**2 / (0.5**2 / 4 + 2**2 / 4))
    assert p == pytest.approx(2 * sps.t.sf(abs(t), df))


def test_degenerate_groups_do_not_give_nan_where_the_answer_is_known():
    assert stats.welch([500, 500, 500], [500, 500, 500])[2] == 1.0  # identical: nothing to detect
    t, df, p = stats.welch([500, 500], [400, 400])
    assert math.isnan(p)  # undefined t; the rank test still answers
    assert stats.mann_whitney([500, 500, 500], [400, 400, 400])[1] < 0.2
    assert stats.bootstrap_ci([500, 500, 500]) == (500.0, 500.0)
    assert all(math.isnan(v) for v in stats.bootstrap_ci([3.0]))


def test_hedges_g_hand_case():
    # pooled SD 1, d = -3, correction 1 - 3 / (4 * 6 - 9) = 0.8
    assert stats.hedges_g([1, 2, 3], [4, 5, 6]) == pytest.approx(-2.4)


def test_holm_textbook_example_and_statsmodels():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> monotone 0.06
    np.testing.assert_allclose(stats.holm(p), [0.03, 0.06, 0.06, 0.02])
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 0.2, size=12)
    np.testing.assert_allclose(stats.holm(p), multipletests(p, method="holm")[1])
    adjusted = stats.holm([0.01, np.nan, 0.02])
    assert math.isnan(adjusted[1]) and adjusted[0] == pytest.approx(0.02)  # NaN does not count in m


def test_bootstrap_ci_is_seeded_and_covers_the_mean():
    values = [1.0, 4.0, 2.0, 8.0, 5.0, 7.0]
    config = stats.StatsConfig(resamples=2000, seed=3)
    low, high = stats.bootstrap_ci(values, np.mean, config)
    assert low < np.mean(values) < high and (low, high) == stats.bootstrap_ci(values, np.mean, config)
    assert min(values) <= low and high <= max(values)
    low_d, high_d = stats.diff_ci([10, 11, 12, 13], [1, 2, 3, 4], config)
    assert 7 <= low_d <= 9 <= high_d <= 11


def test_min_mann_whitney_p():
    assert stats.min_mann_whitney_p(3, 3, "greater") == pytest.approx(1 / 20)
    assert stats.min_mann_whitney_p(2, 2) == pytest.approx(2 / 6)
    # the exact test really reaches that floor
    assert sps.mannwhitneyu([4, 5, 6], [1, 2, 3], alternative="greater").pvalue == pytest.approx(1 / 20)


def test_group_and_comparison_tables():
    rows = [{"family": "smgrnn", "task": "CartPole-v1", "variant": v, "seed": s, "late_reward": r,
             "eval_mean": r, "final_hidden": 3.0, "final_edges": 9.0, "final_params": 12.0}
            for v, base in (("full", 490.0), ("static", 300.0), ("mlp_16", 480.0)) for s, r in
            enumerate(base + np.array([0.0, 5.0, -5.0, 2.0]))]
    summary = pd.DataFrame(rows)
    config = stats.StatsConfig(resamples=500)
    groups = stats.group_table(summary, config)
    full = groups[(groups["variant"] == "full") & (groups["metric"] == "late_reward")].iloc[0]
    assert full["n"] == 4 and full["mean"] == pytest.approx(490.5) and full["iqm"] == pytest.approx(491.0)
    tests = stats.comparison_table(summary, config)
    assert set(tests["group_b"]) == {"static", "mlp_16"} and set(tests["group_a"]) == {"full"}
    late = tests[tests["metric"] == "late_reward"].set_index("group_b")
    assert late.loc["static", "a12"] == 1.0 and late.loc["static", "diff"] == pytest.approx(190.0)
    # Holm within (family, metric): two comparisons
    np.testing.assert_allclose(late["mwu_p_holm"], stats.holm(late["mwu_p"]))
