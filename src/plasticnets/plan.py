"""Cost before you start (``plasticnets plan``): every job a config plans, its predicted time from measured rates,
and the wall time of the whole run on N cores.

**Jobs** come from the project's own config resolution, the functions the rules expand over: the families' run
folders (``Family.run_dirs``), the variants' resolved settings (``smgrnn/variants.py``, ``lndp/variants.py``), the
experts' PPO settings, the planned figures (``families.planned_figures``). Not from ``snakemake -n``: no Snakemake,
no DAG, no files; tests/test_plan.py checks the counts per rule against ``snakemake -n`` for the shipped configs.
The plan is of a run from nothing (every job; none is found done).

**Times** come from rates that benchmarks measured (``benchmarks/rates.json``, made by ``benchmarks/rates.py``,
with the machine and date beside each): a job's wall time is a fixed part (process start, imports, XLA
compilation with an empty cache) plus its work over a measured rate:

- ``train_expert``: environment steps / PPO steps per second (measured with the default config's PPO settings of
  the task), plus every greedy evaluation episode (checkpoint selection and the final one) at full length;
- ``distill_smgrnn``, ``distill_mlp_matched``: distillation steps / steps per second of a graph student, an MLP, or
  a graph that grows without pruning (``spm.prune`` off: growth_only, whose cost follows its exponentially growing
  graph), plus the final evaluation episodes;
- ``evolve_lndp``: generations x population x member-steps per lifetime (each episode at full length, plus the
  developmental steps; scaled by (n_nodes / measured n_nodes)^2) over the member-steps per core-second of a
  sharded population, plus the eigendecompositions of CMA-ES, plus the final evaluation of the best and mean
  parameters over ``lndp.eval_lifetimes`` lifetimes (unsharded). Full-length episodes make it an upper bound on
  CartPole and Acrobot, whose episodes may end early (evolution then skips the updates);
- cheap rules (gate, baselines, tables, statistics, claims, figures): the job time measured in a smoke run's
  Snakemake log (they grow little with the number of runs), baselines plus their evaluation work;
- ``transfer_lndp``: one parameter set over ``lndp.eval_lifetimes`` lifetimes of the target, plus the fixed part
  of its kind of job (``transfer_lndp`` in a log's cheap rules; until a log has one, the LNDP baselines', the same
  kind of job: load, compile, evaluate one parameter set).

**Wall time on N cores**: list scheduling over the job graph (a job starts when its inputs are done; among ready
jobs the longest first, a shorter one filling cores the next cannot use), each job holding its threads (an LNDP
job ``lndp.cpu_devices`` cores, at most N, as Snakemake caps them).

**GPU**: no GPU rate is recorded; the GPU figure is an estimate from stated assumptions (``gpu_assumptions`` in
the rates file: an achieved FLOP rate, a latency per sequential step), printed with it.
"""

from __future__ import annotations

import heapq
import json
import math
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from plasticnets.envs.registry import TASKS

RATES_FILE = "benchmarks/rates.json"
MEASURE = "python benchmarks/rates.py"

FAMILY_OF_RULE = {
    "train_expert": "experts", "expert_gate": "experts",
    "distill_smgrnn": "smgrnn", "distill_mlp_matched": "smgrnn",
    "evolve_lndp": "lndp",
    "transfer_lndp": "transfer",
    "trivial_baselines": "baselines",
    "family_tables": "analysis", "combined_tables": "analysis", "statistics": "analysis", "claims": "analysis",
    "resolved_config": "analysis",
    "all": "all",
}
FAMILY_ORDER = ("experts", "smgrnn", "lndp", "transfer", "baselines", "analysis", "figures", "all")


def family_of(rule: str) -> str:
    return "figures" if rule.startswith("figure_") else FAMILY_OF_RULE.get(rule, "other")


@dataclass(frozen=True)
class Job:
    """One planned job: its rule, a name (wildcards), its predicted wall time holding ``threads`` cores, the jobs
    it waits for (ids), and a GPU estimate where one is made."""

    rule: str
    name: str
    seconds: float
    threads: int = 1
    deps: tuple[str, ...] = ()
    gpu_seconds: float | None = None

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.name}"

    @property
    def family(self) -> str:
        return family_of(self.rule)

    @property
    def core_seconds(self) -> float:
        return self.seconds * self.threads


# ---- rates -------------------------------------------------------------------------------------------------------


