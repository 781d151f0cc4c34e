"""Measure the rates `plasticnets plan` predicts from, on this machine, and write them to benchmarks/rates.json.

Every job kind is measured as its rule runs it: the `plasticnets` command in a fresh process with an empty XLA
compilation cache, at a small and a larger budget with everything else equal, so that

    job wall time = fixed part (process start, imports, compilation) + work / rate

gives both (rate from the difference, fixed part from the small run). Settings are the default config's
(config/config.yaml) for the task; a job's final evaluation is kept at one episode in these runs and timed on its
own, in this process, at full episode length:

- experts, per task: PPO environment steps per second; seconds per greedy evaluation episode (gymnax: one
  vmapped scan to the step limit; LunarLander: host Box2D, the per-step cost of the host loop x 1,000 steps);
- smgrnn, per task: distillation steps per second and fixed part of a graph student (the `full` variant) and of
  an MLP (`mlp_64`), distilling the small expert run's policy. `--unpruned` also runs growth_only at the default
  budget (slow: its graph grows exponentially) for the rate of growth without pruning;
- lndp, per task: member-steps per core-second of a whole population (default model, population 32, full-length
  lifetimes, sharded over `lndp.cpu_devices` XLA devices as evolution shards it), member-steps per second of the
  final evaluation (plain vmap on one device), one CMA-ES eigendecomposition, XLA's FLOP count per member-step
  (update + act), and the fixed part of an `evolve` job (population 8, one generation, two lifetimes);
- cheap rules, from a Snakemake log of a finished run (`--snakemake-log LOG`: each job's start and finish):
  gate, tables, statistics, claims, resolved config, figures, baselines.

Each section gets the machine (CPU model, cores), date and load average it was measured at. Only the families
and tasks measured are replaced; the rest of the file is kept. Prints the machine first and each rate as it goes.
About 15 minutes on 2 cores.

Usage: python benchmarks/rates.py [--families experts smgrnn lndp] [--tasks CartPole-v1 ...] [--out PATH]
       python benchmarks/rates.py --families cheap --snakemake-log smoke.log
       (a smoke run's log: snakemake --cores 2 --configfile config/smoke.yaml 2>&1 | tee smoke.log)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from plasticnets.xla_cpu import cpu_device_flags

ROOT = Path(__file__).resolve().parents[1]
CHILD_ENV = dict(os.environ)  # the jobs' environment, before this process sets its own XLA flags
CPU_DEVICES = max(1, min(2, os.cpu_count() or 1))  # config/config.yaml's lndp.cpu_devices, at most the cores
os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {cpu_device_flags(CPU_DEVICES)}".strip()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from plasticnets.envs.registry import TASKS  # noqa: E402
from plasticnets.families import load_project_config  # noqa: E402
from plasticnets.plan import ppo_settings  # noqa: E402

FAMILIES = ("experts", "smgrnn", "lndp", "cheap")
EXPERT_TASKS = ("CartPole-v1", "Acrobot-v1", "LunarLander-v3")
LNDP_TASKS = ("CartPole-v1", "Acrobot-v1", "Pendulum-v1", "Foraging-nonstationary")
SAME_AS = {"Foraging-stationary": "Foraging-nonstationary"}  # the same lifetime, another switching probability
# The larger budget of each two-point measurement: about 10-30 s of work on a 2-core AMD EPYC.
EXPERT_STEPS = {"CartPole-v1": 2_000_000, "Acrobot-v1": 1_000_000, "LunarLander-v3": 131_072}
SMGRNN_STEPS = {"graph": {"CartPole-v1": 40_000, "Acrobot-v1": 40_000, "LunarLander-v3": 50_000},
                "mlp": {"CartPole-v1": 400_000, "Acrobot-v1": 400_000, "LunarLander-v3": 50_000}}
SMALL_STEPS = 2_000
REPEATS = 1  # --repeats
GPU_ASSUMPTIONS = {
    "flop_per_s": 5e12,
    "lndp_step_latency_s": 1e-4,
    "ppo_step_latency_s": 2e-5,
    "ppo_minibatch_latency_s": 2e-4,
    "eigh_s": 0.05,
    "note": "assumptions, not measurements: 5 TFLOP/s achieved (about a tenth of a current datacenter GPU's float32 "
            "peak, for small batched work); a lifetime step of the whole population cannot take less than ~30 small "
            "kernels of a few microseconds each; a 2k x 2k eigendecomposition ~50 ms",
}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def stamp(extra: str = "") -> dict:
    return {"machine": f"{platform.machine()} {cpu_model()}, {os.cpu_count()} cores",
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "load_average": [round(x, 2) for x in os.getloadavg()], "jax": jax.__version__,
            "command": "python benchmarks/rates.py " + " ".join(sys.argv[1:]) + extra}


def run_cli(args: list[str], repeats: int | None = None) -> float:
    """Wall seconds of one `plasticnets` command in a fresh process with an empty XLA compilation cache; the least
    of ``repeats`` runs (other jobs on the machine only ever add time)."""
    walls = []
    for _ in range(repeats or REPEATS):
        with tempfile.TemporaryDirectory(prefix="rates_cache_") as cache:
            env = CHILD_ENV | {"JAX_COMPILATION_CACHE_DIR": cache}
            start = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "plasticnets", *args], env=env, capture_output=True,
                                    text=True)
            walls.append(time.perf_counter() - start)
        if result.returncode:
            raise RuntimeError(f"plasticnets {args[0]} failed:\n{result.stderr[-3000:]}")
    return min(walls)


def two_point(label: str, small: tuple[float, float], large: tuple[float, float], small_extra_s: float = 0.0):
    """(fixed seconds, work per second) from (work, wall) at two budgets; ``small_extra_s``: predicted seconds of
    the small run that are neither fixed nor its work (its evaluation)."""
    (w0, t0), (w1, t1) = small, large
    if t1 <= t0 or w1 <= w0:
        raise RuntimeError(f"{label}: the larger budget was not slower ({t0:.1f} s vs {t1:.1f} s); the machine is "
                           "too busy or the budgets too small: rerun (--repeats 2 keeps the faster of two runs)")
    rate = (w1 - w0) / (t1 - t0)
    return max(0.0, t0 - w0 / rate - small_extra_s), rate


def default_config() -> dict:
    return load_project_config([ROOT / "config" / "config.yaml"])


# ---- evaluation episodes -----------------------------------------------------------------------------------------


def evaluation_episode_s(task: str) -> float:
    """Seconds per greedy evaluation episode at full length."""
    from plasticnets.envs import evaluate
    from plasticnets.experts.policy import ActorCritic
    from plasticnets.experts.train import greedy_policy

    spec = TASKS[task]
    model = ActorCritic(jax.random.PRNGKey(0), spec.obs_size, spec.num_actions)
    if spec.backend == "gymnax":  # one vmapped scan to the step limit, whatever the policy does
        evaluate(task, greedy_policy, model, 100, 1)
        start = time.perf_counter()
        evaluate(task, greedy_policy, model, 100, 2)
        return (time.perf_counter() - start) / 100
    return host_step_s(task, model, greedy_policy) * spec.max_episode_steps


def host_step_s(task: str, model, policy, envs: int = 16, iterations: int = 300) -> float:
    """Seconds per environment step of the host evaluation loop (envs/rollout.py: a jitted policy on the batch,
    then each environment stepped), resetting any that finishes."""
    import gymnasium

    act = jax.jit(policy)
    batch = [gymnasium.make(task) for _ in range(envs)]
    obs = np.stack([env.reset(seed=i)[0] for i, env in enumerate(batch)])
    np.asarray(act(model, jnp.asarray(obs, jnp.float32)))
    start = time.perf_counter()
    for _ in range(iterations):
        actions = np.asarray(act(model, jnp.asarray(obs, jnp.float32)))
        for i, env in enumerate(batch):
            o, _, term, trunc, _ = env.step(int(actions[i]))
            obs[i] = env.reset()[0] if term or trunc else o
    seconds = (time.perf_counter() - start) / (iterations * envs)
    for env in batch:
        env.close()
    return seconds


# ---- experts -----------------------------------------------------------------------------------------------------


def measure_expert(task: str, config: dict, folder: Path, episode_s: float) -> dict:
    ppo = ppo_settings(config["experts"]["ppo"].get(task, {}))
    batch = ppo["num_envs"] * ppo["num_steps"]
    points = []
    for steps in (batch * max(1, SMALL_STEPS // batch), EXPERT_STEPS.get(task, 200_000)):
        steps = max(batch, steps // batch * batch)
        settings = {**ppo, "hidden": list(ppo["hidden"]), "total_steps": steps, "num_evals": 1, "eval_episodes": 1}
        out = folder / f"expert_{task}_{steps}"
        wall = run_cli(["train-expert", "--task", task, "--seed", "0", "--out", str(out),
                        "--ppo", json.dumps(settings), "--eval-episodes", "1"])
        points.append((steps, wall))
        print(f"  experts {task}: {steps:,} steps in {wall:.1f} s (load {os.getloadavg()[0]:.2f})")
    fixed, rate = two_point(f"experts {task}", *points, small_extra_s=2 * episode_s)
    print(f"experts {task}: {rate:,.0f} env steps/s, fixed {fixed:.1f} s")
    return {"fixed_s": round(fixed, 2), "env_steps_per_s": round(rate, 1),
            "settings": f"config/config.yaml experts.ppo.{task}", "measured": stamp()}


# ---- smgrnn ------------------------------------------------------------------------------------------------------


def expert_policy(task: str, config: dict, folder: Path) -> Path:
    """A policy to distil from: the small expert run's if there is one, else a tiny PPO run."""
    found = sorted(folder.glob(f"expert_{task}_*/policy.eqx"))
    if found:
        return found[0]
    ppo = ppo_settings(config["experts"]["ppo"].get(task, {}))
    settings = {**ppo, "hidden": list(ppo["hidden"]), "total_steps": ppo["num_envs"] * ppo["num_steps"],
                "num_evals": 1, "eval_episodes": 1}
    out = folder / f"expert_{task}_tiny"
    run_cli(["train-expert", "--task", task, "--seed", "0", "--out", str(out), "--ppo", json.dumps(settings),
             "--eval-episodes", "1"])
    return out / "policy.eqx"


