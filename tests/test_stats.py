"""Statistics against hand computations, textbook examples and scipy/statsmodels."""

import math
import warnings

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


def test_stats_config_defaults_are_the_documented_ones():
    # docs/decisions.md: 10,000 resamples with a fixed seed, 95 % intervals, alpha 0.05
    assert stats.StatsConfig() == stats.StatsConfig(resamples=10_000, confidence=0.95, alpha=0.05, seed=0)
    with pytest.raises(AttributeError):
        stats.StatsConfig().alpha = 0.1


def test_vectorised_statistics_work_along_the_last_axis():
    m = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]])
    np.testing.assert_allclose(stats._iqm_axis(m), [2.5, 25.0])
    np.testing.assert_allclose(stats.mean_difference(m, np.ones_like(m)), [1.5, 24.0])
    np.testing.assert_allclose(stats.mean_ratio(m, np.full_like(m, 2.0)), [1.25, 12.5])


def test_statistics_at_their_size_limits_without_warnings():
    one, two, three = [1.0], [1.0, 3.0], [2.0, 4.0, 9.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy/scipy warnings from one-seed or empty groups
        for x, y in ((one, three), (three, one)):
            assert all(math.isnan(v) for v in stats.welch(x, y))
            assert math.isnan(stats.hedges_g(x, y))
            assert all(math.isnan(v) for v in stats.two_sample_ci(x, y, stats.mean_difference))
        for x, y in ((two, three), (three, two)):
            assert all(math.isfinite(v) for v in stats.welch(x, y))
            assert math.isfinite(stats.hedges_g(x, y))
            low, high = stats.two_sample_ci(x, y, stats.mean_difference)
            assert low < high
        assert all(math.isnan(v) for v in stats.bootstrap_ci(one))
        low, high = stats.bootstrap_ci(two)  # two seeds: an interval, however poor
        assert 1.0 <= low < high <= 3.0
        for x, y in (([], three), (three, [])):
            assert all(math.isnan(v) for v in stats.mann_whitney(x, y))
        assert stats.mann_whitney(one, three) == (0.0, pytest.approx(0.5))  # exact two-sided: 2 x 1/4
        assert stats.mann_whitney(three, one) == (3.0, pytest.approx(0.5))
        empty = stats.compare([], two)
        assert empty["n_a"] == 0 and all(math.isnan(empty[k]) for k in ("mean_a", "diff", "a12", "hedges_g", "mwu_p"))
        assert stats.compare(two, [])["n_b"] == 0 and math.isnan(stats.compare(two, [])["diff"])
    assert stats.min_mann_whitney_p(0, 4) == stats.min_mann_whitney_p(4, 0, "less") == 1.0
    assert stats.min_mann_whitney_p(1, 3, "greater") == stats.min_mann_whitney_p(3, 1, "less") == pytest.approx(1 / 4)


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")  # scipy, on the reference computation
def test_constant_groups_are_detected_exactly():
    # x.var() of 0.1, 0.1, 0.1 is 2e-34, not 0: a variance test would treat these groups as varying
    tenth = [0.1, 0.1, 0.1]
    assert stats.welch(tenth, tenth + [0.1])[::2] == (0.0, 1.0) and math.isnan(stats.welch(tenth, tenth)[1])
    assert math.isnan(stats.hedges_g(tenth, [0.2, 0.2, 0.2]))
    assert stats.two_sample_ci(tenth, [0.3, 0.3, 0.3], stats.mean_ratio) == (0.1 / 0.3, 0.1 / 0.3)
    assert stats.bootstrap_ci(tenth) == (0.1, 0.1)  # scipy's resampled means would give 0.10000000000000002
    # one constant group is not a point: the other one varies
    low, high = stats.two_sample_ci([5.0, 5.0, 5.0], [1.0, 2.0, 3.0], stats.mean_difference)
    assert 2.0 <= low < high <= 4.0
    t, df, p = stats.welch([5.0, 5.0, 5.0], [1.0, 2.0, 3.0])
    expected = sps.ttest_ind([5.0, 5.0, 5.0], [1.0, 2.0, 3.0], equal_var=False)
    assert (t, df, p) == pytest.approx((expected.statistic, expected.df, expected.pvalue))


def test_hedges_g_with_unequal_sizes_and_variances():
    # x: mean 1, var 2 (n 2); y: mean 2, var 12 (n 3): pooled SD sqrt((1*2 + 2*12) / 3), J = 1 - 3 / (4*5 - 9)
    assert stats.hedges_g([0.0, 2.0], [0.0, 0.0, 6.0]) == pytest.approx(-1 / math.sqrt(26 / 3) * 8 / 11)


def test_describe_drops_nan_and_handles_tiny_groups():
    d = stats.describe([1.0, 2.0, 3.0, 4.0, math.nan])  # a plain list with a NaN
    assert (d["n"], d["mean"], d["median"], d["iqm"]) == (4, 2.5, 2.5, 2.5)
    assert d["std"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert d["mean_ci_low"] < 2.5 < d["mean_ci_high"] and d["iqm_ci_low"] < 2.5 < d["iqm_ci_high"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one, empty = stats.describe([5.0]), stats.describe([])
    assert (one["n"], one["mean"], one["median"], one["iqm"]) == (1, 5.0, 5.0, 5.0) and math.isnan(one["std"])
    assert empty["n"] == 0 and all(math.isnan(v) for k, v in empty.items() if k != "n")


def test_compare_takes_lists_and_drops_nan():
    c = stats.compare([1.0, 2.0, 3.0, math.nan], [2.0, 4.0, 6.0, math.nan])
    assert (c["n_a"], c["n_b"], c["mean_a"], c["mean_b"], c["diff"]) == (3, 3, 2.0, 4.0, -2.0)
    assert c["a12"] == stats.a12([1, 2, 3], [2, 4, 6]) and c["diff_ci_low"] < -2.0 < c["diff_ci_high"]


def test_hedges_g_with_one_constant_group_uses_the_other_groups_spread():
    # pooled SD = sqrt((0 + 2 * 1) / 4); only two constant groups have none (a mutation run found this untested)
    assert stats.hedges_g([1, 1, 1], [1, 2, 3]) == pytest.approx(-1 / math.sqrt(0.5) * (1 - 3 / 15))
