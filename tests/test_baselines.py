"""Trivial baselines: constant policies under the SMGrNN evaluation, the empty zero-parameter LNDP under the
LNDP one, with the solved threshold and ceiling beside them."""

import json

import numpy as np
import pytest

from plasticnets.baselines.results import RESULTS, planned
from plasticnets.baselines.run import policy_baselines, run_baselines
from plasticnets.envs import evaluate
from plasticnets.envs.registry import get_task
from plasticnets.families import load_project_config
from plasticnets.lndp.variants import resolve

from .conftest import ROOT

SMOKE = load_project_config([ROOT / "config" / "config.yaml", ROOT / "config" / "smoke.yaml"])


def test_policy_baselines_are_the_best_constant_action():
    values = policy_baselines("CartPole-v1", 5, 123)
    assert set(values["constant_action_returns"]) == {0, 1}
    assert values["trivial"] == max(values["constant_action_returns"].values())
    assert values["trivial_policy"].startswith("constant action ")
    assert values["random_policy"] == get_task("CartPole-v1").random_return
    # CartPole pushed one way falls within a few dozen steps
    assert 5 <= values["trivial"] <= 30


@pytest.mark.slow
def test_empty_lndp_on_stationary_foraging_always_walks_right(tmp_path):
    """No edges and zero parameters: no rewiring and always the first action (+1). On stationary Foraging that is
    500 when the food is on the right (a reward every two steps) and 0 otherwise, and the evaluation puts the food
    on the right in exactly half of the lifetimes (tests/test_lndp_evaluation.py: 200 lifetimes)."""
    lndp = SMOKE["lndp"]
    settings = {"eval_lifetimes": 4, "eval_seed": 7, "full": resolve(lndp, "Foraging-stationary", "full")}
    summary = run_baselines("Foraging-stationary", "lndp", settings, tmp_path)
    assert summary["trivial"] == 250.0 and summary["trivial_std"] == 250.0  # two lifetimes 500, two 0
    assert summary["ceiling"] == 490.0 and summary["solved"] is None
    written = json.loads((tmp_path / "summary.json").read_text())
    assert written["family"] == "baselines" and written["variant"] == "lndp" and written["seed"] == 7
    row = RESULTS.summary_row(written, None)
    assert row["trivial"] == summary["trivial"] and np.isnan(row["random_policy"]) and row["ceiling"] == 490.0


def test_planned_baselines_follow_the_configured_tasks():
    assert planned(SMOKE) == [("CartPole-v1", "smgrnn"), ("CartPole-v1", "lndp"), ("Foraging-nonstationary", "lndp")]
    assert RESULTS.run_dirs(SMOKE)[0] == "results/baselines/smgrnn/CartPole-v1"


def test_constant_action_evaluation_matches_evaluate_directly():
    from plasticnets.baselines.run import constant_action
    import jax.numpy as jnp

    direct = evaluate("CartPole-v1", constant_action, jnp.int32(1), 5, 123).mean()
    assert policy_baselines("CartPole-v1", 5, 123)["constant_action_returns"][1] == pytest.approx(direct)
