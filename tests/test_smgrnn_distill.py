"""Distillation loop, MLP baselines, variants-as-config and run outputs."""

import jax
import numpy as np
import pytest

from plasticnets.config import validate_config
from plasticnets.families import config_problems, load_project_config as load_config
from plasticnets.experts.policy import ActorCritic, save_policy
from plasticnets.smgrnn import graph as g
from plasticnets.smgrnn.baselines import MLPStudent, mlp_parameter_count, size_matched_hidden
from plasticnets.smgrnn.distill import DistillConfig, distill
from plasticnets.smgrnn.run import build_student, late_reward, run_distill
from plasticnets.smgrnn.spm import SPMConfig
from plasticnets.smgrnn.student import GraphStudent
from plasticnets.smgrnn.variants import all_variants, resolve
from tests.test_config import DEFAULT, ROOT

EXPERT = ActorCritic(jax.random.PRNGKey(7), 4, 2)  # an untrained but fixed teacher is enough here
SPM = SPMConfig(window=20, check_every=10, lambda_edge=1e-3, tau_w=0.05)


def small_student():
    return GraphStudent(g.Layout(4, 2, 16, 128), SPM, lr=1e-2)


def test_same_seed_same_metrics_and_vmapped_seed_equals_single_run():
    cfg = DistillConfig(total_steps=600)
    together = distill("CartPole-v1", small_student(), cfg, EXPERT, [3, 5])
    alone = distill("CartPole-v1", small_student(), cfg, EXPERT, [5])
    again = distill("CartPole-v1", small_student(), cfg, EXPERT, [5])
    for key in ("loss", "done", "finished_return"):
        np.testing.assert_array_equal(alone[0].steps[key], again[0].steps[key])
        np.testing.assert_allclose(together[1].steps[key], alone[0].steps[key], rtol=1e-5, atol=1e-6)
    for key in ("hidden", "edges", "relays", "pruned"):
        np.testing.assert_array_equal(together[1].checks[key], alone[0].checks[key])
    assert not np.array_equal(together[0].steps["loss"], together[1].steps["loss"])  # seeds differ


def test_distillation_lowers_the_loss_and_the_spm_acts():
    (run,) = distill("CartPole-v1", small_student(), DistillConfig(total_steps=3000), EXPERT, [0])
    loss = run.steps["loss"]
    assert loss[-300:].mean() < 0.5 * loss[:300].mean()
    events = {k: int(run.checks[k].sum()) for k in ("relays", "random_edges", "pruned")}
    assert events["random_edges"] > 0 and events["relays"] + events["pruned"] > 0, events
    assert len(run.checks["step"]) == 3000 // SPM.check_every


def test_removed_edges_stay_at_zero_weight_through_training():
    # A snapshot after every block (its last step is the pruning step): follow the slots that were alive in one
    # snapshot and dead in the next, i.e. removed edges, not slots that were never used.
    student = GraphStudent(g.Layout(4, 2, 16, 512), SPMConfig(window=20, check_every=10, lambda_edge=1e-3, tau_w=0.05,
                                                              p_rand=0.1), lr=1e-2)
    (run,) = distill("CartPole-v1", student, DistillConfig(total_steps=1500, chunk_blocks=1), EXPERT, [1])
    alive = np.stack([snap["edge_alive"] for _, snap in run.snapshots])
    weight = np.stack([snap["weight"] for _, snap in run.snapshots])
    removed = alive[:-1] & ~alive[1:]
    assert removed.sum() >= 5, "too few removals to test"
    assert np.all(weight[1:][removed] == 0.0)
    assert np.all(weight[~alive] == 0.0)  # and they stay at zero while dead


def test_host_loop_lunarlander_runs_with_the_same_student_code():
    student = GraphStudent(g.Layout(8, 4, 8, 96), SPM)
    teacher = ActorCritic(jax.random.PRNGKey(0), 8, 4)
    (run,) = distill("LunarLander-v3", student, DistillConfig(total_steps=120), teacher, [0])
    assert len(run.steps["loss"]) == 120 and np.isfinite(run.steps["loss"]).all()
    assert len(run.checks["step"]) == 120 // SPM.check_every
    # The block's event totals (summed inside the jitted SPM steps) account for every change of the edge count:
    # a random edge +1, a relay +2 (its two edges), a pruned edge -1 (no orphans in this run).
    checks = run.checks
    assert checks["relays"].sum() > 0 and checks["random_edges"].sum() > 0 and checks["orphans"].sum() == 0
    np.testing.assert_array_equal(np.diff(checks["edges"]),
                                  (checks["random_edges"] + 2 * checks["relays"] - checks["pruned"])[1:])


def test_mlp_baseline_learns_through_the_same_loop():
    student = MLPStudent(4, 2, (16,), lr=1e-2)
    (run,) = distill("CartPole-v1", student, DistillConfig(total_steps=2000), EXPERT, [0])
    assert run.steps["loss"][-200:].mean() < 0.5 * run.steps["loss"][:200].mean()
    assert int(run.checks["params"][-1]) == mlp_parameter_count(4, (16,), 2) == 16 * 5 + 2 * 17