class RatesError(ValueError):
    """A rates file that lacks what a config needs: names the file and the command that measures it."""


def load_rates(path: str | Path = RATES_FILE) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no measured rates: {path} is missing; make it with `{MEASURE}` (about 15 minutes "
                                "on 2 cores; it measures this machine)")
    try:
        rates = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RatesError(f"{path} is not valid JSON ({err}); make it again with `{MEASURE}`") from None
    if not isinstance(rates, dict):
        raise RatesError(f"{path}: expected a JSON object; make it again with `{MEASURE}`")
    rates["_path"] = str(path)
    return rates


def _entry(rates: dict[str, Any], section: str, key: str, fields: Iterable[str], families: str) -> dict[str, Any]:
    """``rates[section][key]`` (following ``same_as``), with every one of ``fields``; else a RatesError naming the
    file and the command that measures it."""
    table = rates.get(section, {})
    entry = table.get(key)
    if isinstance(entry, dict) and "same_as" in entry:
        entry = table.get(entry["same_as"])
    missing = [f for f in fields if not isinstance(entry, dict) or not isinstance(entry.get(f), (int, float))]
    if missing:
        task = f" --tasks {key}" if key in TASKS else ""
        raise RatesError(f"{rates.get('_path', RATES_FILE)} has no {section} rate {', '.join(missing)} for {key}; "
                         f"measure it with `{MEASURE} --families {families}{task}`")
    return entry


def _cheap(rates: dict[str, Any], key: str) -> float:
    return float(_entry(rates, "cheap", key, ["job_s"], "cheap --snakemake-log LOG")["job_s"])


# ---- per-job predictions -----------------------------------------------------------------------------------------


def ppo_settings(ppo: dict[str, Any]) -> dict[str, Any]:
    """A task's PPO settings with PPOConfig's defaults for the keys the config omits (as the job takes them)."""
    from dataclasses import fields

    from plasticnets.experts.ppo import PPOConfig

    return {f.name: f.default for f in fields(PPOConfig)} | dict(ppo)


def expert_seconds(rates: dict[str, Any], task: str, ppo: dict[str, Any], eval_episodes: int) -> float:
    r = _entry(rates, "experts", task, ["fixed_s", "env_steps_per_s"], "experts")
    episode_s = _entry(rates, "evaluation", task, ["episode_s"], "experts")["episode_s"]
    ppo = ppo_settings(ppo)
    batch = ppo["num_envs"] * ppo["num_steps"]
    updates = ppo["total_steps"] // batch
    selections = max(1, min(ppo["num_evals"], updates))  # train.py's _chunks
    episodes = selections * ppo["eval_episodes"] + eval_episodes
    return r["fixed_s"] + updates * batch / r["env_steps_per_s"] + episodes * episode_s


def expert_gpu_seconds(rates: dict[str, Any], task: str, ppo: dict[str, Any], eval_episodes: int) -> float:
    """GPU estimate: gymnax PPO runs in ``lax.scan``, so on a GPU it is bound by the latency of its sequential
    steps (each rollout step, each minibatch update, each evaluation step); host-stepped tasks (LunarLander's Box2D)
    run on the CPU whatever the device: their CPU prediction."""
    if TASKS[task].backend != "gymnax":
        return expert_seconds(rates, task, ppo, eval_episodes)
    gpu = rates.get("gpu_assumptions", {})
    r = _entry(rates, "experts", task, ["fixed_s"], "experts")
    ppo = ppo_settings(ppo)
    updates = ppo["total_steps"] // (ppo["num_envs"] * ppo["num_steps"])
    selections = max(1, min(ppo["num_evals"], updates))
    per_update = (ppo["num_steps"] * gpu.get("ppo_step_latency_s", 0.0)
                  + ppo["update_epochs"] * ppo["num_minibatches"] * gpu.get("ppo_minibatch_latency_s", 0.0))
    evaluation = (selections + 1) * TASKS[task].max_episode_steps * gpu.get("ppo_step_latency_s", 0.0)
    return r["fixed_s"] + updates * per_update + evaluation


def smgrnn_kind(settings: dict[str, Any]) -> str:
    """Which measured rate a resolved SMGrNN variant runs at: ``mlp``, ``graph``, or ``graph_unpruned`` (growth
    without pruning: its graph, and its cost per step, grow until its capacity)."""
    if settings["kind"] == "mlp":
        return "mlp"
    spm = settings["spm"]
    return "graph_unpruned" if not spm.get("prune", True) and (spm.get("edge_growth", True)
                                                                 or spm.get("random_growth", True)) else "graph"


