"""What a transfer folder holds and means: one row per (target task, source task, seed), the best parameters of the
source's ``full`` run evaluated on the target's evaluation lifetimes; config ``lndp.transfer`` lists the
(source, target) pairs, and a pair runs where the config has ``full`` runs of both tasks (a grid narrowed to other
tasks plans none, as figures without runs to fill them are not planned). ``variant`` is ``from_<source>``,
``seed`` the source run's seed."""

from __future__ import annotations

from typing import Any

import pandas as pd

from plasticnets.descriptor import Family, Figure
from plasticnets.lndp import variants as lndp_variants
from plasticnets.transfer.run import same_interface, variant_name

SOURCE_VARIANT = lndp_variants.REFERENCE  # the parameters transferred: the full LNDP's


def run_dir(task: str, variant: str, seed: int) -> str:
    return f"results/transfer/{task}/{variant}/seed{seed}"


def listed_pairs(config: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) task pairs the config lists, in order."""
    return [(pair["source"], pair["target"]) for pair in config["lndp"].get("transfer", [])]


def pairs(config: dict[str, Any]) -> list[tuple[str, str]]:
    """The listed pairs that run: both tasks have ``full`` runs in this config."""
    planned = set(lndp_variants.runs(config["lndp"]))
    return [(s, t) for s, t in listed_pairs(config) if (s, SOURCE_VARIANT) in planned and (t, SOURCE_VARIANT) in planned]


def runs(config: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(source, target, seed): one per seed of the source's ``full`` runs."""
    lndp = config["lndp"]
    return [(source, target, seed) for source, target in pairs(config) for seed in lndp_variants.seeds(lndp, source)]


def run_dirs(config: dict[str, Any]) -> list[str]:
    return [run_dir(target, variant_name(source), seed) for source, target, seed in runs(config)]


def config_problems(config: dict[str, Any]) -> list[str]:
    """Each listed pair: tasks with the same inputs and actions (parameters evolved on one run on the other), and
    no pair twice."""
    found, seen = [], set()
    for i, (source, target) in enumerate(listed_pairs(config)):
        where = f"config key lndp.transfer[{i}]"
        if (source, target) in seen:
            found.append(f"{where}: the pair {source} -> {target} is listed twice")
        seen.add((source, target))
        if not same_interface(source, target):
            found.append(f"{where}: {source} and {target} differ in inputs or actions; parameters evolved on one "
                         "cannot run on the other")
    return found


def summary_row(summary: dict[str, Any], metrics: pd.DataFrame) -> dict[str, Any]:
    best = summary["eval_best"]
    return {"source_task": summary["source_task"], "eval_fitness": best["fitness_mean"],
            "eval_fitness_std": best["fitness_std"], "eval_density": best["final_density_mean"],
            "source_eval_fitness": summary["source_eval_best_fitness"], "eval_lifetimes": summary["eval_lifetimes"],
            "wall_time_s": summary["wall_time_s"]}


RESULTS = Family(
    name="transfer",
    outputs=("summary.json",),
    run_files=("summary.json",),
    curves=(),
    summary_row=summary_row,
    run_dirs=run_dirs,
    run_dir=run_dir,
    run_glob="results/transfer/*/*/seed*",
    variant_names=lambda config: list(dict.fromkeys(variant_name(source) for source, _ in pairs(config))),
    headline_metrics=("eval_fitness", "eval_density"),
    learning_metrics=("eval_fitness",),
    config_section="lndp",
    baseline_protocol="lndp",
    figures=(Figure("lndp_transfer", ("transfer_summary.csv", "lndp_summary.csv", "baselines_summary.csv"), "LNDP",
                    planned=lambda config: bool(pairs(config))),),
    config_problems=config_problems,
)
