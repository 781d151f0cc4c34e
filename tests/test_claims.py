"""Claims evaluation on synthetic summary tables: every verdict and its reason, and claim-file errors."""

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from plasticnets.analysis import claims as cl
from plasticnets.analysis.stats import StatsConfig
from plasticnets.analysis.tables import write_claims
from plasticnets.figures import make_figure

ROOT = Path(__file__).resolve().parents[1]
CONFIG = StatsConfig(resamples=1000, seed=0)


def summary(groups: dict[str, list[float]], metric="score", task="T", family="fam") -> pd.DataFrame:
    return pd.DataFrame([{"family": family, "task": task, "variant": v, "seed": s, metric: x}
                         for v, values in groups.items() for s, x in enumerate(values)])


def claim(**kw) -> dict:
    base = {"id": "c", "statement": "s", "source": "src", "family": "fam", "metric": "score", "tasks": ["T"],
            "group": "a", "paper": "p"}
    return {**base, **kw}


def verdict(table, **kw):
    row = table.iloc[0]
    return row["verdict"], row["reason"]


@pytest.mark.parametrize("values, expected", [
    ([29.0, 30.0, 31.0, 30.5], "reproduced"),
    ([80.0, 81.0, 79.0], "not reproduced"),
    ([10.0, 30.0, 50.0, 35.0], "inconclusive"),
])
def test_value_claim_verdicts(values, expected):
    table = cl.evaluate_claims(summary({"a": values}), [claim(check="value", between=[20, 40])], config=CONFIG)
    got, reason = verdict(table)
    assert got == expected
    if expected == "inconclusive":
        assert "straddles [20, 40]" in reason


def test_too_few_seeds_and_missing_groups_are_inconclusive():
    table = cl.evaluate_claims(summary({"a": [30.0, 31.0]}), [claim(check="value", between=[20, 40])], config=CONFIG)
    assert verdict(table) == ("inconclusive", "too few seeds (a n=2 < 3)")
    table = cl.evaluate_claims(summary({"a": [1.0, 2.0, 3.0]}),
                               [claim(check="ratio", versus="b", between=[50, 100])], config=CONFIG)
    assert verdict(table) == ("inconclusive", "no runs of b on T in this configuration")


def test_ratio_and_difference_claims():
    data = summary({"a": [600.0, 650.0, 700.0, 620.0], "b": [10.0, 11.0, 9.0, 10.0]})
    table = cl.evaluate_claims(data, [claim(check="ratio", versus="b", between=[50, 100])], config=CONFIG)
    assert table.iloc[0]["estimate"] == pytest.approx(642.5 / 10.0) and verdict(table)[0] == "reproduced"
    table = cl.evaluate_claims(data, [claim(check="ratio", versus="b", between=[100, None])], config=CONFIG)
    assert verdict(table)[0] == "not reproduced"
    table = cl.evaluate_claims(data, [claim(check="difference", versus="b", between=[-20, None])], config=CONFIG)
    assert verdict(table)[0] == "reproduced"


def test_versus_glob_expands_to_one_row_per_variant():
    data = summary({"a": [5.0, 5.1, 4.9], "mlp_8": [5.0, 5.2, 4.8], "mlp_64": [9.0, 9.1, 8.9], "static": [0, 0, 0]})
    table = cl.evaluate_claims(data, [claim(check="difference", versus="mlp_*", between=[-0.5, None])], config=CONFIG)
    assert table.set_index("versus")["verdict"].to_dict() == {"mlp_64": "not reproduced", "mlp_8": "reproduced"}


def test_versus_list_takes_every_variant_any_of_its_patterns_matches():
    data = summary({"full": [5.0, 5.1, 4.9], "no_sa": [1.0, 1.2, 0.8], "dev_10": [4.0, 4.1, 3.9],
                    "dev_100": [6.0, 6.1, 5.9], "no_sp": [0.0, 0.0, 0.0]})
    table = cl.evaluate_claims(data, [claim(check="measure", group="full", versus=["no_sa", "dev_*"])], config=CONFIG)
    assert table.set_index("versus")["estimate"].to_dict() == pytest.approx(
        {"dev_10": 1.0, "dev_100": -1.0, "no_sa": 4.0})
    assert (table["verdict"] == "answered").all()
    missing = cl.evaluate_claims(summary({"full": [5.0, 5.1, 4.9]}),
                                 [claim(check="measure", group="full", versus=["no_sa", "dev_*"])], config=CONFIG)
    assert verdict(missing) == ("inconclusive", "no runs of no_sa or dev_* on T in this configuration")


def test_directional_test_verdicts_with_holm():
    high, low = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    claims = [claim(id="up", check="test", versus="b", direction="greater"),
              claim(id="down", check="test", versus="c", direction="greater")]
    table = cl.evaluate_claims(summary({"a": high, "b": low, "c": [20.0, 21, 22, 23, 24, 25]}), claims,
                               config=CONFIG).set_index("claim")
    assert table.loc["up", "verdict"] == "reproduced"
    assert table.loc["up", "p_holm"] == pytest.approx(2 * table.loc["up", "p_value"])  # Holm over the two tests
    assert table.loc["down", "verdict"] == "not reproduced"
    # three seeds each: the exact one-sided rank test cannot go below 1/20 = alpha
    table = cl.evaluate_claims(summary({"a": high[:3], "b": low[:3]}), claims[:1], config=CONFIG)
    assert verdict(table) == ("inconclusive", "too few seeds: the rank test cannot go below p=0.05")
    noisy = summary({"a": [1.0, 5.0, 2.0, 6.0, 3.0], "b": [2.0, 4.0, 1.5, 5.0, 3.5]})
    assert verdict(cl.evaluate_claims(noisy, claims[:1], config=CONFIG))[0] == "inconclusive"


ABOVE = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
# Below ABOVE with k pairs out of order: the exact one-sided rank test's p is the number of 6-of-12 arrangements
# at least as extreme over C(12, 6) = 924 -> 1, 19 and 30 / 924.
BELOW = {"b1": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "b2": [1.0, 2.0, 3.0, 4.0, 5.0, 14.5], "b3": [1.0, 2.0, 3.0, 4.0, 5.0, 15.5]}