def smgrnn_seconds(rates: dict[str, Any], task: str, settings: dict[str, Any], eval_episodes: int) -> float:
    kind = smgrnn_kind(settings)
    measured = "graph" if kind == "graph_unpruned" else kind
    r = _entry(rates, "smgrnn", task, [f"{measured}_fixed_s", f"{measured}_steps_per_s"], "smgrnn")
    rate = r[f"{measured}_steps_per_s"]
    if kind == "graph_unpruned":
        rate = float(_entry(rates, "smgrnn", "graph_unpruned", ["steps_per_s"], "smgrnn --unpruned")["steps_per_s"])
    episode_s = _entry(rates, "evaluation", task, ["episode_s"], "experts")["episode_s"]
    return r[f"{measured}_fixed_s"] + settings["steps"] / rate + eval_episodes * episode_s


def lifetime_member_steps(task: str, settings: dict[str, Any]) -> int:
    """Member-steps of one lifetime at full length: every episode to its step limit (an upper bound where episodes
    end early) plus the developmental steps; Foraging is one 100-step run."""
    spec = TASKS[task]
    dev = settings["model"].get("dev_steps", 0)
    if spec.backend == "jax":
        return spec.max_episode_steps + dev
    return settings["lifetime"]["n_episodes"] * spec.max_episode_steps + dev


@dataclass(frozen=True)
class LNDPCost:
    """The pieces of one LNDP job's prediction (seconds on ``devices`` devices holding ``threads`` cores)."""

    member_steps: float  # evolution, full length, in measured-model units
    evolution_s: float
    eigen_s: float
    evaluation_s: float
    fixed_s: float
    threads: int
    gpu_s: float

    @property
    def seconds(self) -> float:
        return self.fixed_s + self.evolution_s + self.eigen_s + self.evaluation_s


def lndp_cost(rates: dict[str, Any], task: str, settings: dict[str, Any], eval_lifetimes: int, cpu_devices: int,
              cores: int) -> LNDPCost:
    r = _entry(rates, "lndp", task, ["fixed_s", "member_steps_per_core_s", "eval_member_steps_per_s", "eigh_s",
                                     "flop_per_member_step", "num_params"], "lndp")
    measured = rates.get("lndp", {}).get("model", {})
    model = settings["model"]
    scale = (model.get("n_nodes", 32) / measured.get("n_nodes", 32)) ** 2  # the update's work is per node pair
    evolution = settings["evolution"]
    generations, population = evolution["generations"], evolution["population_size"]
    steps = lifetime_member_steps(task, settings)
    threads = max(1, min(cpu_devices, cores))  # Snakemake gives a job at most --cores threads
    devices = threads if population % threads == 0 else 1  # devices.batch_sharding: uneven stays on one device
    member_steps = generations * population * steps * scale
    evolution_s = member_steps / (r["member_steps_per_core_s"] * devices)
    eigens = math.ceil(generations / evolution.get("eigen_every", 1))
    dims = _num_params(task, model)
    eigh_s = r["eigh_s"] * (dims / r["num_params"]) ** 3
    evaluation_work = 2 * eval_lifetimes * steps * scale  # best and mean parameters, plain vmap: no skipping
    evaluation_s = evaluation_work / r["eval_member_steps_per_s"]

    gpu = rates.get("gpu_assumptions", {})
    flop = r["flop_per_member_step"] * scale
    flop_s, latency = gpu.get("flop_per_s", math.inf), gpu.get("lndp_step_latency_s", 0.0)
    per_generation = max(population * steps * flop / flop_s, steps * latency)
    gpu_evaluation = max(evaluation_work * flop / flop_s, 2 * steps * latency)
    gpu_s = r["fixed_s"] + generations * per_generation + eigens * gpu.get("eigh_s", 0.0) + gpu_evaluation
    return LNDPCost(member_steps, evolution_s, eigens * eigh_s, evaluation_s, r["fixed_s"], threads, gpu_s)


def _num_params(task: str, model: dict[str, Any]) -> int:
    """The parameter count CMA-ES searches (shapes only: no device is touched)."""
    import jax

    from plasticnets.lndp.params import zero_params
    from plasticnets.lndp.tasks import model_config

    cfg = model_config(task, **model)
    shapes = jax.eval_shape(lambda: zero_params(cfg))
    return sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(shapes))


