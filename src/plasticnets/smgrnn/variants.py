"""Variants as config: resolve a (task, variant) pair to the settings one run needs.

A graph variant is a name plus overrides of ``distill``, ``graph`` and ``spm``;
an MLP baseline is a name plus hidden widths; ``mlp_matched`` (when
``size_matched_mlp`` is on) takes its width from the full SMGrNN's final size.
"""

from __future__ import annotations

from typing import Any

from plasticnets.dicts import merge

MATCHED = "mlp_matched"
MATCHED_TO = "full"


def graph_variants(smgrnn: dict[str, Any]) -> list[str]:
    return [v["name"] for v in smgrnn["variants"]]


def mlp_variants(smgrnn: dict[str, Any]) -> list[str]:
    names = [m["name"] for m in smgrnn["mlps"]]
    return names + ([MATCHED] if smgrnn.get("size_matched_mlp", True) else [])


def all_variants(smgrnn: dict[str, Any]) -> list[str]:
    return graph_variants(smgrnn) + mlp_variants(smgrnn)


def resolve(smgrnn: dict[str, Any], task: str, variant: str) -> dict[str, Any]:
    """Everything one run of ``variant`` on ``task`` reads (passed to the CLI as JSON)."""
    base = {"steps": smgrnn["steps"][task], "distill": smgrnn["distill"]}
    for entry in smgrnn["variants"]:
        if entry["name"] == variant:
            return {
                "kind": "graph",
                **base,
                "distill": merge(smgrnn["distill"], entry.get("distill", {})),
                "graph": merge(smgrnn["graph"], entry.get("graph", {})),
                "spm": merge(smgrnn["spm"], entry.get("spm", {})),
            }
    for entry in smgrnn["mlps"]:
        if entry["name"] == variant:
            return {"kind": "mlp", **base, "hidden": list(entry["hidden"])}
    if variant == MATCHED:
        return {"kind": "mlp", **base, "hidden": None}  # width filled in from the full runs
    raise ValueError(f"unknown SMGrNN variant {variant!r}; configured: {', '.join(all_variants(smgrnn))}")


def problems(config: dict[str, Any]) -> list[str]:
    """Checks the schema cannot express: unique names, experts present for every task."""
    smgrnn, experts = config["smgrnn"], config["experts"]
    found = []
    names = all_variants(smgrnn)
    for name in sorted({n for n in names if names.count(n) > 1}):
        found.append(f"config key smgrnn.variants/mlps: variant name {name!r} is used twice")
    if smgrnn.get("size_matched_mlp", True) and MATCHED_TO not in graph_variants(smgrnn):
        found.append(f"config key smgrnn.size_matched_mlp: needs a variant named {MATCHED_TO!r} to match")
    for i, task in enumerate(smgrnn["tasks"]):
        if task not in experts["tasks"]:
            found.append(f"config key smgrnn.tasks[{i}]: {task!r} has no expert; add it to experts.tasks")
        if task not in smgrnn["steps"]:
            found.append(f"config key smgrnn.steps: no budget for {task!r}")
    if smgrnn.get("expert_seed", 0) not in experts["seeds"]:
        found.append(f"config key smgrnn.expert_seed: {smgrnn.get('expert_seed', 0)} is not in experts.seeds {experts['seeds']}")
    return found
