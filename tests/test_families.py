"""The family descriptors (<family>/results.py) and the FAMILIES registry: what the tables, statistics,
figures and rules are built from."""

import importlib

import numpy as np
import pandas as pd
import pytest

from plasticnets.descriptor import Curve
from plasticnets.families import FAMILIES, all_figures, config_problems, load_project_config, planned_figures

from .conftest import ROOT

DEFAULT = ROOT / "config" / "config.yaml"
SMOKE = ROOT / "config" / "smoke.yaml"


@pytest.mark.parametrize("name", sorted(all_figures()))
def test_every_figure_has_a_module_and_a_caption(name):
    figure = all_figures()[name]
    assert callable(importlib.import_module(figure.module).draw)
    assert (ROOT / "workflow" / "report" / f"{name}.rst").is_file()
    assert figure.tables and all(t.endswith((".parquet", ".csv")) for t in figure.tables)


def test_figure_names_are_unique_across_families():
    names = [f.name for family in FAMILIES.values() for f in family.figures]
    assert len(names) == len(set(names))


def test_planned_figures_follow_the_configured_runs():
    config = load_project_config([DEFAULT])
    assert [f.name for f in planned_figures(config)] == list(all_figures())
    # Without Foraging or CartPole-full runs the LNDP Foraging and development figures cannot be filled.
    config["lndp"]["tasks"] = ["Acrobot-v1"]
    config["lndp"]["variants"] = [{"name": "full"}]
    planned = [f.name for f in planned_figures(config)]
    assert "lndp_fitness" in planned and "lndp_foraging" not in planned and "lndp_development" not in planned
    assert "lndp_dev_steps" not in planned
    assert "lndp_sample_efficiency" in planned  # Acrobot has PPO experts
    config["lndp"]["tasks"] = ["Pendulum-v1"]  # no expert: nothing to compare with
    assert "lndp_sample_efficiency" not in [f.name for f in planned_figures(config)]


def test_run_dirs_follow_the_grid_in_config_order():
    config = load_project_config([DEFAULT, SMOKE])
    assert FAMILIES["experts"].run_dirs(config) == [
        "results/experts/CartPole-v1/seed0", "results/experts/LunarLander-v3/seed0"]
    smgrnn = FAMILIES["smgrnn"].run_dirs(config)
    assert smgrnn == ["results/smgrnn/CartPole-v1/full/seed0", "results/smgrnn/CartPole-v1/init_density_0_2/seed0",
                      "results/smgrnn/CartPole-v1/window_50/seed0", "results/smgrnn/CartPole-v1/mlp_16/seed0",
                      "results/smgrnn/CartPole-v1/mlp_matched/seed0"]
    lndp = FAMILIES["lndp"].run_dirs(config)
    assert lndp == ["results/lndp/CartPole-v1/full/seed0", "results/lndp/Foraging-nonstationary/full/seed0",
                    "results/lndp/CartPole-v1/no_sp/seed0"]


def test_family_checks_come_from_the_registry():
    config = load_project_config([DEFAULT])
    assert config_problems(config) == []
    config["smgrnn"]["variants"].append({"name": "full"})
    config["lndp"]["tasks"].append("Pendulum-v1")
    config["lndp"]["evolution"]["generations"].pop("Pendulum-v1", None)
    problems = config_problems(config)
    assert any("'full' is used twice" in p for p in problems)
    assert any("no budget for 'Pendulum-v1'" in p for p in problems)


def test_curve_metric_columns_take_pattern_columns_sorted():
    curve = Curve(None, "generation", "generation", ("best",), metric_pattern=r"ep\d+_mean")
    assert curve.metric_columns(["best", "ep1_mean", "ep0_mean", "ep0_std", "xep0_mean"]) == [
        "best", "ep0_mean", "ep1_mean"]


def test_headline_metrics_are_summary_columns():
    """Every headline metric is a column the family's summary row writes (here on a minimal summary)."""
    experts = {"eval": {"mean": 1.0, "std": 0.0, "episodes": 5}, "env_steps": 10, "wall_time_s": 1.0,
               "threshold": 475, "solved": False, "best_env_steps": 5}
    smgrnn = {**experts, "late_reward": 1.0, "episodes": 3, "final": {"hidden": 1, "edges": 2, "params": 2},
              "spm_totals": {"relays": 0}}
    episode = {"fitness_mean": 1.0, "fitness_std": 0.0, "episode_returns_mean": [1.0, 2.0, 3.0],
               "final_density_mean": 0.5, "development_density_mean": 0.25}
    lndp = {"best_fitness": 1.0, "generations": 2, "eval_best": episode, "eval_mean": episode, "eval_lifetimes": 2,
            "num_params": 10, "wall_time_s": 1.0, "settings": {"model": {"dev_steps": 50}}}
    metrics = pd.DataFrame({"generation": [1, 0], "mean": [1.0, 0.0], "best": [3.0, 2.0]})
    for name, summary in [("experts", experts), ("smgrnn", smgrnn), ("lndp", lndp)]:
        row = FAMILIES[name].summary_row(summary, metrics)
        assert set(FAMILIES[name].headline_metrics) <= set(row), name
    lndp_row = FAMILIES["lndp"].summary_row(lndp, metrics)
    assert (lndp_row["generation0_mean"], lndp_row["generation0_best"]) == (0.0, 2.0)  # the random population
    assert (lndp_row["dev_steps"], lndp_row["eval_best_dev_density"]) == (50, 0.25)


def test_experts_steps_to_threshold_is_the_first_greedy_evaluation_at_or_above_it():
    from plasticnets.experts.results import steps_to_threshold

    nan = float("nan")
    curve = pd.DataFrame({"env_steps": [512, 1024, 1536, 2048, 2560],
                          "eval_return": [nan, 120.0, nan, 475.0, 500.0]})  # evaluated after some updates only
    assert steps_to_threshold(curve, 475.0) == 2048
    assert steps_to_threshold(curve, 475.5) == 2560
    assert np.isnan(steps_to_threshold(curve, 501.0))  # never: NaN, which ranks the task hardest
    assert np.isnan(steps_to_threshold(curve.drop(columns="eval_return"), 475.0))


def test_smgrnn_steps_to_half_size_reads_the_structural_checks():
    from plasticnets.smgrnn.results import steps_to_half_size

    checks = pd.DataFrame({"record": "check", "step": [30, 60, 90, 120], "hidden": [0, 4, 10, 20]})
    episodes = pd.DataFrame({"record": "episode", "step": [10, 50], "hidden": [40, 40]})  # not checks: ignored
    metrics = pd.concat([episodes, checks], ignore_index=True)
    assert steps_to_half_size(metrics, final_hidden=20) == 90  # 10 >= 0.5 x 20 first at step 90
    assert steps_to_half_size(metrics, final_hidden=21) == 120  # 10 < 10.5
    assert steps_to_half_size(metrics, final_hidden=0) == 30  # there from the first check
    assert steps_to_half_size(episodes.drop(columns="hidden").iloc[:0], final_hidden=16) == 0  # an MLP