def baseline_seconds(rates: dict[str, Any], config: dict[str, Any], task: str, protocol: str) -> float:
    if protocol == "smgrnn":
        episode_s = _entry(rates, "evaluation", task, ["episode_s"], "experts")["episode_s"]
        work = TASKS[task].num_actions * config["smgrnn"]["eval_episodes"] * episode_s  # every constant action
        return _cheap(rates, "trivial_baselines:smgrnn") + work
    from plasticnets.lndp import variants as lndp_variants

    lndp = config["lndp"]
    settings = lndp_variants.resolve(lndp, task, lndp_variants.REFERENCE)
    r = _entry(rates, "lndp", task, ["eval_member_steps_per_s"], "lndp")
    work = lndp["eval_lifetimes"] * lifetime_member_steps(task, settings)  # the empty network, one parameter set
    return _cheap(rates, "trivial_baselines:lndp") + work / r["eval_member_steps_per_s"]


def transfer_seconds(rates: dict[str, Any], config: dict[str, Any], source: str, target: str) -> float:
    from plasticnets.lndp import variants as lndp_variants

    lndp = config["lndp"]
    settings = lndp_variants.resolve(lndp, source, lndp_variants.REFERENCE)  # the source's model, on the target
    r = _entry(rates, "lndp", target, ["eval_member_steps_per_s"], "lndp")
    work = lndp["eval_lifetimes"] * lifetime_member_steps(target, settings)
    fixed = "transfer_lndp" if "transfer_lndp" in rates.get("cheap", {}) else "trivial_baselines:lndp"
    return _cheap(rates, fixed) + work / r["eval_member_steps_per_s"]


# ---- the plan ----------------------------------------------------------------------------------------------------


def plan_jobs(config: dict[str, Any], rates: dict[str, Any], cores: int) -> list[Job]:
    """Every job the config plans (a run from nothing), with its predicted time, threads and inputs."""
    from plasticnets.baselines.results import planned as planned_baselines
    from plasticnets.families import FAMILIES, planned_figures
    from plasticnets.lndp import variants as lndp_variants
    from plasticnets.smgrnn import variants as smgrnn_variants
    from plasticnets.transfer.results import runs as transfer_runs

    jobs: list[Job] = []
    experts, smgrnn, lndp = config["experts"], config["smgrnn"], config["lndp"]
    train, runs_of = {}, {family: [] for family in FAMILIES}

    for task in experts["tasks"]:
        ppo = experts.get("ppo", {}).get(task, {})
        for seed in experts["seeds"]:
            name = f"{task}/seed{seed}"
            job = Job("train_expert", name, expert_seconds(rates, task, ppo, experts["eval_episodes"]),
                      gpu_seconds=expert_gpu_seconds(rates, task, ppo, experts["eval_episodes"]))
            gate = Job("expert_gate", name, _cheap(rates, "expert_gate"), deps=(job.id,))
            jobs += [job, gate]
            train[(task, seed)] = (job.id, gate.id)
            runs_of["experts"].append(job.id)

    expert_seed = smgrnn["expert_seed"]
    for task in smgrnn["tasks"]:
        expert = train.get((task, expert_seed), ())
        full = []
        for variant in smgrnn_variants.all_variants(smgrnn):
            if variant == smgrnn_variants.MATCHED or task not in smgrnn_variants.variant_tasks(smgrnn, variant):
                continue
            settings = smgrnn_variants.resolve(smgrnn, task, variant)
            for seed in smgrnn_variants.seeds(smgrnn, variant):
                job = Job("distill_smgrnn", f"{task}/{variant}/seed{seed}",
                          smgrnn_seconds(rates, task, settings, smgrnn["eval_episodes"]), deps=expert)
                jobs.append(job)
                runs_of["smgrnn"].append(job.id)
                if variant == smgrnn_variants.MATCHED_TO:
                    full.append(job.id)
        if smgrnn.get("size_matched_mlp", True):
            settings = smgrnn_variants.resolve(smgrnn, task, smgrnn_variants.MATCHED)
            settings = {**settings, "hidden": [64]}  # its width is known only after the full runs: costed as mlp
            for seed in smgrnn_variants.seeds(smgrnn, smgrnn_variants.MATCHED):
                job = Job("distill_mlp_matched", f"{task}/{smgrnn_variants.MATCHED}/seed{seed}",
                          smgrnn_seconds(rates, task, settings, smgrnn["eval_episodes"]), deps=(*expert, *full))
                jobs.append(job)
                runs_of["smgrnn"].append(job.id)

    for task, variant in lndp_variants.runs(lndp):
        settings = lndp_variants.resolve(lndp, task, variant)
        cost = lndp_cost(rates, task, settings, lndp["eval_lifetimes"], lndp["cpu_devices"], cores)
        for seed in lndp_variants.seeds(lndp, task):
            job = Job("evolve_lndp", f"{task}/{variant}/seed{seed}", cost.seconds, cost.threads,
                      gpu_seconds=cost.gpu_s)
            jobs.append(job)
            runs_of["lndp"].append(job.id)

    full_runs = {job.name: job.id for job in jobs if job.rule == "evolve_lndp"}
    for source, target, seed in transfer_runs(config):
        job = Job("transfer_lndp", f"{target}/from_{source}/seed{seed}", transfer_seconds(rates, config, source, target),
                  deps=(full_runs[f"{source}/{lndp_variants.REFERENCE}/seed{seed}"],))
        jobs.append(job)
        runs_of["transfer"].append(job.id)

    for task, protocol in planned_baselines(config):
        job = Job("trivial_baselines", f"{protocol}/{task}", baseline_seconds(rates, config, task, protocol))
        jobs.append(job)
        runs_of["baselines"].append(job.id)

    tables = {}
    for family in FAMILIES:
        job = Job("family_tables", family, _cheap(rates, "family_tables"), deps=tuple(runs_of[family]))
        jobs.append(job)
        tables[f"{family}_runs.parquet"] = tables[f"{family}_summary.csv"] = job.id
    combined = Job("combined_tables", "", _cheap(rates, "combined_tables"),
                   deps=tuple(tables[f"{family}_runs.parquet"] for family in FAMILIES))
    statistics = Job("statistics", "", _cheap(rates, "statistics"), deps=(combined.id,))
    claims = Job("claims", "", _cheap(rates, "claims"), deps=(combined.id,))
    resolved = Job("resolved_config", "", _cheap(rates, "resolved_config"))
    jobs += [combined, statistics, claims, resolved]
    tables.update({"runs.parquet": combined.id, "summary.csv": combined.id, "claims.csv": claims.id})
    for figure in planned_figures(config):
        key = f"figure_{figure.name}" if f"figure_{figure.name}" in rates.get("cheap", {}) else "figure"
        jobs.append(Job(f"figure_{figure.name}", figure.name, _cheap(rates, key),
                        deps=tuple(dict.fromkeys(tables[t] for t in figure.tables))))
    jobs.append(Job("all", "", 0.0, deps=tuple(job.id for job in jobs)))
    return jobs


