"""LNDP variants as config: resolve a (task, variant) pair to the settings one run reads.

A variant is a name, overrides of ``model``, ``lifetime`` and ``evolution``, and
optionally the ``tasks`` it runs on (default: every LNDP task), so the experiment grid
of the paper (SP on/off everywhere, spontaneous activity on CartPole, ...) is config.
"""

from __future__ import annotations

from typing import Any

from plasticnets.dicts import merge


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
    """Checks the schema cannot express."""
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
    return sorted(set(found))
