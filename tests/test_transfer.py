"""Transfer runs: an evolved LNDP's best parameters on another task's evaluation lifetimes."""

import equinox as eqx
import jax
import numpy as np
import pytest

from plasticnets.families import load_project_config
from plasticnets.io import read_json, write_json
from plasticnets.lndp.params import random_params
from plasticnets.lndp.run import build_task, evaluate_params
from plasticnets.lndp.variants import resolve
from plasticnets.transfer.results import RESULTS, run_dirs
from plasticnets.transfer.run import run_transfer

from .conftest import ROOT

LNDP = load_project_config([ROOT / "config" / "config.yaml", ROOT / "config" / "smoke.yaml"])["lndp"]
LIFETIMES, SEED = 2, 1000000


def source_run(folder, task: str, seed: int = 3):
    """A run folder as evolve_lndp leaves it, as far as transfer reads it: random parameters as best.eqx."""
    settings = resolve(LNDP, task, "full")
    params = random_params(jax.random.PRNGKey(seed), build_task(task, settings).model.cfg)
    folder.mkdir(parents=True)
    eqx.tree_serialise_leaves(folder / "best.eqx", params)
    write_json(folder / "summary.json", {"task": task, "variant": "full", "seed": seed, "settings": settings,
                                         "eval_best": {"fitness_mean": 12.5}})
    return params, settings


def test_transferred_parameters_run_on_the_targets_evaluation_lifetimes(tmp_path):
    """(On its own task a run scores its own evaluation: the smoke pipeline checks that, tests/test_pipeline.py.)"""
    params, settings = source_run(tmp_path / "source", "Foraging-stationary")
    target = "Foraging-nonstationary"
    summary = run_transfer(tmp_path / "source", target, tmp_path / "out", LIFETIMES, SEED)
    (direct,) = evaluate_params(build_task(target, settings), [params], LIFETIMES, SEED)
    assert summary["eval_best"]["fitness_mean"] == float(np.asarray(direct.fitness).mean())
    assert read_json(tmp_path / "out" / "summary.json") == summary
    assert (summary["task"], summary["variant"], summary["seed"]) == (target, "from_Foraging-stationary", 3)
    row = RESULTS.summary_row(summary, None)
    assert row["source_task"] == "Foraging-stationary" and row["source_eval_fitness"] == 12.5
    assert row["eval_fitness"] == summary["eval_best"]["fitness_mean"]


def test_parameters_that_do_not_fit_the_target_are_refused(tmp_path):
    source_run(tmp_path / "source", "CartPole-v1")
    with pytest.raises(ValueError, match="parameters evolved on CartPole-v1 do not fit Foraging-stationary"):
        run_transfer(tmp_path / "source", "Foraging-stationary", tmp_path / "out", LIFETIMES, SEED)
    assert not (tmp_path / "out").exists()


def test_one_run_per_seed_of_the_sources_full_runs():
    config = load_project_config([ROOT / "config" / "config.yaml"])
    seeds = config["lndp"]["task_seeds"]["Foraging-nonstationary"]
    assert run_dirs(config) == (
        [f"results/transfer/Foraging-nonstationary/from_Foraging-stationary/seed{s}" for s in config["lndp"]["seeds"]]
        + [f"results/transfer/Foraging-stationary/from_Foraging-nonstationary/seed{s}" for s in seeds])