def rule_counts(jobs: list[Job], figures_as_one: bool = False) -> dict[str, int]:
    """{rule: jobs}; ``figures_as_one``: the figure rules (one job each) counted together as ``figure_*``."""
    counts: dict[str, int] = {}
    for job in jobs:
        rule = "figure_*" if figures_as_one and job.rule.startswith("figure_") else job.rule
        counts[rule] = counts.get(rule, 0) + 1
    return counts


def schedule(jobs: list[Job], cores: int) -> float:
    """Wall time of ``jobs`` on ``cores`` cores by list scheduling: whenever cores are free, start the ready jobs
    (every input done) longest first, skipping one that needs more cores than are free for a shorter one that
    fits. A job needing more than ``cores`` runs on all of them (Snakemake's cap). Known answers: 4 equal jobs on 2
    cores take 2 job-lengths; one job longer than all the others together takes its own length."""
    if cores < 1:
        raise ValueError(f"cores must be >= 1, got {cores}")
    by_id = {job.id: job for job in jobs}
    waiting = {job.id: {d for d in job.deps if d in by_id} for job in jobs}
    dependents: dict[str, list[str]] = {}
    for job_id, deps in waiting.items():
        for dep in deps:
            dependents.setdefault(dep, []).append(job_id)
    ready = [job_id for job_id, deps in waiting.items() if not deps]
    running: list[tuple[float, str]] = []
    now, free, done = 0.0, cores, 0
    while done < len(jobs):
        ready.sort(key=lambda i: (-by_id[i].seconds, i))
        for job_id in list(ready):
            width = min(by_id[job_id].threads, cores)
            if width <= free:
                free -= width
                ready.remove(job_id)
                heapq.heappush(running, (now + by_id[job_id].seconds, job_id))
        if not running:
            raise ValueError("the jobs' inputs form a cycle")  # ready is empty too: nothing can ever start
        now, finished = heapq.heappop(running)
        finishing = [finished]
        while running and running[0][0] <= now:
            finishing.append(heapq.heappop(running)[1])
        for job_id in finishing:
            free += min(by_id[job_id].threads, cores)
            done += 1
            for dependent in dependents.get(job_id, []):
                waiting[dependent].discard(job_id)
                if not waiting[dependent]:
                    ready.append(dependent)
    return now


