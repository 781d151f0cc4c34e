"""`plasticnets plan`: the scheduler's wall time on known answers, the job counts against `snakemake -n`, costs that
scale with the budget, the printed plan, and errors for humans. Rates here are made up (every rate 1 000/s, every
fixed part 10 s) except in the test of the shipped rates file."""

import json

import pytest

from plasticnets.cli import main
from plasticnets.families import load_project_config
from plasticnets.lndp import variants as lndp_variants
from plasticnets.plan import (
    Job,
    Plan,
    RATES_FILE,
    family_of,
    format_plan,
    lndp_cost,
    log_job_times,
    make_plan,
    plan_jobs,
    rule_counts,
    schedule,
    format_slurm,
    slurm_runtimes,
)

from .conftest import ROOT, planned_jobs, snakemake

CHEAP = ["expert_gate", "family_tables", "combined_tables", "statistics", "claims", "resolved_config", "figure",
         "trivial_baselines:smgrnn", "trivial_baselines:lndp"]


def fake_rates() -> dict:
    task = {"fixed_s": 10.0, "env_steps_per_s": 1000.0, "graph_fixed_s": 10.0, "graph_steps_per_s": 1000.0,
            "mlp_fixed_s": 10.0, "mlp_steps_per_s": 1000.0}
    lndp = {"fixed_s": 10.0, "member_steps_per_core_s": 1000.0, "eval_member_steps_per_s": 1000.0, "eigh_s": 0.5,
            "num_params": 1946, "flop_per_member_step": 8e5}
    tasks = ["CartPole-v1", "Acrobot-v1", "LunarLander-v3", "Pendulum-v1", "Foraging-stationary",
             "Foraging-nonstationary"]
    return {
        "experts": {t: task for t in tasks},
        "smgrnn": {t: task for t in tasks} | {"graph_unpruned": {"steps_per_s": 100.0}},
        "evaluation": {t: {"episode_s": 0.01} for t in tasks},
        "lndp": {"model": {"n_nodes": 32}} | {t: lndp for t in tasks},
        "cheap": {key: {"job_s": 2.0} for key in CHEAP},
        "gpu_assumptions": {"flop_per_s": 5e12, "lndp_step_latency_s": 1e-4, "ppo_step_latency_s": 2e-5,
                            "ppo_minibatch_latency_s": 2e-4, "eigh_s": 0.05},
    }


def config(*extra: str) -> dict:
    return load_project_config([ROOT / "config" / "config.yaml", *(ROOT / "config" / e for e in extra)])


# ---- the scheduler --------------------------------------------------------------------------------------------


def jobs_of(*seconds: float, threads: int = 1) -> list[Job]:
    return [Job("distill_smgrnn", str(i), s, threads) for i, s in enumerate(seconds)]


def test_four_equal_jobs_on_two_cores_take_two_job_lengths():
    assert schedule(jobs_of(10, 10, 10, 10), 2) == 20
    assert schedule(jobs_of(10, 10, 10, 10), 4) == 10
    assert schedule(jobs_of(10, 10, 10, 10), 1) == 40


def test_one_long_job_dominates():
    assert schedule(jobs_of(100, 1, 1, 1, 1), 2) == 100
    # longest first: 6 and 5 start, 4 fills the first free core, then 3: max(6 + 3, 5 + 4) = 9
    assert schedule(jobs_of(3, 4, 5, 6), 2) == 9


def test_a_two_core_job_holds_both_cores_and_is_capped_at_the_machine():
    wide = [Job("evolve_lndp", str(i), 10, threads=2) for i in range(2)]
    assert schedule(wide, 2) == 20  # one at a time
    assert schedule(wide, 4) == 10
    assert schedule(wide, 1) == 20  # Snakemake gives it the one core there is
    assert schedule(wide + jobs_of(10, 10), 2) == 30


def test_slurm_runtime_is_one_and_a_half_longest_jobs_capped_at_the_limit():
    jobs = [Job("evolve_lndp", "a", 100 * 60, threads=2), Job("evolve_lndp", "b", 40 * 3600, threads=2),
            Job("train_expert", "a", 60), Job("distill_smgrnn", "a", 20 * 60 + 1), Job("all", "", 0)]
    plan = Plan(("c.yaml",), "test", 4, jobs, 0.0, {})
    assert slurm_runtimes(plan) == {"distill_smgrnn": 31, "evolve_lndp": 3600, "train_expert": 10}
    assert slurm_runtimes(plan, max_minutes=1440) == {"distill_smgrnn": 31, "evolve_lndp": 1440, "train_expert": 10}
    text = format_slurm(plan, 1440)
    assert "--set-resources distill_smgrnn:runtime=31 evolve_lndp:runtime=1440 train_expert:runtime=10" in text
    # 60 h of runtime under a 24 h limit: 3 attempts, each resuming; 2 resubmissions at least
    assert "evolve_lndp: longest job 40 h 00 min > 1440 min: 3 attempts" in text and "at least 2" in text
    assert "attempts" not in format_slurm(plan, 3600)