def test_size_matched_mlp_width():
    # CartPole: h*(4+1) + 2*(h+1) = 7h + 2; 84 parameters -> h = 11.7 -> 12
    assert size_matched_hidden(4, 2, 84) == 12
    assert size_matched_hidden(4, 2, 1) == 1


def test_late_reward_is_the_last_tenth():
    assert late_reward(np.arange(1, 21, dtype=float)) == pytest.approx(19.5)
    assert late_reward(np.array([3.0])) == 3.0


def test_variants_resolve_from_config():
    config = load_config([DEFAULT])
    smgrnn = config["smgrnn"]
    assert all_variants(smgrnn)[:4] == ["full", "static", "growth_only", "no_random_growth"]
    assert all_variants(smgrnn)[-1] == "mlp_matched"
    static = resolve(smgrnn, "CartPole-v1", "static")
    assert static["kind"] == "graph" and not static["spm"]["prune"] and not static["spm"]["edge_growth"]
    growth_only = resolve(smgrnn, "Acrobot-v1", "growth_only")
    assert not growth_only["spm"]["prune"] and growth_only["spm"]["random_growth"]
    assert growth_only["graph"]["max_hidden"] > smgrnn["graph"]["max_hidden"]
    assert resolve(smgrnn, "CartPole-v1", "mlp_32") == {"kind": "mlp", "steps": smgrnn["steps"]["CartPole-v1"],
                                                        "distill": smgrnn["distill"], "hidden": [32]}
    student = build_student("Acrobot-v1", resolve(smgrnn, "Acrobot-v1", "full"))
    assert student.layout.num_inputs == 6 and student.layout.num_outputs == 3
    with pytest.raises(ValueError, match="unknown SMGrNN variant 'nope'"):
        resolve(smgrnn, "CartPole-v1", "nope")


def test_cross_key_problems_are_named():
    import yaml
    from plasticnets.config import ConfigError

    config = yaml.safe_load(DEFAULT.read_text())
    config["smgrnn"]["variants"] = [{"name": "static"}, {"name": "static"}]
    config["experts"]["tasks"] = ["CartPole-v1"]
    with pytest.raises(ConfigError) as err:
        validate_config(config, checks=config_problems)
    message = str(err.value)
    assert "variant name 'static' is used twice" in message
    assert "smgrnn.size_matched_mlp: needs a variant named 'full'" in message
    assert "smgrnn.tasks[1]: 'Acrobot-v1' has no expert" in message


def test_run_folder_outputs(tmp_path):
    expert_path = tmp_path / "policy.eqx"
    save_policy(expert_path, EXPERT, {"obs_size": 4, "num_actions": 2, "hidden": [64, 64], "seed": 0})
    config = load_config([DEFAULT, ROOT / "config" / "smoke.yaml"])
    settings = resolve(config["smgrnn"], "CartPole-v1", "full") | {"steps": 900}
    summary = run_distill("CartPole-v1", "full", 2, settings, expert_path, tmp_path / "run", 4, 123)
    import pandas as pd

    metrics = pd.read_parquet(tmp_path / "run" / "metrics.parquet")
    assert set(metrics["record"]) == {"episode", "check"}
    assert (metrics["record"] == "check").sum() == 900 // settings["spm"]["check_every"]
    snapshots = np.load(tmp_path / "run" / "graph.npz")
    # snapshots span the run's largest capacity bucket (at most the configured maximum)
    assert snapshots["snapshot_step"][-1] == 900
    assert snapshots["edge_alive"].shape[1] == summary["capacity"]["final"]["edge_slots"] <= settings["graph"]["max_edges"]
    assert summary["final"]["edges"] == int(snapshots["edge_alive"][-1].sum())
    assert summary["eval"]["episodes"] == 4 and len(summary["eval"]["returns"]) == 4
    assert summary["expert"]["sha256"] and summary["variant"] == "full"


SHARDED_CHECK = """
import os
from plasticnets.xla_cpu import use_cpu_devices
use_cpu_devices(2)
import jax, numpy as np
from tests.test_smgrnn_distill import EXPERT, small_student
from plasticnets.smgrnn.distill import DistillConfig, distill
assert len(jax.devices()) == 2
sharded = distill("CartPole-v1", small_student(), DistillConfig(total_steps=300), EXPERT, [3, 5])
np.save(os.environ["OUT"], np.stack([run.steps["loss"] for run in sharded]))
"""


def test_seeds_sharded_over_two_cpu_devices_give_the_same_runs(tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "losses.npy"
    subprocess.run([sys.executable, "-c", SHARDED_CHECK], check=True, cwd=ROOT, env={**os.environ, "OUT": str(out)},
                   timeout=600)  # a hang fails this test, not the whole run (plasticnets/xla_cpu.py)
    together = distill("CartPole-v1", small_student(), DistillConfig(total_steps=300), EXPERT, [3, 5])
    np.testing.assert_allclose(np.load(out), np.stack([run.steps["loss"] for run in together]), rtol=1e-5, atol=1e-6)