@dataclass(frozen=True)
class Plan:
    config_files: tuple[str, ...]
    scale: str
    cores: int
    jobs: list[Job]
    wall_s: float
    rates: dict[str, Any]

    def by_family(self) -> dict[str, list[Job]]:
        groups: dict[str, list[Job]] = {}
        for job in self.jobs:
            groups.setdefault(job.family, []).append(job)
        return {f: groups[f] for f in sorted(groups, key=lambda f: (FAMILY_ORDER + (f,)).index(f))}

    @property
    def core_seconds(self) -> float:
        return sum(job.core_seconds for job in self.jobs)


def make_plan(config_files: list[str | Path], cores: int | None = None, rates_path: str | Path = RATES_FILE) -> Plan:
    """The plan of the merged, validated config (the same one-line-per-problem errors as validate-config, which
    also checks the claims file the config names: the run would stop on it before its first job)."""
    from plasticnets.analysis.claims_file import check_claims_file
    from plasticnets.families import load_project_config

    config = load_project_config(config_files)
    check_claims_file(config)
    rates = load_rates(rates_path)
    cores = cores or os.cpu_count() or 1
    jobs = plan_jobs(config, rates, cores)
    return Plan(tuple(str(p) for p in config_files), str(config.get("scale", "?")), cores, jobs,
                schedule(jobs, cores), rates)


# ---- text ----------------------------------------------------------------------------------------------------------