def measure_smgrnn(task: str, config: dict, folder: Path, episode_s: float) -> dict:
    from plasticnets.smgrnn.variants import resolve

    expert = expert_policy(task, config, folder)
    entry = {}
    for kind, variant in (("graph", "full"), ("mlp", "mlp_64")):
        points = []
        for steps in (SMALL_STEPS, SMGRNN_STEPS[kind].get(task, 20_000)):
            settings = {**resolve(config["smgrnn"], task, variant), "steps": steps}
            wall = run_cli(["distill", "--task", task, "--variant", variant, "--seed", "0",
                            "--settings", json.dumps(settings), "--expert", str(expert),
                            "--out", str(folder / f"smgrnn_{task}_{variant}_{steps}"), "--eval-episodes", "1"])
            points.append((steps, wall))
            print(f"  smgrnn {task} {variant}: {steps:,} steps in {wall:.1f} s (load {os.getloadavg()[0]:.2f})")
        fixed, rate = two_point(f"smgrnn {task} {variant}", *points, small_extra_s=episode_s)
        print(f"smgrnn {task} {kind} ({variant}): {rate:,.0f} steps/s, fixed {fixed:.1f} s")
        entry |= {f"{kind}_fixed_s": round(fixed, 2), f"{kind}_steps_per_s": round(rate, 1)}
    return entry | {"settings": "config/config.yaml smgrnn, variants full and mlp_64", "measured": stamp()}