def test_holm_steps_down_where_bonferroni_would_not():
    table = cl.evaluate_claims(summary({"a": ABOVE, **BELOW}), [claim(check="test", versus="b*", direction="greater")],
                               config=CONFIG).set_index("versus")
    np.testing.assert_allclose(table["p_value"], [1 / 924, 19 / 924, 30 / 924])
    # Holm: 3 x 1/924, then 2 x 19/924 = 0.041, then max(0.041, 30/924); Bonferroni would give 3 x 19/924 = 0.062
    # and 3 x 30/924 = 0.097: two of the three claims not significant.
    np.testing.assert_allclose(table["p_holm"], [3 / 924, 38 / 924, 38 / 924])
    assert 19 / 924 > 0.05 / 3 and 30 / 924 < 0.05 < 3 * 19 / 924
    assert table["verdict"].tolist() == ["reproduced"] * 3
    assert table.loc["b2", "reason"] == "p=0.0206, Holm-adjusted 0.0411 < 0.05"


def test_verdict_uses_the_holm_adjusted_p_across_test_and_spread_rows():
    data = summary({"a": ABOVE, "b3": BELOW["b3"]})
    alone = cl.evaluate_claims(data, [claim(check="test", versus="b3", direction="greater")], config=CONFIG)
    assert verdict(alone) == ("reproduced", "p=0.0325, Holm-adjusted 0.0325 < 0.05")
    # a spread row joins the Holm family: raw p 0.0325 < alpha, adjusted 2 x 0.0325 = 0.065 > alpha
    claims = [claim(id="up", check="test", versus="b3", direction="greater"), claim(id="calm", check="spread", versus="b3")]
    table = cl.evaluate_claims(data, claims, config=CONFIG).set_index("claim")
    assert table.loc["up", "p_value"] < 0.05 < table.loc["up", "p_holm"] == pytest.approx(2 * 30 / 924)
    assert table.loc["up", ["verdict", "reason"]].tolist() == ["inconclusive", "not significant: Holm-adjusted p=0.0649"]
    assert table.loc["calm", "p_value"] > 30 / 924 and table.loc["calm", "verdict"] == "inconclusive"


def test_p_exactly_alpha_is_not_significant():
    # alpha set to this very p-value (the config key analysis.alpha): significance needs p < alpha, strictly
    data = summary({"a": ABOVE, "b3": BELOW["b3"]})
    up = [claim(check="test", versus="b3", direction="greater")]
    p = cl.evaluate_claims(data, up, config=CONFIG).iloc[0]["p_holm"]
    at = StatsConfig(resamples=1000, seed=0, alpha=p)
    assert verdict(cl.evaluate_claims(data, up, config=at)) == ("inconclusive", "not significant: Holm-adjusted p=0.0325")
    # spread: "varies more" needs the opposite one-sided p (1 - p) < alpha, strictly
    wide = summary({"a": WILD, "b": STEADY})
    p = cl.evaluate_claims(wide, [claim(check="spread", versus="b")], config=CONFIG).iloc[0]["p_value"]
    at = StatsConfig(resamples=1000, seed=0, alpha=1 - p)
    assert verdict(cl.evaluate_claims(wide, [claim(check="spread", versus="b")], config=at))[0] == "inconclusive"
    below = StatsConfig(resamples=1000, seed=0, alpha=np.nextafter(1 - p, 1))
    assert verdict(cl.evaluate_claims(wide, [claim(check="spread", versus="b")], config=below))[0] == "not reproduced"


def test_spread_claim():
    steady, wild = [100.0, 101.0, 99.0, 100.5, 99.5, 100.0], [40.0, 160.0, 90.0, 130.0, 60.0, 120.0]
    table = cl.evaluate_claims(summary({"a": steady, "b": wild}), [claim(check="spread", versus="b")], config=CONFIG)
    assert verdict(table)[0] == "reproduced"
    table = cl.evaluate_claims(summary({"a": wild, "b": steady}), [claim(check="spread", versus="b")], config=CONFIG)
    assert verdict(table)[0] == "not reproduced"


@pytest.mark.parametrize("b", [[5.0, 5.0, 5.0], [7.0, 7.0, 7.0]])
def test_spread_of_two_constant_groups_is_inconclusive(b):
    # was "not reproduced: a varies more than b (one-sided p=0)": the test's p=1 read as its opposite's p=0
    table = cl.evaluate_claims(summary({"a": [5.0, 5.0, 5.0], "b": b}), [claim(check="spread", versus="b")],
                               config=CONFIG)
    assert verdict(table) == ("inconclusive", "no spread to compare: a and b are both constant")
    assert np.isnan(table.iloc[0]["p_value"]) and np.isnan(table.iloc[0]["p_holm"])


NAN, INF = float("nan"), float("inf")
STEADY, WILD = [100.0, 101.0, 99.0, 100.5, 99.5, 100.0], [40.0, 160.0, 90.0, 130.0, 60.0, 120.0]
VALUE, RATIO, DIFF = ({"check": "value", "between": [20, 40]}, {"check": "ratio", "versus": "b", "between": [10, None]},
                      {"check": "difference", "versus": "b", "between": [-1, 1]})