def duration(seconds: float) -> str:
    """Seconds as a short human duration: 45 s, 4 min 22 s, 2 h 43 min, 4.2 days."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest:02d} s"
    if seconds < 3 * 86400:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes:02d} min"
    return f"{seconds / 86400:.1f} days"


def core_hours(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:,.0f}" if hours >= 100 else f"{hours:.1f}" if hours >= 10 else f"{hours:.2f}" if hours >= 0.1 \
        else f"{hours:.3f}"


def _measured(rates: dict[str, Any]) -> str:
    """Each machine the rates were measured on, with the first and last date."""
    dates: dict[str, list[str]] = {}
    for m in _stamps(rates):
        dates.setdefault(m.get("machine", "?"), []).append(str(m.get("date", "?")))
    return "; ".join(f"{machine}, {min(d)}" + (f" to {max(d)}" if max(d) != min(d) else "")
                     for machine, d in sorted(dates.items())) or "no machine recorded"


def _stamps(value) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [value["measured"]] if isinstance(value.get("measured"), dict) else []
        return found + [s for k, v in value.items() if k != "measured" for s in _stamps(v)]
    return []


def format_plan(plan: Plan, measured: dict[str, tuple[int, float]] | None = None,
                measured_wall_s: float | None = None) -> str:
    """The plan as text: jobs, core-hours and the longest job per family; the totals; the wall time on the plan's
    cores; the assumptions; the GPU estimate. ``measured`` ({family: (jobs, job-seconds)}, from
    ``log_job_times``) adds what a finished run took beside the prediction."""
    lines = [f"plan for {' + '.join(plan.config_files)} (scale: {plan.scale}): every job, from nothing",
             f"rates: {plan.rates.get('_path', RATES_FILE)} (measured on {_measured(plan.rates)})", ""]
    head = f"{'family':<10} {'jobs':>5} {'core-h':>8} {'job time':>12} {'longest job':>12}  rules"
    if measured is not None:
        head = head.replace("  rules", f" {'measured':>12} {'ratio':>6}  rules")
    lines.append(head)
    total_jobs = 0
    for family, jobs in plan.by_family().items():
        core_s = sum(j.core_seconds for j in jobs)
        rules = ", ".join(f"{rule} {n}" for rule, n in rule_counts(jobs, figures_as_one=True).items())
        threads = {j.threads for j in jobs}
        if threads != {1}:
            rules += f" ({'/'.join(map(str, sorted(threads)))} cores each)"
        job_s = sum(j.seconds for j in jobs)
        row = f"{family:<10} {len(jobs):>5} {core_hours(core_s):>8} {duration(job_s):>12} " \
              f"{duration(max(j.seconds for j in jobs)):>12}"
        if measured is not None:
            m = measured.get(family)
            row += f" {duration(m[1]) if m else '-':>12} {f'{job_s / m[1]:.2f}' if m and m[1] > 0 else '-':>6}"
        lines.append(f"{row}  {rules}")
        total_jobs += len(jobs)
    total_job_s = sum(j.seconds for j in plan.jobs)
    row = f"{'total':<10} {total_jobs:>5} {core_hours(plan.core_seconds):>8} {duration(total_job_s):>12} {'':>12}"
    if measured is not None:
        m = sum(v[1] for v in measured.values())
        row += f" {duration(m):>12} {total_job_s / m:>6.2f}" if m > 0 else ""
    lines += [row.rstrip(), "  (job time: the jobs' wall times added up; core-h: each times the cores it holds)", ""]
    lndp_threads = {j.threads for j in plan.jobs if j.rule == "evolve_lndp"}
    holds = f"; each LNDP job holds {'/'.join(map(str, sorted(lndp_threads)))} core(s)" if lndp_threads else ""
    wall = f"predicted wall time on {plan.cores} core(s): {duration(plan.wall_s)}"
    if measured_wall_s is not None:
        wall += f" (measured: {duration(measured_wall_s)}, ratio {plan.wall_s / measured_wall_s:.2f})"
    lines += [wall, f"  (list scheduling over the job graph, longest ready job first{holds})", ""]
    lines += ["assumptions:",
              "  - job time = fixed part (process start, imports, XLA compilation with an empty cache) + work / "
              "measured rate",
              "  - LNDP: every episode at full length, an upper bound: CartPole and Acrobot episodes may end early, "
              "and evolution then skips the lifetime updates; each variant costs as the full model",
              "  - evaluation episodes at full length (gymnax evaluates so; host-stepped LunarLander: an upper "
              "bound)",
              "  - SMGrNN: growth without pruning (growth_only) at one recorded mean rate; a size-matched MLP costs "
              "as an MLP of width 64",
              "  - cheap rules (gate, tables, statistics, claims, figures): their time in a smoke run"]
    gpu_jobs = [j for j in plan.jobs if j.gpu_seconds is not None]
    if gpu_jobs:
        gpu = plan.rates.get("gpu_assumptions", {})
        lines += ["", "GPU estimate (an estimate, not a measurement: no GPU rate is recorded; one job at a time per "
                      "GPU):"]
        for family in ("experts", "lndp"):
            jobs = [j for j in gpu_jobs if j.family == family]
            if jobs:
                longest = max(j.gpu_seconds for j in jobs)
                lines.append(f"  {family:<8} {len(jobs):>4} jobs: {sum(j.gpu_seconds for j in jobs) / 3600:,.2f} "
                             f"GPU-hours (longest job {duration(longest)})")
        lines.append("  per LNDP generation the larger of its FLOPs at the assumed rate and its sequential lifetime "
                     "steps at the assumed latency")
        lines.append(f"  assumed: {gpu.get('flop_per_s', 0) / 1e12:g} TFLOP/s achieved; "
                     f"{gpu.get('lndp_step_latency_s', 0) * 1e6:g} us per sequential LNDP lifetime step, "
                     f"{gpu.get('ppo_step_latency_s', 0) * 1e6:g} us per PPO rollout step, "
                     f"{gpu.get('ppo_minibatch_latency_s', 0) * 1e6:g} us per PPO minibatch update, "
                     f"{gpu.get('eigh_s', 0) * 1e3:g} ms per CMA-ES eigendecomposition; LNDP FLOPs per member-step "
                     f"as measured by XLA ({_flop_text(plan.rates)}); a job's fixed part as on the CPU; host-stepped "
                     "LunarLander experts at their CPU time")
        if gpu.get("note"):
            lines.append(f"  ({gpu['note']})")
    return "\n".join(lines) + "\n"


SLURM_MARGIN = 1.5  # a job's SLURM runtime: its rule's longest predicted job times this, for a slower node
SLURM_MIN_MINUTES = 10


def slurm_runtimes(plan: Plan, max_minutes: int | None = None) -> dict[str, int]:
    """Minutes of SLURM runtime per rule: ``SLURM_MARGIN`` x the rule's longest predicted job (at least
    ``SLURM_MIN_MINUTES``), capped at the cluster's limit ``max_minutes`` when one is given."""
    longest: dict[str, float] = {}
    for job in plan.jobs:
        if job.rule != "all":
            longest[job.rule] = max(longest.get(job.rule, 0.0), job.seconds)
    minutes = {rule: max(SLURM_MIN_MINUTES, math.ceil(seconds * SLURM_MARGIN / 60))
               for rule, seconds in longest.items()}
    return {rule: min(m, max_minutes) if max_minutes else m for rule, m in sorted(minutes.items())}


