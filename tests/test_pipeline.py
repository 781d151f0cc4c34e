"""End to end through real Snakemake: config validation, planning, and the smoke pipeline."""


import pandas as pd
import pytest

from plasticnets.experts.policy import load_policy
from plasticnets.io import read_json

from .conftest import planned_jobs, snakemake


@pytest.fixture(scope="module")
def repo(copy_repo, tmp_path_factory):
    """A private copy of the repository without results, so tests never touch the developer's results/."""
    return copy_repo(tmp_path_factory.mktemp("pipeline") / "repo")


def test_default_config_plans_every_expert(repo):
    jobs = planned_jobs(snakemake(repo, "-n", "--cores", "2").stdout)
    assert jobs["train_expert"] == 9 and jobs["expert_gate"] == 9  # 3 tasks x 3 seeds
    assert jobs["figure_expert_curves"] == 1
    # 3 tasks x (full and static with 6 seeds + 3 seeds x (growth_only, no_random_growth, 4 initial topologies,
    # 4 MLPs)), the two window variants on LunarLander only with 3; then the size-matched MLP after the full runs,
    # on full's seeds
    assert jobs["distill_smgrnn"] == 3 * (2 * 6 + 3 * (2 + 4 + 4)) + 2 * 3 and jobs["distill_mlp_matched"] == 3 * 6
    assert all(jobs[f"figure_{name}"] == 1 for name in ("smgrnn_returns", "smgrnn_size", "smgrnn_ablation",
                                                        "smgrnn_topology", "smgrnn_window"))
    # LNDP: full and no_sp on 4 tasks with 2 seeds and on non-stationary Foraging with 6; no_sa, sa_only, the
    # two inits and the two dev_steps variants on CartPole with 2
    assert jobs["evolve_lndp"] == 2 * (4 * 2 + 6) + 6 * 2
    assert all(jobs[f"figure_{name}"] == 1 for name in ("lndp_fitness", "lndp_foraging", "lndp_development",
                                                        "lndp_dev_steps", "lndp_sample_efficiency", "lndp_transfer"))
    # transfer: each Foraging task's full runs evaluated on the other
    assert jobs["transfer_lndp"] == 2 + 6
    assert jobs["statistics"] == jobs["claims"] == jobs["figure_claims_overview"] == 1


def test_paper_config_plans_the_full_lndp_grid(repo):
    jobs = planned_jobs(snakemake(repo, "-n", "--cores", "2", "--configfile", "config/paper.yaml").stdout)
    # 5 seeds (6 on non-stationary Foraging, where full and no_sp get one more); two inits on 3 tasks; the two
    # dev_steps variants on CartPole
    assert jobs["evolve_lndp"] == (5 + 5 + 1 + 1 + 3 + 3 + 1 + 1) * 5 + 2


@pytest.mark.parametrize(
    "bad, expected",
    [
        ("experts: {seeds: [0, -2]}", "experts.seeds[1]: -2 is out of range; it must be >= 0"),
        ("experts: {tasks: [Pong-v5]}", "experts.tasks[0]: 'Pong-v5' is not allowed; allowed values: CartPole-v1"),
        ("experts: {ppo: {CartPole-v1: {total_steps: 0}}}", "experts.ppo.CartPole-v1.total_steps: 0 is out of range"),
        ("experts: {seed: [1]}", "experts.seed: unknown key (did you mean 'seeds'?)"),
        ("experts: {seeds: [0.5]}", "experts.seeds[0]: 0.5 must be of type integer"),
        ("lndp: {tasks: [MountainCar-v0]}", "lndp.tasks[0]: 'MountainCar-v0' is not allowed"),
        ("lndp: {evolution: {population_size: 2}}", "lndp.evolution.population_size: 2 is out of range"),
        ("lndp: {variants: [{name: full, tasks: [Acrobot-v1]}], tasks: [CartPole-v1]}",
         "lndp.variants[0].tasks: 'Acrobot-v1' is not in lndp.tasks"),
    ],
)
def test_invalid_config_stops_before_any_job(repo, bad, expected):
    (repo / "bad.yaml").write_text(bad + "\n")
    result = snakemake(repo, "--cores", "1", "--configfile", "bad.yaml", check=False)
    assert result.returncode != 0
    assert expected in result.stderr + result.stdout
    assert not (repo / "results").exists()