TEST, SPREAD = {"check": "test", "versus": "b", "direction": "greater"}, {"check": "spread", "versus": "b"}
# Every check against degenerate data: constant groups, n below min_seeds, NaN / inf values, a zero-mean ratio
# reference, a metric nobody recorded, no runs of a named variant. (check, groups, verdict, the reason's text)
EDGE_CASES = {
    "value constant in band": (VALUE, {"a": [30, 30, 30]}, "reproduced", "CI [30, 30] inside [20, 40]"),
    "value constant outside": (VALUE, {"a": [5, 5, 5]}, "not reproduced", "CI [5, 5] outside [20, 40]"),
    "value n < min_seeds": (VALUE, {"a": [30, 31]}, "inconclusive", "too few seeds (a n=2 < 3)"),
    "value NaN leaves too few": (VALUE, {"a": [30, 31, NAN]}, "inconclusive",
                                 "too few seeds (a n=2 < 3); non-finite score dropped: 1 of a"),
    "value inf leaves too few": (VALUE, {"a": [30, 31, INF]}, "inconclusive",
                                 "too few seeds (a n=2 < 3); non-finite score dropped: 1 of a"),
    "value NaN, enough seeds": (VALUE, {"a": [30, 30, 30, NAN]}, "reproduced",
                                "CI [30, 30] inside [20, 40]; non-finite score dropped: 1 of a"),
    "value inf, enough seeds": (VALUE, {"a": [30, 30, 30, INF]}, "reproduced",  # was: CI [30, inf] straddles
                                "CI [30, 30] inside [20, 40]; non-finite score dropped: 1 of a"),
    "value half NaN, enough seeds": (VALUE, {"a": [30, 30, 30, NAN, INF, NAN]}, "reproduced",
                                     "CI [30, 30] inside [20, 40]; non-finite score dropped: 3 of a"),
    "value CI at the band's upper edge": (VALUE, {"a": [30, 40, 40, 40]}, "reproduced", "CI [32.5, 40] inside [20, 40]"),
    "value CI at the band's lower edge": (VALUE, {"a": [20, 20, 20, 30]}, "reproduced", "CI [20, 27.5] inside [20, 40]"),
    "value CI touching the band from above": (VALUE, {"a": [40, 40, 40, 50]}, "inconclusive",
                                              "interval too wide: CI [40, 47.5] straddles [20, 40]"),
    "value CI touching the band from below": (VALUE, {"a": [10, 20, 20, 20]}, "inconclusive",
                                              "interval too wide: CI [12.5, 20] straddles [20, 40]"),
    "value all NaN": (VALUE, {"a": [NAN, NAN, NAN]}, "inconclusive",
                      "no finite value of score in the runs of a (3 runs) on T"),
    "value metric not recorded": (dict(VALUE, metric="other"), {"a": [30, 31, 29]}, "inconclusive",
                                  "no finite value of other in the runs of a (3 runs) on T"),
    "value no runs": (VALUE, {"z": [30, 31, 29]}, "inconclusive", "no runs of a on T in this configuration"),
    "ratio both constant": (RATIO, {"a": [30, 30, 30], "b": [3, 3, 3]}, "reproduced", "CI [10, 10] inside [10, inf]"),
    "ratio reference all zero": (RATIO, {"a": [30, 31, 29], "b": [0, 0, 0]}, "inconclusive",
                                 "ratio undefined: the CI of the mean of b [0, 0] includes 0"),
    "ratio reference mean zero": (RATIO, {"a": [30, 31, 29], "b": [-1, 0, 1]}, "inconclusive",
                                  "ratio undefined: the CI of the mean of b [-1, 1] includes 0"),
    "ratio reference spans zero": (RATIO, {"a": [300, 310, 290, 305], "b": [-1, 0, 1.5, 2]}, "inconclusive",
                                   "ratio undefined: the CI of the mean of b [-0.5, 1.75] includes 0"),
    "ratio reference n < min_seeds": (RATIO, {"a": [30, 31, 29], "b": [3, 3]}, "inconclusive",
                                      "too few seeds (b n=2 < 3)"),
    "ratio reference all NaN": (RATIO, {"a": [30, 31, 29], "b": [NAN, NAN, NAN]}, "inconclusive",
                                "no finite value of score in the runs of b (3 runs) on T"),
    "ratio no runs of versus": (RATIO, {"a": [30, 31, 29]}, "inconclusive", "no runs of b on T in this configuration"),
    "ratio versus glob matches nothing": (dict(RATIO, versus="mlp_*"), {"a": [30, 31, 29], "b": [3, 3, 3]},
                                          "inconclusive", "no runs of mlp_* on T in this configuration"),
    "difference both constant, equal": (DIFF, {"a": [5, 5, 5], "b": [5, 5, 5]}, "reproduced", "CI [0, 0] inside [-1, 1]"),
    "difference both constant, apart": (DIFF, {"a": [7, 7, 7], "b": [5, 5, 5]}, "not reproduced",
                                        "CI [2, 2] outside [-1, 1]"),
    "difference n < min_seeds": (DIFF, {"a": [5, 5], "b": [5, 5]}, "inconclusive", "too few seeds (a n=2, b n=2 < 3)"),
    "difference no runs of either": (DIFF, {"z": [5, 5, 5]}, "inconclusive", "no runs of a and b on T"),
    "test both constant, equal": (TEST, {"a": [5] * 4, "b": [5] * 4}, "not reproduced",
                                  "the CI of the difference [0, 0] excludes the claimed direction"),
    "test both constant, as claimed": (TEST, {"a": [7] * 4, "b": [5] * 4}, "reproduced",
                                       "p=0.00656, Holm-adjusted 0.00656 < 0.05"),
    "test rank floor at alpha": (TEST, {"a": [7, 8, 9], "b": [1, 2, 3]}, "inconclusive",
                                 "too few seeds: the rank test cannot go below p=0.05"),
    "test n < min_seeds": (TEST, {"a": [7, 8], "b": [1, 2, 3]}, "inconclusive", "too few seeds (a n=2 < 3)"),
    "test NaN, enough seeds": (TEST, {"a": [7, 8, 9, 10, NAN], "b": [1, 2, 3, 4]}, "reproduced",
                               "p=0.0143, Holm-adjusted 0.0143 < 0.05; non-finite score dropped: 1 of a"),
    "test CI narrowly across 0": (TEST, {"a": [0.1, 0.5, 0.2, 0.6, 0.3], "b": [0.2, 0.4, 0.15, 0.5, 0.35]},
                                  "inconclusive", "not significant: Holm-adjusted p=0.5"),
    "test no runs of versus": (TEST, {"a": [7, 8, 9]}, "inconclusive", "no runs of b on T"),
    "spread both constant, equal": (SPREAD, {"a": [5, 5, 5], "b": [5, 5, 5]}, "inconclusive",
                                    "no spread to compare: a and b are both constant"),
    "spread both constant, apart": (SPREAD, {"a": [5, 5, 5], "b": [7, 7, 7]}, "inconclusive",
                                    "no spread to compare: a and b are both constant"),
    "spread equal constant deviations": (SPREAD, {"a": [1, 1, 3, 3], "b": [11, 11, 13, 13]}, "inconclusive",
                                         "no spread difference to test: every seed of a and of b lies the same "
                                         "distance from its group's median"),
    "spread constant deviations, group wider": (SPREAD, {"a": [0, 0, 3, 3], "b": [1, 1, 2, 2]}, "not reproduced",
                                                "a varies more than b (one-sided p=0)"),
    "spread constant deviations, group narrower": (SPREAD, {"a": [1, 1, 2, 2], "b": [0, 0, 3, 3]}, "reproduced",
                                                   "p=0, Holm-adjusted 0 < 0.05"),
    "spread versus constant, group varies": (SPREAD, {"a": WILD, "b": [100] * 6}, "not reproduced",
                                             "a varies more than b (one-sided p=0.00091)"),
    # one group constant, the other's deviations from the median spanning exactly 1: still the t-test
    "spread group constant, versus deviations span 1": (SPREAD, {"a": [5] * 4, "b": [1, 2, 2, 3]}, "inconclusive",
                                                        "not significant: Holm-adjusted p=0.067"),
    "spread versus constant, group deviations span 1": (SPREAD, {"a": [1, 2, 2, 3], "b": [5] * 4}, "inconclusive",
                                                        "not significant: Holm-adjusted p=0.933"),
    "spread one group constant": (SPREAD, {"a": [100] * 6, "b": WILD}, "reproduced",
                                  "p=0.00091, Holm-adjusted 0.00091 < 0.05"),
    "spread one seed": (SPREAD, {"a": [5], "b": [1, 9, 5]}, "inconclusive", "too few seeds (a n=1 < 3)"),
    "spread n < min_seeds": (SPREAD, {"a": [5, 6], "b": [1, 9, 5]}, "inconclusive", "too few seeds (a n=2 < 3)"),
    "spread versus all NaN": (SPREAD, {"a": STEADY, "b": [NAN] * 6}, "inconclusive",
                              "no finite value of score in the runs of b (6 runs) on T"),
    "spread NaN, enough seeds": (SPREAD, {"a": STEADY, "b": WILD + [NAN]}, "reproduced",
                                 "p=0.000998, Holm-adjusted 0.000998 < 0.05; non-finite score dropped: 1 of b"),
}