def format_slurm(plan: Plan, max_minutes: int | None = None) -> str:
    """The runtimes as Snakemake options for profiles/slurm, and how many attempts a job longer than the cluster's
    limit needs (an LNDP job resumes from its checkpoint at each; the profile's ``retries`` must allow them)."""
    runtimes = slurm_runtimes(plan, max_minutes)
    limit = f", capped at the cluster's {max_minutes} min" if max_minutes else ""
    lines = [f"SLURM runtime per rule ({SLURM_MARGIN:g} x its longest predicted job, at least "
             f"{SLURM_MIN_MINUTES} min{limit}; job times at the rates above):",
             "  --set-resources " + " ".join(f"{rule}:runtime={m}" for rule, m in runtimes.items())]
    if max_minutes:
        for rule in sorted({j.rule for j in plan.jobs}):
            longest = max(j.seconds for j in plan.jobs if j.rule == rule)
            attempts = math.ceil(longest * SLURM_MARGIN / 60 / max_minutes)
            if attempts > 1:
                how = ("each resumes from the last checkpoint" if rule == "evolve_lndp"
                       else "this rule does not checkpoint: it cannot finish under this limit")
                lines.append(f"  {rule}: longest job {duration(longest)} > {max_minutes} min: {attempts} attempts "
                             f"({how}); the profile's retries must be at least {attempts - 1}")
    return "\n".join(lines) + "\n"


def _flop_text(rates: dict[str, Any]) -> str:
    values = sorted({round(v["flop_per_member_step"] / 1e3) for v in rates.get("lndp", {}).values()
                     if isinstance(v, dict) and "flop_per_member_step" in v})
    if not values:
        return "?"
    return (f"{values[0]:,}" if values[0] == values[-1] else f"{values[0]:,}-{values[-1]:,}") + " kFLOP"


# ---- what a finished run took (a Snakemake log) -----------------------------------------------------------------

_STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
_RULE = re.compile(r"^(?:local)?rule (\w+):$")
_JOBID = re.compile(r"^\s+jobid: (\d+)$")
_WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")
_FINISHED = re.compile(r"^Finished jobid: (\d+)")


@dataclass(frozen=True)
class LoggedJob:
    rule: str
    wildcards: str
    seconds: float


def log_job_times(text: str) -> tuple[list[LoggedJob], float]:
    """Every finished job of a Snakemake log (its rule, wildcards, and the seconds between the timestamps before
    its start and its finish: 1 s resolution), and the log's span from the first start to the last finish."""
    stamp, rule, pending, started = None, None, {}, {}
    jobs: list[LoggedJob] = []
    first = last = None
    current = None
    for line in text.splitlines():
        if m := _STAMP.match(line):
            stamp = datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
        elif m := _RULE.match(line):
            rule, current = m.group(1), None
        elif (m := _JOBID.match(line)) and rule is not None:
            current = m.group(1)
            started[current] = (rule, stamp, "")
            first = first or stamp
            rule = None
        elif (m := _WILDCARDS.match(line)) and current in started:
            r, s, _ = started[current]
            started[current] = (r, s, m.group(1))
        elif (m := _FINISHED.match(line)) and m.group(1) in started:
            r, s, w = started.pop(m.group(1))
            jobs.append(LoggedJob(r, w, (stamp - s).total_seconds()))
            last = stamp
    span = (last - first).total_seconds() if first and last else 0.0
    return jobs, span


def measured_by_family(jobs: list[LoggedJob]) -> dict[str, tuple[int, float]]:
    """{family: (jobs, job-seconds)} of logged jobs."""
    out: dict[str, tuple[int, float]] = {}
    for job in jobs:
        family = family_of(job.rule)
        n, s = out.get(family, (0, 0.0))
        out[family] = (n + 1, s + job.seconds)
    return out