def test_smoke_pipeline_end_to_end(smoke_repo):
    repo = smoke_repo  # built once per test run (tests/conftest.py), shared by every test that reads it
    for task in ("CartPole-v1", "LunarLander-v3"):
        run = repo / "results" / "experts" / task / "seed0"
        summary = read_json(run / "summary.json")
        assert summary["task"] == task and summary["eval"]["episodes"] == 5
        assert len(summary["eval"]["returns"]) == 5 and summary["config"]["ppo"]["total_steps"] > 0
        assert summary["environment"]["versions"]["jax"]
        model, header = load_policy(run / "policy.eqx")
        assert header["task"] == task
        metrics = pd.read_parquet(run / "metrics.parquet")
        assert metrics["env_steps"].is_monotonic_increasing and len(metrics) >= 1
        assert read_json(run / "accepted.json")["enforced"] is False
        assert (repo / "logs" / "experts" / task / "seed0.log").stat().st_size > 0
    runs = pd.read_parquet(repo / "results" / "tables" / "experts_runs.parquet")
    assert set(runs["task"]) == {"CartPole-v1", "LunarLander-v3"}

    variants = {"full", "init_density_0_2", "window_50", "mlp_16", "mlp_matched"}
    for task in ("CartPole-v1",):
        for variant in variants:
            run = repo / "results" / "smgrnn" / task / variant / "seed0"
            summary = read_json(run / "summary.json")
            assert summary["variant"] == variant and summary["env_steps"] > 0
            assert {"episode", "check"} <= set(pd.read_parquet(run / "metrics.parquet")["record"])
            assert (run / "graph.npz").stat().st_size > 0
    summary = pd.read_csv(repo / "results" / "tables" / "smgrnn_summary.csv")
    assert set(summary["variant"]) == variants and len(summary) == len(variants)
    matched = read_json(repo / "results" / "smgrnn" / "CartPole-v1" / "mlp_matched" / "seed0" / "summary.json")
    assert matched["settings"]["hidden"][0] >= 1

    for task, variant in (("CartPole-v1", "full"), ("CartPole-v1", "no_sp"), ("Foraging-nonstationary", "full")):
        run = repo / "results" / "lndp" / task / variant / "seed0"
        summary = read_json(run / "summary.json")
        assert summary["generations"] == 2 and summary["eval_lifetimes"] == 2
        assert len(summary["eval_best"]["episode_returns_mean"]) == (3 if task == "CartPole-v1" else 1)
        assert list(pd.read_parquet(run / "metrics.parquet")["generation"]) == [0, 1]
        assert (run / "best.eqx").stat().st_size > 0 and not (run / "checkpoint").exists()
        assert (repo / "checkpoints" / "lndp" / task / variant / "seed0" / "checkpoint.json").exists()
    lndp = pd.read_csv(repo / "results" / "tables" / "lndp_summary.csv")
    assert len(lndp) == 3
    cartpole = lndp[(lndp["task"] == "CartPole-v1") & (lndp["variant"] == "full")].iloc[0]
    assert (cartpole["lifetime_env_steps"], cartpole["evolution_env_steps"]) == (3 * 500, 2 * 8 * 3 * 500)

    # Transfer on its own task (smoke's one pair): the run's own evaluation, exactly (the same keys and program).
    transfer = read_json(repo / "results/transfer/Foraging-nonstationary/from_Foraging-nonstationary/seed0/summary.json")
    own = read_json(repo / "results/lndp/Foraging-nonstationary/full/seed0/summary.json")
    assert transfer["eval_best"]["fitness_mean"] == own["eval_best"]["fitness_mean"]
    assert transfer["eval_best"] == {k: v for k, v in own["eval_best"].items() if k in transfer["eval_best"]}

    for name in ("expert_curves", "smgrnn_returns", "smgrnn_size", "smgrnn_ablation", "smgrnn_topology",
                 "smgrnn_window", "lndp_fitness", "lndp_foraging", "lndp_development", "lndp_dev_steps",
                 "lndp_sample_efficiency", "lndp_transfer"):
        figure = repo / "results" / "figures" / f"{name}.pdf"
        assert figure.read_bytes()[:5] == b"%PDF-" and figure.with_suffix(".png").exists()

    # Nothing left to do, and one figure regenerates alone from its table (-f: the shared build is only read;
    # a deleted figure rebuilding alone is tests/test_dvc.py's and test_integrity.py's, on copies).
    assert "Nothing to be done" in snakemake(repo, "-n", "--cores", "2", "--configfile", "config/smoke.yaml").stdout
    # (the target goes first: --configfile takes every word after it)
    plan = snakemake(repo, "results/figures/expert_curves.pdf", "-n", "-f", "--cores", "1",
                     "--configfile", "config/smoke.yaml")
    assert planned_jobs(plan.stdout) == {"figure_expert_curves": 1}