def measure_unpruned(tasks: list[str], config: dict, folder: Path, rates: dict) -> dict:
    """growth_only at the default budget, one seed per task: total steps over total time less the fixed parts."""
    from plasticnets.smgrnn.variants import resolve

    steps_total, seconds = 0, 0.0
    for task in tasks:
        settings = resolve(config["smgrnn"], task, "growth_only")
        wall = run_cli(["distill", "--task", task, "--variant", "growth_only", "--seed", "0",
                        "--settings", json.dumps(settings), "--expert", str(expert_policy(task, config, folder)),
                        "--out", str(folder / f"smgrnn_{task}_growth_only"), "--eval-episodes", "1"])
        fixed = rates.get("smgrnn", {}).get(task, {}).get("graph_fixed_s", 0.0)
        steps_total, seconds = steps_total + settings["steps"], seconds + wall - fixed
        print(f"  smgrnn {task} growth_only: {settings['steps']:,} steps in {wall:.1f} s "
              f"(load {os.getloadavg()[0]:.2f})")
    rate = steps_total / seconds
    print(f"smgrnn growth without pruning: {rate:,.0f} steps/s over {', '.join(tasks)}")
    return {"steps_per_s": round(rate, 1), "measured": stamp(f" (growth_only, seed 0, default budgets of "
                                                             f"{', '.join(tasks)})")}


# ---- lndp --------------------------------------------------------------------------------------------------------


