"""Claims evaluation on synthetic summary tables: every verdict and its reason, and claim-file errors."""

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


def test_claims_file_errors_name_the_claim_and_key(tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": [claim(check="bigger")]}))
    with pytest.raises(cl.ClaimsError, match=r"claims\[0\] \(c\)\.check: 'bigger' is not one of value"):
        cl.load_claims(path)
    path.write_text(yaml.safe_dump({"claims": [claim(check="value", tasks=["T", "U"], between={"T": [0, 1]})]}))
    with pytest.raises(cl.ClaimsError, match=r"between: needs \[low, high\] for task U"):
        cl.load_claims(path)
    path.write_text(yaml.safe_dump({"claims": [claim(check="test", versus="b")]}))
    with pytest.raises(cl.ClaimsError, match="direction: must be 'greater' or 'less'"):
        cl.load_claims(path)


def test_project_claims_file_covers_both_papers():
    settings, claims = cl.load_claims(ROOT / "config" / "claims.yaml")
    assert settings.min_seeds == 3
    assert {c["family"] for c in claims} == {"smgrnn", "lndp"} and len(claims) >= 10


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
    assert r"\toprule" in (tables / "claims.tex").read_text()
    make_figure("claims_overview", tables, tmp_path / "claims_overview.pdf")
    first = (tmp_path / "claims_overview.pdf").read_bytes()
    make_figure("claims_overview", tables, tmp_path / "claims_overview.pdf")
    assert first[:5] == b"%PDF-" and (tmp_path / "claims_overview.pdf").read_bytes() == first