def test_a_job_waits_for_its_inputs():
    first = Job("train_expert", "a", 10)
    chain = [first, Job("expert_gate", "a", 5, deps=(first.id,)), Job("distill_smgrnn", "b", 1)]
    assert schedule(chain, 8) == 15


# ---- the jobs: counts against snakemake -n ----------------------------------------------------------------------


@pytest.mark.parametrize("scale", ["smoke", "paper"])
def test_job_counts_match_what_snakemake_plans(copy_repo, tmp_path, scale):
    repo = copy_repo(tmp_path / "repo")
    expected = planned_jobs(snakemake(repo, "-n", "--cores", "2", "--configfile", f"config/{scale}.yaml").stdout)
    counts = rule_counts(plan_jobs(config(f"{scale}.yaml"), fake_rates(), cores=2))
    assert counts == expected
    assert sum(counts.values()) == {"smoke": 39, "paper": 644}[scale]  # as README says


def test_default_config_counts_and_families():
    jobs = plan_jobs(config(), fake_rates(), cores=2)
    assert len(jobs) == 247  # the default run's job count (README)
    counts = rule_counts(jobs)
    assert counts["evolve_lndp"] == 40 and counts["train_expert"] == 9 and counts["distill_smgrnn"] == 132
    assert {job.family for job in jobs} == {"experts", "smgrnn", "lndp", "transfer", "baselines", "analysis", "figures",
                                            "all"}
    assert {job.threads for job in jobs if job.rule == "evolve_lndp"} == {2}
    assert family_of("figure_expert_curves") == "figures"


# ---- costs -----------------------------------------------------------------------------------------------------


def lndp_settings(generations: int, population: int, **model) -> dict:
    settings = lndp_variants.resolve(config()["lndp"], "CartPole-v1", "full")
    settings["evolution"] |= {"generations": generations, "population_size": population}
    settings["model"] |= model
    return settings


def test_lndp_cost_is_linear_in_generations_and_population():
    rates = fake_rates()
    base = lndp_cost(rates, "CartPole-v1", lndp_settings(40, 32), 200, 2, 2)
    # 3 episodes x 500 steps + 50 developmental steps per lifetime, over 2 cores at 1 000 member-steps/core-s
    assert base.member_steps == 40 * 32 * 1550 and base.evolution_s == pytest.approx(40 * 32 * 1550 / 2000)
    assert base.eigen_s == pytest.approx(4 * 0.5)  # eigen_every 10
    for factor in (2, 5):
        longer = lndp_cost(rates, "CartPole-v1", lndp_settings(40 * factor, 32), 200, 2, 2)
        wider = lndp_cost(rates, "CartPole-v1", lndp_settings(40, 32 * factor), 200, 2, 2)
        assert longer.evolution_s == pytest.approx(factor * base.evolution_s)
        assert longer.eigen_s == pytest.approx(factor * base.eigen_s)
        assert wider.evolution_s == pytest.approx(factor * base.evolution_s) and wider.eigen_s == base.eigen_s
        forty = lndp_cost(rates, "CartPole-v1", lndp_settings(80, 32), 200, 2, 2).gpu_s - base.gpu_s
        assert longer.gpu_s - base.gpu_s == pytest.approx((factor - 1) * forty)  # GPU estimate: affine in generations
    assert base.evaluation_s == pytest.approx(2 * 200 * 1550 / 1000)  # best and mean, on one device
    nodes = lndp_cost(rates, "CartPole-v1", lndp_settings(40, 32, n_nodes=64), 200, 2, 2)
    assert nodes.evolution_s == pytest.approx(4 * base.evolution_s)  # per node pair
    one_core = lndp_cost(rates, "CartPole-v1", lndp_settings(40, 32), 200, 2, 1)
    assert one_core.threads == 1 and one_core.evolution_s == pytest.approx(2 * base.evolution_s)
    odd = lndp_cost(rates, "CartPole-v1", lndp_settings(40, 33), 200, 2, 2)  # 33 members stay on one device
    assert odd.evolution_s == pytest.approx(40 * 33 * 1550 / 1000)