def measure_lndp(task: str, config: dict, folder: Path, population: int = 32, lifetimes: int = 64) -> dict:
    from plasticnets.devices import batch_sharding
    from plasticnets.lndp.model import LNDP
    from plasticnets.lndp.params import num_params, random_params
    from plasticnets.lndp.run import build_task
    from plasticnets.lndp.variants import resolve
    from plasticnets.plan import lifetime_member_steps

    settings = resolve(config["lndp"], task, "full")
    lifetime = build_task(task, settings)
    cfg = lifetime.model.cfg
    steps = lifetime_member_steps(task, settings)
    params = jax.vmap(lambda k: random_params(k, cfg))(jax.random.split(jax.random.PRNGKey(0), population))
    keys = jax.random.split(jax.random.PRNGKey(1), population)

    def timed(f, *args, repeats=2):
        jax.block_until_ready(f(*args))  # compile
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            jax.block_until_ready(f(*args))
            best = min(best, time.perf_counter() - start)
        return best

    sharding = batch_sharding(population)
    devices = len(jax.devices()) if sharding is not None else 1
    generation = jax.jit(jax.vmap(lifetime))  # full length: every member updates at every step
    args = jax.device_put((params, keys), sharding) if sharding is not None else (params, keys)
    per_core = population * steps / (timed(generation, *args) * devices)
    one = jax.tree.map(lambda x: x[0], params)
    evaluation = jax.jit(jax.vmap(lifetime, in_axes=(None, 0)))  # as lndp/run.py evaluate_params
    eval_rate = lifetimes * steps / timed(evaluation, one, jax.random.split(jax.random.PRNGKey(2), lifetimes))

    dims = num_params(cfg)
    a = jax.random.normal(jax.random.PRNGKey(3), (dims, dims))
    eigh_s = timed(jax.jit(jnp.linalg.eigh), a @ a.T / dims)

    model = LNDP(cfg)
    net = model.init(one, keys[0])
    obs = jnp.zeros(cfg.obs_size)
    flop = sum(_flops(f, *a) for f, a in ((model.maybe_update, (one, net, keys[0])),
                                           (lambda p, o, n: model.act(p, o, n), (one, obs, net))))

    evolution = {**settings["evolution"], "population_size": 8, "generations": 1, "checkpoint_every": 1}
    tiny = {**settings, "evolution": evolution}
    wall = run_cli(["evolve", "--task", task, "--variant", "full", "--seed", "0", "--settings", json.dumps(tiny),
                    "--out", str(folder / f"lndp_{task}"), "--checkpoint", str(folder / f"lndp_{task}_checkpoint"),
                    "--eval-lifetimes", "2", "--eval-seed", "1000000", "--cpu-devices", str(CPU_DEVICES)])
    tiny_devices = CPU_DEVICES if 8 % CPU_DEVICES == 0 else 1
    work = 8 * steps / (per_core * tiny_devices) + 4 * steps / eval_rate + eigh_s
    fixed = max(0.0, wall - work)
    print(f"lndp {task}: {per_core:,.0f} member-steps per core-second ({devices} device(s), population {population}), "
          f"evaluation {eval_rate:,.0f} member-steps/s, eigendecomposition ({dims} parameters) {eigh_s:.2f} s, "
          f"{flop / 1e3:,.0f} kFLOP per member-step ({flop * per_core / 1e9:.1f} GFLOP/s per core), "
          f"fixed {fixed:.1f} s (tiny job {wall:.1f} s)")
    return {"fixed_s": round(fixed, 2), "member_steps_per_core_s": round(per_core, 1),
            "eval_member_steps_per_s": round(eval_rate, 1), "eigh_s": round(eigh_s, 4), "num_params": dims,
            "flop_per_member_step": round(flop), "member_steps_per_lifetime": steps,
            "measured": stamp(f" (population {population} over {devices} device(s); evaluation {lifetimes} lifetimes)")}


def _flops(f, *args) -> float:
    cost = jax.jit(f).lower(*args).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    return float(cost.get("flops", 0.0))


# ---- cheap rules -------------------------------------------------------------------------------------------------


