"""LNDP variants as config: resolve a (task, variant) pair to the settings one run reads.

A variant is a name, overrides of ``model``, ``lifetime`` and ``evolution``, and
optionally the ``tasks`` it runs on (default: every LNDP task), so the experiment grid
of the paper (SP on/off everywhere, spontaneous activity on CartPole, ...) is config.
"""

from __future__ import annotations

from typing import Any

from plasticnets.dicts import merge
from plasticnets.envs.registry import TASKS

REFERENCE = "full"  # the variant every other one is compared with (statistics, claims, baselines)


def variant_names(lndp: dict[str, Any]) -> list[str]:
    return [v["name"] for v in lndp["variants"]]


def runs(lndp: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (task, variant) pair the config asks for, in config order."""
    return [(task, v["name"]) for v in lndp["variants"] for task in lndp["tasks"]
            if task in v.get("tasks", lndp["tasks"])]


def seeds(lndp: dict[str, Any], task: str) -> list[int]:
    """The evolution seeds of ``task``: ``lndp.task_seeds[task]`` where given, else ``lndp.seeds``. A task_seeds
    entry for a task the config does not run is ignored, so a scale that runs fewer tasks inherits the default's
    entries harmlessly (a misspelled task name is a schema error)."""
    return list(lndp.get("task_seeds", {}).get(task, lndp["seeds"]))


def resolve(lndp: dict[str, Any], task: str, variant: str) -> dict[str, Any]:
    """Everything one run reads (passed to the CLI as JSON)."""
    for entry in lndp["variants"]:
        if entry["name"] == variant:
            evolution = merge(lndp["evolution"], entry.get("evolution", {}))
            evolution["generations"] = evolution["generations"][task]
            return {
                "model": merge(lndp["model"], entry.get("model", {})),
                "lifetime": merge(lndp["lifetime"], entry.get("lifetime", {})),
                "evolution": evolution,
            }
    raise ValueError(f"unknown LNDP variant {variant!r}; configured: {', '.join(variant_names(lndp))}")


def problems(config: dict[str, Any]) -> list[str]:
    """Checks the schema cannot express: unique names, variant tasks among lndp.tasks, a budget for every run,
    n_nodes that leaves a hidden node for each task a variant runs (else its job fails), an even eval_lifetimes
    when a Foraging task runs (its evaluation splits them in halves by the food's initial side), and the reference
    variant on every task another variant runs (else that variant is compared with nothing)."""
    lndp = config["lndp"]
    found = []
    names = variant_names(lndp)
    for name in sorted({n for n in names if names.count(n) > 1}):
        found.append(f"config key lndp.variants: variant name {name!r} is used twice")
    for i, entry in enumerate(lndp["variants"]):
        for task in entry.get("tasks", []):
            if task not in lndp["tasks"]:
                found.append(f"config key lndp.variants[{i}].tasks: {task!r} is not in lndp.tasks {lndp['tasks']}")
        generations = merge(lndp["evolution"], entry.get("evolution", {}))["generations"]
        for task in entry.get("tasks", lndp["tasks"]):
            if task in lndp["tasks"] and task not in generations:
                found.append(f"config key lndp.evolution.generations: no budget for {task!r}")
    found += _n_nodes_problems(lndp)
    foraging = [task for task in lndp["tasks"] if TASKS[task].backend == "jax"]
    lifetimes = lndp["eval_lifetimes"]
    if foraging and lifetimes % 2:
        found.append(f"config key lndp.eval_lifetimes: {lifetimes} is odd; it must be even while lndp.tasks has "
                     f"{', '.join(foraging)}, whose evaluation lifetimes start with the food on each side in exactly "
                     "half of them (lndp/run.py evaluation_keys)")
    planned = runs(lndp)
    reference_tasks = {task for task, variant in planned if variant == REFERENCE}
    if REFERENCE in names:  # its absence altogether is the families' check
        for i, entry in enumerate(lndp["variants"]):
            missing = [task for task, variant in planned if variant == entry["name"] and task not in reference_tasks]
            if missing:
                found.append(f"config key lndp.variants[{i}].tasks: {entry['name']} runs on {', '.join(missing)}, "
                             f"where {REFERENCE!r} (the reference it is compared with) does not")
    return sorted(set(found))


def _n_nodes_problems(lndp: dict[str, Any]) -> list[str]:
    """n_nodes must exceed the task's inputs + outputs (LNDPConfig refuses a network with no hidden node); named
    at the variant's own key when it overrides n_nodes, else at lndp.model.n_nodes."""
    hits: dict[str, list[str]] = {}
    for i, entry in enumerate(lndp["variants"]):
        n_nodes = merge(lndp["model"], entry.get("model", {})).get("n_nodes")
        key = f"lndp.variants[{i}].model.n_nodes" if "n_nodes" in entry.get("model", {}) else "lndp.model.n_nodes"
        for task in [t for t in entry.get("tasks", lndp["tasks"]) if t in lndp["tasks"]]:
            spec = TASKS[task]
            need = spec.obs_size + spec.num_actions + 1
            if n_nodes is not None and n_nodes < need:
                line = (f"config key {key}: {n_nodes} leaves no hidden node for {task}'s {spec.obs_size} inputs and "
                        f"{spec.num_actions} outputs; it must be >= {need}")
                hits.setdefault(line, []).append(entry["name"])
    return [f"{line} (variant(s) {', '.join(names)})" for line, names in hits.items()]