@pytest.mark.parametrize("check, groups, expected, because", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_get_the_right_verdict_and_name_the_cause(check, groups, expected, because):
    data = summary({v: [float(x) for x in values] for v, values in groups.items()})
    table = cl.evaluate_claims(data, [claim(**check)], config=CONFIG)
    assert len(table) == 1
    assert (table[["n_group", "n_versus"]].dtypes == int).all()  # numbers stay numbers, NaN where there is none
    assert (table[["target_low", "target_high", "estimate", "ci_low", "ci_high", "p_value", "p_holm"]].dtypes == float).all()
    got, reason = verdict(table)
    assert got == expected
    assert because in reason
    if reason.startswith("ratio undefined"):  # neither a ratio nor an interval where the reference can be 0
        assert np.isnan(table.iloc[0][["ci_low", "ci_high"]].to_numpy(dtype=float)).all()
        assert np.isnan(table.iloc[0]["estimate"]) == (np.mean(groups["b"]) == 0)


def test_estimates_and_counts_of_every_check():
    data = summary({"a": [1.0, 2.0, 3.0, 4.0, NAN], "b": [2.0, 4.0, 6.0, 8.0]})
    expected = {"value": 2.5, "difference": -2.5, "ratio": 0.5, "test": -2.5,
                "spread": np.std([1, 2, 3, 4], ddof=1) - np.std([2, 4, 6, 8], ddof=1)}
    checks = [VALUE, DIFF, RATIO, TEST, SPREAD]
    table = cl.evaluate_claims(data, [claim(id=c["check"], **c) for c in checks], config=CONFIG).set_index("claim")
    assert table["estimate"].to_dict() == pytest.approx(expected)
    assert table["n_group"].tolist() == [4] * 5 and table["n_versus"].tolist() == [0, 4, 4, 4, 4]
    assert (table["ci_low"] < table["estimate"]).loc[["value", "difference", "ratio", "test"]].all()


def test_too_few_seeds_still_report_their_numbers_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy "degrees of freedom" warnings from a one-seed group
        table = cl.evaluate_claims(summary({"a": [5.0], "b": [1.0, 5.0, 9.0], "c": [5.0, 6.0]}),
                                   [claim(id="one", check="spread", versus="b"),
                                    claim(id="two", group="c", check="spread", versus="b"),
                                    claim(id="owt", group="b", check="spread", versus="c")], config=CONFIG)
    one, two, owt = (table.set_index("claim").loc[name] for name in ("one", "two", "owt"))
    assert one["reason"] == "too few seeds (a n=1 < 3)" and np.isnan(one["estimate"]) and np.isnan(one["p_value"])
    assert two["reason"] == "too few seeds (c n=2 < 3)" and two["estimate"] == pytest.approx(np.sqrt(0.5) - 4)
    assert 0 < two["p_value"] < 1 and 0 < owt["p_value"] < 1  # Brown-Forsythe on two seeds, shown though not decided


def test_rows_without_an_interval_and_tables_without_families():
    assert cl._interval_verdict(math.nan, 1.0, 0.0, 2.0) == {"verdict": "inconclusive", "reason": "no confidence interval"}
    assert cl._interval_verdict(1.0, math.nan, 0.0, 2.0)["reason"] == "no confidence interval"
    no_family = summary({"a": [30.0, 31.0, 29.0]}).drop(columns="family")
    assert verdict(cl.evaluate_claims(no_family, [claim(**VALUE)], config=CONFIG)) == (
        "inconclusive", "no runs of a on T in this configuration")
    per_task = claim(**VALUE, paper={"T": "~30", "U": "~40"})
    table = cl.evaluate_claims(summary({"a": [30.0, 31.0, 29.0]}), [per_task], config=CONFIG)
    assert table["paper"].tolist() == ["~30"]
    assert cl.evaluate_claims(summary({"a": [30.0]}), [claim(**VALUE)], config=CONFIG)["paper"].tolist() == ["p"]


def _ok(**kw):
    return claim(**{"check": "value", "between": [0, 1], **kw})


CLAIMS_FILE_ERRORS = {
    "not YAML": ("claims: [", r"cannot read claims file .*claims\.yaml"),
    "not a mapping": ([1, 2], r"claims\.yaml: expected a mapping with a 'claims' list"),
    "claims not a list": ({"claims": {"c": 1}}, "expected a mapping with a 'claims' list"),
    "unknown top-level key": ({"claims": [], "alpha": 0.1}, r"unknown top-level key\(s\) \['alpha'\]"),
    "min_seeds below 2": ({"min_seeds": 1, "claims": [_ok()]}, r"claims\.yaml: min_seeds: must be at least 2 \(one seed has no interval\), got 1"),
    "claim not a mapping": ({"claims": ["c"]}, r"claims\[0\]: expected a mapping"),
    "missing key": ({"claims": [{k: v for k, v in _ok().items() if k != "paper"}]},
                    r"claims\[0\] \(c\): missing key\(s\) \['paper'\], unknown key\(s\) \[\]"),
    "unknown key": ({"claims": [_ok(colour=1)]}, r"missing key\(s\) \[\], unknown key\(s\) \['colour'\]"),
    "duplicate id": ({"claims": [_ok(), _ok()]}, r"claims\[1\] \(c\): duplicate id"),
    "unknown check": ({"claims": [claim(check="bigger")]}, r"claims\[0\] \(c\)\.check: 'bigger' is not one of value"),
    "paired check without versus": ({"claims": [claim(check="ratio", between=[0, 1])]},
                                    r"\(c\): check 'ratio' needs 'versus'"),
    "band missing for a task": ({"claims": [claim(check="value", tasks=["T", "U"], between={"T": [0, 1]})]},
                                r"\(c\)\.between: needs \[low, high\] for task U"),
    "band not a pair": ({"claims": [claim(check="value", between=[0, 1, 2])]}, r"between: needs \[low, high\]"),
    # an empty band would make every interval "outside": not reproduced by construction
    "band low above high": ({"claims": [claim(check="value", between=[40, 20])]},
                            r"\(c\)\.between: low 40 above high 20 for task T"),
    "test without direction": ({"claims": [claim(check="test", versus="b")]},
                               r"\(c\)\.direction: must be 'greater' or 'less'"),
}


@pytest.mark.parametrize("content, message", CLAIMS_FILE_ERRORS.values(), ids=CLAIMS_FILE_ERRORS.keys())
def test_claims_file_errors_name_the_claim_and_key(tmp_path, content, message):
    path = tmp_path / "claims.yaml"
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    with pytest.raises(cl.ClaimsError, match=message):
        cl.load_claims(path)


def test_claims_file_defaults_and_limits(tmp_path):
    with pytest.raises(cl.ClaimsError, match="cannot read claims file"):
        cl.load_claims(tmp_path / "missing.yaml")
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": [_ok(), _ok(id="point", between=[30, 30])]}))
    settings, claims = cl.load_claims(str(path))  # a str path; a one-point band is a band
    assert settings == cl.Settings(min_seeds=3) and [c["id"] for c in claims] == ["c", "point"]
    path.write_text(yaml.safe_dump({"min_seeds": 2, "claims": [claim(check="test", versus="b", direction="less")]}))
    assert cl.load_claims(path)[0].min_seeds == 2
    with pytest.raises(AttributeError):
        settings.min_seeds = 1  # the rules are fixed before the data are seen


def test_project_claims_file_covers_both_papers():
    settings, claims = cl.load_claims(ROOT / "config" / "claims.yaml")
    assert settings.min_seeds == 3
    assert {c["family"] for c in claims} == {"smgrnn", "lndp", "transfer"} and len(claims) >= 10


def test_claims_table_and_overview_figure(tmp_path):
    rng = np.random.default_rng(0)
    rows = [{"family": "smgrnn", "task": t, "variant": v, "seed": s, "late_reward": r + rng.normal(0, 3),
             "final_hidden": h + rng.normal(0, 2), "final_params": p * (1 + rng.normal(0, 0.05))}
            for t in ("CartPole-v1", "LunarLander-v3") for s in range(5)
            for v, r, h, p in (("full", 497, 30, 200), ("static", 480, 0, 10), ("growth_only", 490, 600, 15000),
                               ("mlp_16", 495, 16, 114))]
    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame(rows).to_csv(tables / "summary.csv", index=False)
    table = write_claims(tables / "summary.csv", ROOT / "config" / "claims.yaml", tables / "claims.csv",
                         tables / "claims.tex", CONFIG)
    by = table.set_index(["claim", "task"])
    assert by.loc[("smgrnn_cartpole_hidden", "CartPole-v1"), "verdict"] == "reproduced"
    assert by.loc[("smgrnn_growth_only_expands", "CartPole-v1"), "verdict"] == "reproduced"  # 75x
    assert by.loc[("smgrnn_matches_mlp", "Acrobot-v1"), "reason"].startswith("no runs of full")
    assert by.loc[("lndp_solves", "CartPole-v1"), "verdict"] == "inconclusive"
    assert by.loc[("smgrnn_size_tracks_difficulty", "CartPole-v1 vs Acrobot-v1 vs LunarLander-v3"), "reason"] == \
        "no experts runs on CartPole-v1 to rank it by steps_to_threshold"
    assert r"\toprule" in (tables / "claims.tex").read_text()
    make_figure("claims_overview", tables, tmp_path / "claims_overview.pdf")
    first = (tmp_path / "claims_overview.pdf").read_bytes()
    make_figure("claims_overview", tables, tmp_path / "claims_overview.pdf")
    assert first[:5] == b"%PDF-" and (tmp_path / "claims_overview.pdf").read_bytes() == first


def with_baseline(table: pd.DataFrame, task="Foraging-stationary", trivial=250.0, solved=float("nan"),
                  ceiling=490.0, protocol="lndp") -> pd.DataFrame:
    baseline = {"family": "baselines", "task": task, "variant": protocol, "seed": 1_000_000, "trivial": trivial,
                "solved_threshold": solved, "ceiling": ceiling}
    return pd.concat([table, pd.DataFrame([baseline])], ignore_index=True)


def lndp_claim(**kw):
    return claim(family="lndp", tasks=["Foraging-stationary"], **kw)


def lndp_summary(groups, metric="eval_best_fitness"):
    return summary(groups, metric=metric, task="Foraging-stationary", family="lndp")


@pytest.mark.parametrize("full, expected", [
    ([300.0, 310.0, 305.0, 302.0], "reproduced"),   # above the trivial 250: a learning result
    ([250.0, 250.0, 250.0, 250.0], "inconclusive"),  # exactly what the constant policy scores
    ([240.0, 260.0, 250.0, 255.0], "inconclusive"),  # not significantly above it
])
def test_a_learning_claim_needs_its_group_above_the_trivial_baseline(full, expected):
    data = with_baseline(lndp_summary({"full": full, "no_sp": [100.0, 110.0, 105.0, 102.0]}))
    table = cl.evaluate_claims(data, [lndp_claim(metric="eval_best_fitness", check="test", group="full",
                                                 versus="no_sp", direction="greater")], config=CONFIG)
    row = table.iloc[0]
    assert (row["trivial"], row["ceiling"]) == (250.0, 490.0) and np.isnan(row["solved"])
    assert row["verdict"] == expected
    if expected == "inconclusive":
        assert row["reason"].startswith("full is not significantly above the trivial baseline 250")
        assert "otherwise: p=" in row["reason"]  # the test itself still passed


def test_the_learning_rule_leaves_other_metrics_and_other_verdicts_alone():
    # final density is not a learning metric: no baseline requirement
    data = with_baseline(lndp_summary({"full": [0.5, 0.52, 0.51]}, metric="eval_best_density"))
    table = cl.evaluate_claims(data, [lndp_claim(metric="eval_best_density", check="value", group="full",
                                                 between=[0.4, 0.6])], config=CONFIG)
    assert table.iloc[0]["verdict"] == "reproduced" and table.iloc[0]["trivial"] == 250.0
    # a not-reproduced verdict stays not reproduced
    data = with_baseline(lndp_summary({"full": [250.0, 250.0, 250.0]}))
    table = cl.evaluate_claims(data, [lndp_claim(metric="eval_best_fitness", check="value", group="full",
                                                 between=[400, 500])], config=CONFIG)
    assert table.iloc[0]["verdict"] == "not reproduced"
    # no baseline for the task: NaN columns, verdict as before
    table = cl.evaluate_claims(lndp_summary({"full": [300.0, 301.0, 302.0]}),
                               [lndp_claim(metric="eval_best_fitness", check="value", group="full",
                                           between=[200, 400])], config=CONFIG)
    assert table.iloc[0]["verdict"] == "reproduced" and np.isnan(table.iloc[0]["trivial"])


def test_a_claim_on_runs_that_hit_their_size_limit_says_so_and_only_then():
    rows = summary({"growth_only": [900.0, 1000.0, 1100.0], "full": [10.0, 11.0, 9.0]}, metric="final_params",
                   family="smgrnn")
    ratio = claim(family="smgrnn", metric="final_params", group="growth_only", versus="full", check="ratio",
                  between=[50, 200])
    for dropped_slot, dropped_cap, expected in [
            ([0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], None),
            ([0, 7, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], "1 of 3 growth_only runs"),
            ([0, 0, 0, 0, 0, 0], [3, 0, 1, 0, 0, 0], "2 of 3 growth_only runs"),
            ([1, 1, 1, 0, 0, 2], [0, 0, 0, 0, 0, 0], "3 of 3 growth_only runs, 1 of 3 full runs")]:
        table = cl.evaluate_claims(rows.assign(total_dropped_no_free_slot=dropped_slot,
                                               total_dropped_by_check_cap=dropped_cap), [ratio], config=CONFIG)
        got, reason = verdict(table)
        assert got == "reproduced"  # the note changes no verdict
        if expected is None:
            assert "size limit" not in reason
        else:
            assert f"; {expected} hit a size limit and dropped growth" in reason and "lower bounds" in reason
    table = cl.evaluate_claims(rows.assign(total_dropped_no_free_slot=[5] * 6), [claim(check="ratio", versus="full",
                               group="growth_only", metric="final_params", between=[50, 200])], config=CONFIG)
    assert "size limit" not in verdict(table)[1]  # a family without limit columns ("fam") never says it


# ---- order across tasks (sizes grow with difficulty) ----------------------------------------------------------------

def sizes_and_difficulty(sizes: dict[str, list[float]], steps: dict[str, list[float]]) -> pd.DataFrame:
    """`full`'s sizes per task (family fam) and the experts' steps to threshold per task (the difficulty)."""
    frames = [summary({"full": values}, metric="size", task=task) for task, values in sizes.items()]
    frames += [summary({"ppo": values}, metric="steps_to_threshold", task=task, family="experts")
               for task, values in steps.items()]
    return pd.concat(frames, ignore_index=True)


def order_claim(**kw) -> dict:
    return claim(id="order", check="order", metric="size", group="full", tasks=["A", "B", "C"], direction="greater",
                 order_by={"family": "experts", "metric": "steps_to_threshold"}, **kw)


# the tasks listed A, B, C; the experts find C easiest, then A, then B (and B's third expert never got there)
DIFFICULTY = {"A": [2000.0, 3000.0, 2500.0], "B": [9000.0, 8000.0, math.nan], "C": [500.0, 700.0, 600.0]}
SMALL, MIDDLE, LARGE = [1.0, 2, 3, 4, 5, 6], [11.0, 12, 13, 14, 15, 16], [21.0, 22, 23, 24, 25, 26]


def test_order_follows_the_experts_difficulty_not_the_listed_order():
    data = sizes_and_difficulty({"C": SMALL, "A": MIDDLE, "B": LARGE}, DIFFICULTY)
    # another variant on the same tasks, in the opposite order, is not the claim's group and changes nothing
    other = pd.concat([summary({"static": values}, metric="size", task=task)
                       for task, values in {"C": LARGE, "A": MIDDLE, "B": SMALL}.items()])
    table = cl.evaluate_claims(pd.concat([data, other], ignore_index=True), [order_claim()], config=CONFIG)
    assert list(table["task"]) == ["A vs C", "B vs A"]
    assert list(table["verdict"]) == ["reproduced", "reproduced"]
    assert (table["check"] == "order").all() and (table["group"] == "full").all()
    assert "C (600) < A (2,500) < B (9,000)" in table.iloc[0]["reason"]
    assert table.iloc[0]["estimate"] == pytest.approx(10.0)


def test_a_reversed_pair_is_not_reproduced_and_a_flat_one_inconclusive():
    # the hardest task (B) ends smallest: B vs A reversed; A vs C about equal
    flat = [1.5, 2, 3, 4, 5, 6.5]
    table = cl.evaluate_claims(sizes_and_difficulty({"C": SMALL, "A": flat, "B": [0.0] * 6}, DIFFICULTY),
                               [order_claim()], config=CONFIG).set_index("task")
    assert table.loc["B vs A", "verdict"] == "not reproduced"
    assert "excludes the claimed direction" in table.loc["B vs A", "reason"]
    assert table.loc["A vs C", "verdict"] == "inconclusive"
    assert "not significant" in table.loc["A vs C", "reason"]


def test_order_pairs_are_holm_corrected_with_the_other_tests():
    # 5 vs 5 fully separated: p = 1/252 = 0.004 alone; three such rows: Holm's first step needs p < 0.05/3
    sizes = {"C": SMALL[:5], "A": MIDDLE[:5], "B": LARGE[:5]}
    alone = cl.evaluate_claims(sizes_and_difficulty(sizes, DIFFICULTY), [order_claim()], config=CONFIG)
    assert list(alone["verdict"]) == ["reproduced", "reproduced"]
    data = pd.concat([sizes_and_difficulty(sizes, DIFFICULTY), summary({"a": [3.0, 4, 5], "b": [1.0, 2, 3.5]})])
    more = [order_claim()] + [claim(id=f"t{i}", check="test", versus="b", direction="greater") for i in range(20)]
    table = cl.evaluate_claims(data, more, config=CONFIG).set_index("claim")
    assert (table.loc["order", "p_holm"] > table.loc["order", "p_value"]).all()
    assert (table.loc["order", "verdict"] == "inconclusive").all()


def test_no_order_without_the_ranking_family_or_with_a_tie():
    sizes = {"C": SMALL, "A": MIDDLE, "B": LARGE}
    table = cl.evaluate_claims(sizes_and_difficulty(sizes, {}), [order_claim()], config=CONFIG)
    assert verdict(table) == ("inconclusive", "no experts runs on A to rank it by steps_to_threshold")
    tie = {**DIFFICULTY, "C": DIFFICULTY["A"]}
    table = cl.evaluate_claims(sizes_and_difficulty(sizes, tie), [order_claim()], config=CONFIG)
    got, reason = verdict(table)
    assert got == "inconclusive" and reason.startswith("difficulty ties (A and C)")


def test_too_few_seeds_in_a_pair_names_the_task():
    table = cl.evaluate_claims(sizes_and_difficulty({"C": SMALL[:2], "A": MIDDLE, "B": LARGE}, DIFFICULTY),
                               [order_claim()], config=CONFIG)
    assert verdict(table) == ("inconclusive", "too few seeds (full on C n=2 < 3); difficulty by experts "
                                              "steps_to_threshold (median; NaN: never, hardest): C (600) < "
                                              "A (2,500) < B (9,000)")


def test_a_measurement_answers_with_its_ci_and_no_verdict():
    data = summary({"window_50": [10.0, 12.0, 14.0, 16.0], "full": [20.0, 22.0, 24.0, 26.0]})
    table = cl.evaluate_claims(data, [claim(check="measure", group="window_50", versus="full")], config=CONFIG)
    got, reason = verdict(table)
    assert got == "answered" and table.iloc[0]["estimate"] == pytest.approx(-10.0)
    assert table.iloc[0]["ci_low"] < -10.0 < table.iloc[0]["ci_high"] < 0
    assert reason.startswith("measured, no target (a question the paper asks): difference -10, CI [")
    alone = cl.evaluate_claims(data, [claim(check="measure", group="window_50")], config=CONFIG)
    assert alone.iloc[0]["estimate"] == pytest.approx(13.0) and verdict(alone)[0] == "answered"
    few = cl.evaluate_claims(summary({"window_50": [1.0, 2.0]}), [claim(check="measure", group="window_50")],
                             config=CONFIG)
    assert verdict(few) == ("inconclusive", "too few seeds (window_50 n=2 < 3)")


@pytest.mark.parametrize("extra", [{"between": [0, 1]}, {"direction": "greater"}])
def test_a_measurement_takes_no_target(tmp_path, extra):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": [claim(check="measure", **extra)]}))
    with pytest.raises(cl.ClaimsError, match="check 'measure' answers a question with a measurement"):
        cl.load_claims(path)


# ---- within runs (a lifetime's last episode against its first) -----------------------------------------------------

def episodes(first: list[float], last: list[float], variant="full") -> pd.DataFrame:
    return pd.DataFrame([{"family": "fam", "task": "T", "variant": variant, "seed": s, "ep0": a, "ep2": b}
                         for s, (a, b) in enumerate(zip(first, last))])


def within_claim(**kw) -> dict:
    return claim(id="within", check="within", metric="ep2", earlier="ep0", group="full", direction="greater", **kw)


@pytest.mark.parametrize("first, last, expected, why", [
    ([10.0, 50.0, 200.0, 20.0], [30.0, 75.0, 230.0, 35.0], "reproduced", "greater than 0"),  # each run gains 15-30
    ([100.0, 100.0, 100.0], [100.0, 100.0, 100.0], "not reproduced", "CI [0, 0]: not greater than 0"),  # no change
    ([10.0, 50.0, 200.0], [5.0, 40.0, 150.0], "not reproduced", "not greater than 0"),  # worse later
    ([10.0, 50.0, 200.0, 20.0], [40.0, 40.0, 230.0, 10.0], "inconclusive", "straddles 0"),
    ([10.0, 10.0, 10.0, 10.0], [8.0, 10.5, 9.0, 10.8], "inconclusive", "straddles 0"),  # CI reaches only just past 0
])
def test_within_run_change_verdicts(first, last, expected, why):
    table = cl.evaluate_claims(episodes(first, last), [within_claim()], config=CONFIG)
    got, reason = verdict(table)
    assert got == expected and why in reason
    assert table.iloc[0]["estimate"] == pytest.approx(np.mean(np.subtract(last, first)))
    assert table.iloc[0]["n_group"] == table.iloc[0]["n_versus"] == len(first)


def test_within_run_change_pairs_each_run_with_itself():
    # across runs the first episodes (10..40) and last ones (11..41) overlap almost entirely; within each run the
    # last is always 1 higher: a paired check sees it, an unpaired difference of means would straddle 0
    first = [10.0, 40.0, 20.0, 30.0]
    table = cl.evaluate_claims(episodes(first, [x + 1 for x in first]), [within_claim()], config=CONFIG)
    assert verdict(table)[0] == "reproduced" and table.iloc[0]["ci_low"] == table.iloc[0]["ci_high"] == 1.0


def test_within_run_change_in_the_less_direction_and_degenerate_data():
    less = cl.evaluate_claims(episodes([10.0, 20.0, 30.0], [5.0, 14.0, 26.0]),
                              [claim(id="w", check="within", metric="ep2", earlier="ep0", group="full",
                                     direction="less")], config=CONFIG)
    assert verdict(less)[0] == "reproduced"
    few = cl.evaluate_claims(episodes([1.0, 2.0], [3.0, 4.0]), [within_claim()], config=CONFIG)
    assert verdict(few) == ("inconclusive", "too few seeds (full n=2 < 3)")
    other = cl.evaluate_claims(episodes([1.0, 2.0, 3.0], [3.0, 4.0, 5.0], variant="no_sp"), [within_claim()],
                               config=CONFIG)
    assert verdict(other) == ("inconclusive", "no runs of full with ep0 and ep2 on T in this configuration")
    assert other.iloc[0]["n_group"] == other.iloc[0]["n_versus"] == 0
    nan = cl.evaluate_claims(episodes([1.0, 2.0, 3.0, math.nan], [3.0, 4.0, 5.0, 9.0]), [within_claim()],
                             config=CONFIG)
    assert verdict(nan)[0] == "reproduced" and "non-finite ep2 - ep0 dropped: 1 runs" in verdict(nan)[1]


@pytest.mark.parametrize("drop, message", [("earlier", "needs 'earlier'"), ("direction", "needs 'earlier'")])
def test_within_needs_its_earlier_metric_and_direction(tmp_path, drop, message):
    entry = within_claim()
    entry.pop(drop)
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": [entry]}))
    with pytest.raises(cl.ClaimsError, match=message):
        cl.load_claims(path)


def cross_family(lndp: list[float], ppo: list[float], lifetime=1500.0, ppo_point=25000.0) -> pd.DataFrame:
    """LNDP runs of ``full`` and PPO experts on task T, with the samples each recorded."""
    ours = summary({"full": lndp}, metric="fitness", family="lndp").assign(
        lifetime_env_steps=lifetime, evolution_env_steps=lifetime * 32 * 100)
    theirs = summary({"ppo": ppo}, metric="first_eval_return", family="experts").assign(
        first_eval_steps=ppo_point, total_env_steps=500000.0)
    return pd.concat([ours, theirs], ignore_index=True)


SAMPLE_CLAIM = claim(family="lndp", metric="fitness", group="full", check="difference", versus="ppo",
                     between=[0, None], versus_from={"family": "experts", "metric": "first_eval_return"},
                     samples={"group": "lifetime_env_steps", "group_total": "evolution_env_steps",
                              "versus": "first_eval_steps", "versus_total": "total_env_steps"})


@pytest.mark.parametrize("lndp, ppo, expected", [
    ([300.0, 320.0, 310.0, 305.0], [100.0, 110.0, 90.0], "reproduced"),
    ([20.0, 22.0, 21.0, 19.0], [100.0, 110.0, 90.0], "not reproduced"),
    ([80.0, 140.0, 60.0, 120.0], [100.0, 110.0, 90.0], "inconclusive"),
])
def test_versus_from_compares_with_another_familys_runs(lndp, ppo, expected):
    row = cl.evaluate_claims(cross_family(lndp, ppo), [SAMPLE_CLAIM], config=CONFIG).iloc[0]
    assert (row["verdict"], row["versus"], row["n_versus"]) == (expected, "ppo", 3)
    assert row["estimate"] == pytest.approx(np.mean(lndp) - np.mean(ppo))
    assert "samples: full 1,500 per lifetime (4,800,000 in all, evolution included), ppo 25,000 at the compared " \
           "point (500,000 in all)" in row["reason"]


def test_versus_from_at_fewer_samples_than_the_group_is_inconclusive():
    data = cross_family([300.0, 320.0, 310.0, 305.0], [100.0, 110.0, 90.0], ppo_point=1000.0)
    row = cl.evaluate_claims(data, [SAMPLE_CLAIM], config=CONFIG).iloc[0]
    assert row["verdict"] == "inconclusive"
    assert row["reason"].startswith("ppo's compared point (1,000 samples) comes before full's (1,500)")
    data = cross_family([300.0, 320.0, 310.0, 305.0], [100.0, 110.0, 90.0], ppo_point=1500.0)  # at: allowed
    assert cl.evaluate_claims(data, [SAMPLE_CLAIM], config=CONFIG).iloc[0]["verdict"] == "reproduced"


def test_versus_from_without_the_other_familys_runs_is_inconclusive():
    data = cross_family([300.0, 320.0, 310.0, 305.0], [100.0, 110.0, 90.0])
    row = cl.evaluate_claims(data[data["family"] == "lndp"], [SAMPLE_CLAIM], config=CONFIG).iloc[0]
    assert (row["verdict"], row["reason"].split(";")[0]) == ("inconclusive", "no runs of ppo on T in this configuration")


def test_a_family_scored_under_another_protocol_gets_that_protocols_trivial_baseline():
    """Transferred LNDPs are scored as LNDPs: their rows show the LNDP protocol's trivial score for the task."""
    runs = summary({"from_Foraging-stationary": [90.0, 95.0, 100.0]}, metric="eval_fitness", family="transfer",
                   task="Foraging-nonstationary")
    baselines = pd.DataFrame([{"family": "baselines", "task": "Foraging-nonstationary", "variant": "lndp", "seed": 0,
                               "trivial": 79.5, "solved_threshold": math.nan, "ceiling": 100.0}])
    claim_ = claim(family="transfer", metric="eval_fitness", tasks=["Foraging-nonstationary"],
                   group="from_Foraging-stationary", check="measure")
    row = cl.evaluate_claims(pd.concat([runs, baselines], ignore_index=True), [claim_], config=CONFIG).iloc[0]
    assert (row["verdict"], row["trivial"], row["ceiling"]) == ("answered", 79.5, 100.0)