def measure_cheap(log: Path) -> dict:
    from plasticnets.plan import family_of, log_job_times

    jobs, span = log_job_times(log.read_text())
    if not jobs:
        sys.exit(f"{log}: no finished Snakemake job in it (expected the log of a run: 'Finished jobid' lines)")
    times: dict[str, list[float]] = {}
    for job in jobs:
        if job.rule == "all" or family_of(job.rule) in ("experts", "smgrnn", "lndp") and job.rule != "expert_gate":
            continue
        key = job.rule
        if job.rule == "trivial_baselines":
            key += ":" + ("lndp" if "protocol=lndp" in job.wildcards else "smgrnn")
        elif job.rule.startswith("figure_"):
            key = "figure"
        times.setdefault(key, []).append(job.seconds)
    entry = {key: {"job_s": round(float(np.mean(v)), 2), "jobs": len(v)} for key, v in sorted(times.items())}
    for key, value in entry.items():
        print(f"cheap {key}: {value['job_s']:.1f} s per job ({value['jobs']} job(s))")
    first = next((line.strip("[]") for line in log.read_text().splitlines() if line.startswith("[") and
                  line.endswith("]")), None)
    measured = stamp(f" (from {log.name}: each job's start and finish times in a Snakemake log, 1 s resolution)")
    del measured["load_average"]  # of now, not of the run
    if first:
        measured["date"] = datetime.datetime.strptime(first, "%a %b %d %H:%M:%S %Y").strftime("%Y-%m-%d %H:%M")
    return entry | {"measured": measured}


# ---- main --------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", nargs="+", choices=FAMILIES, default=["experts", "smgrnn", "lndp"])
    parser.add_argument("--tasks", nargs="+", help="only these tasks (default: every task the family runs)")
    parser.add_argument("--snakemake-log", type=Path, help="a finished run's Snakemake log, for the cheap rules")
    parser.add_argument("--unpruned", action="store_true",
                        help="also time SMGrNN growth_only at the default budget (slow: about 20 minutes)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per measured job, keeping the fastest "
                        "(default 1; 2 on a machine shared with other jobs)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "rates.json")
    args = parser.parse_args()
    global REPEATS
    REPEATS = max(1, args.repeats)
    if "cheap" in args.families and args.snakemake_log is None:
        parser.error("--families cheap needs --snakemake-log LOG (a finished run's Snakemake log)")

    print(f"machine: {platform.machine()} {cpu_model()}, {os.cpu_count()} cores; "
          f"{datetime.datetime.now():%Y-%m-%d %H:%M}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"jax {jax.__version__}, {len(jax.devices())} x {jax.devices()[0].platform} device(s)")
    rates = json.loads(args.out.read_text()) if args.out.is_file() else {}
    rates["about"] = ("Rates `plasticnets plan` predicts from; made by benchmarks/rates.py (its docstring says how "
                      "each is measured). Each section records the machine and date it was measured on.")
    rates.setdefault("gpu_assumptions", GPU_ASSUMPTIONS)
    config = default_config()
    wanted = set(args.tasks or ()) | {SAME_AS[t] for t in args.tasks or () if t in SAME_AS}
    chosen = lambda tasks: [t for t in tasks if not wanted or t in wanted]  # noqa: E731

    def save():  # after every measurement: a failure later keeps what was measured
        args.out.write_text(json.dumps(rates, indent=2) + "\n")

    with tempfile.TemporaryDirectory(prefix="rates_") as tmp:
        folder = Path(tmp)
        episode = {}
        if {"experts", "smgrnn"} & set(args.families):
            for task in chosen(EXPERT_TASKS):
                episode[task] = evaluation_episode_s(task)
                rates.setdefault("evaluation", {})[task] = {"episode_s": round(episode[task], 5),
                                                            "measured": stamp()}
                print(f"evaluation {task}: {episode[task] * 1e3:.2f} ms per full-length episode")
                save()
        if "experts" in args.families:
            for task in chosen(EXPERT_TASKS):
                rates.setdefault("experts", {})[task] = measure_expert(task, config, folder, episode[task])
                save()
        if "smgrnn" in args.families:
            for task in chosen(EXPERT_TASKS):
                rates.setdefault("smgrnn", {})[task] = measure_smgrnn(task, config, folder, episode[task])
                save()
            if args.unpruned:
                rates["smgrnn"]["graph_unpruned"] = measure_unpruned(chosen(EXPERT_TASKS), config, folder, rates)
        if "lndp" in args.families:
            lndp = rates.setdefault("lndp", {})
            lndp["model"] = {"n_nodes": config["lndp"]["model"]["n_nodes"], "settings": "config/config.yaml lndp, "
                             "variant full"}
            for task in chosen(LNDP_TASKS):
                lndp[task] = measure_lndp(task, config, folder)
                save()
            for task, other in SAME_AS.items():
                if other in lndp and (not wanted or other in wanted):
                    lndp[task] = {"same_as": other}
    if "cheap" in args.families:
        rates["cheap"] = measure_cheap(args.snakemake_log)
    save()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as err:
        sys.exit(f"rates.py: {err}")