def test_smgrnn_growth_without_pruning_uses_its_own_rate():
    jobs = {job.id: job for job in plan_jobs(config(), fake_rates(), cores=2)}
    full = jobs["distill_smgrnn:CartPole-v1/full/seed0"].seconds
    growth = jobs["distill_smgrnn:CartPole-v1/growth_only/seed0"].seconds
    assert full == pytest.approx(10 + 100_000 / 1000 + 100 * 0.01)
    assert growth == pytest.approx(10 + 100_000 / 100 + 100 * 0.01)


# ---- the command ----------------------------------------------------------------------------------------------


def write_rates(tmp_path, rates=None):
    path = tmp_path / "rates.json"
    path.write_text(json.dumps(rates or fake_rates()))
    return str(path)


def test_cli_prints_families_totals_wall_time_and_the_gpu_estimate(tmp_path, capsys):
    code = main(["plan", "--config", "config/config.yaml", "config/smoke.yaml", "--cores", "2",
                 "--rates", write_rates(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()
            if line[:1].isalpha() and len(line.split()) > 1}
    assert rows["experts"] == "4" and rows["smgrnn"] == "5" and rows["lndp"] == "3" and rows["total"] == "39"
    assert rows["figures"] == "13" and rows["analysis"] == "9" and rows["baselines"] == "3" and rows["transfer"] == "1"
    assert "predicted wall time on 2 core(s):" in out and "each LNDP job holds 2 core(s)" in out
    assert "GPU estimate (an estimate, not a measurement" in out and "assumed: 5 TFLOP/s" in out
    assert "an upper bound" in out


def test_missing_rates_file_names_it_and_the_command(tmp_path, capsys):
    missing = tmp_path / "nope.json"
    assert main(["plan", "--config", "config/config.yaml", "--rates", str(missing)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("plasticnets plan: error: no measured rates:") and str(missing) in err
    assert "python benchmarks/rates.py" in err and len(err.splitlines()) == 1


def test_rates_lacking_a_task_say_how_to_measure_it(tmp_path, capsys):
    rates = fake_rates()
    del rates["lndp"]["Pendulum-v1"]
    assert main(["plan", "--config", "config/config.yaml", "--rates", write_rates(tmp_path, rates)]) == 1
    assert "python benchmarks/rates.py --families lndp --tasks Pendulum-v1" in capsys.readouterr().err


def test_bad_config_gives_validate_configs_message(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("experts: {seedz: [0]}\n")
    assert main(["validate-config", "config/config.yaml", str(bad)]) == 1
    expected = capsys.readouterr().err.replace("validate-config", "plan")
    assert main(["plan", "--config", "config/config.yaml", str(bad), "--rates", write_rates(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == expected and "experts.seedz: unknown key (did you mean 'seeds'?)" in err


def test_the_shipped_rates_plan_every_shipped_config():
    for extra in ((), ("smoke.yaml",), ("paper.yaml",), ("lndp_long.yaml",)):
        plan = make_plan([ROOT / "config" / "config.yaml", *(ROOT / "config" / e for e in extra)], cores=2,
                         rates_path=ROOT / RATES_FILE)
        assert plan.wall_s > 0 and plan.core_seconds >= plan.wall_s
        assert "measured on x86_64" in format_plan(plan)


def test_a_snakemake_log_gives_each_jobs_time():
    log = """
[Thu Dec  3 23:21:41 2026]
localrule train_expert:
    output: results/experts/CartPole-v1/seed0/policy.eqx
    jobid: 3
    wildcards: task=CartPole-v1, seed=0

[Thu Dec  3 23:21:42 2026]
localrule trivial_baselines:
    jobid: 7
    wildcards: protocol=lndp, task=CartPole-v1

[Thu Dec  3 23:21:58 2026]
Finished jobid: 3 (Rule: train_expert)
[Thu Dec  3 23:22:02 2026]
Finished jobid: 7 (Rule: trivial_baselines)
"""
    jobs, span = log_job_times(log)
    assert [(j.rule, j.seconds) for j in jobs] == [("train_expert", 17.0), ("trivial_baselines", 20.0)]
    assert jobs[1].wildcards == "protocol=lndp, task=CartPole-v1" and span == 21.0
