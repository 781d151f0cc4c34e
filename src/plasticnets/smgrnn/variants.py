"""Variants as config: resolve a (task, variant) pair to the settings one run needs.

A graph variant is a name plus overrides of ``distill``, ``graph`` and ``spm`` (and the tasks it runs on);
an MLP baseline is a name plus hidden widths; ``mlp_matched`` (when
``size_matched_mlp`` is on) takes its width from the full SMGrNN's final size.
"""

from __future__ import annotations

from typing import Any

from plasticnets.dicts import merge
from plasticnets.envs.registry import TASKS

REFERENCE = "full"  # the variant every other one is compared with (statistics, claims)
MATCHED = "mlp_matched"
MATCHED_TO = REFERENCE


def graph_variants(smgrnn: dict[str, Any]) -> list[str]:
    return [v["name"] for v in smgrnn["variants"]]


def mlp_variants(smgrnn: dict[str, Any]) -> list[str]:
    names = [m["name"] for m in smgrnn["mlps"]]
    return names + ([MATCHED] if smgrnn.get("size_matched_mlp", True) else [])


def all_variants(smgrnn: dict[str, Any]) -> list[str]:
    return graph_variants(smgrnn) + mlp_variants(smgrnn)


def _entry(smgrnn: dict[str, Any], variant: str) -> dict[str, Any]:
    """The config entry of graph variant ``variant`` ({} for an MLP or an unknown name)."""
    return next((v for v in smgrnn["variants"] if v["name"] == variant), {})


def variant_tasks(smgrnn: dict[str, Any], variant: str) -> list[str]:
    """The tasks ``variant`` runs on: its own ``tasks`` (graph variants) where given, else ``smgrnn.tasks``."""
    entry = _entry(smgrnn, variant)
    return [task for task in smgrnn["tasks"] if task in entry.get("tasks", smgrnn["tasks"])]


def seeds(smgrnn: dict[str, Any], variant: str) -> list[int]:
    """The seeds of ``variant``: ``smgrnn.variant_seeds[variant]`` where given, else the variant entry's own
    ``seeds``, else ``smgrnn.seeds``. The size-matched MLP runs the seeds of the variant it matches."""
    name = MATCHED_TO if variant == MATCHED else variant
    own = _entry(smgrnn, name).get("seeds", smgrnn["seeds"])
    return list(smgrnn.get("variant_seeds", {}).get(name, own))


def runs(smgrnn: dict[str, Any]) -> list[tuple[str, str, int]]:
    """Every (task, variant, seed) the config asks for, in config order (task, then variant, then seed)."""
    return [(task, variant, seed) for task in smgrnn["tasks"] for variant in all_variants(smgrnn)
            if task in variant_tasks(smgrnn, variant) for seed in seeds(smgrnn, variant)]


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
    for name in smgrnn.get("variant_seeds", {}):
        if name not in graph_variants(smgrnn):
            found.append(f"config key smgrnn.variant_seeds.{name}: no graph variant of that name; configured: "
                         f"{', '.join(graph_variants(smgrnn))}")
    for i, entry in enumerate(smgrnn["variants"]):
        for task in entry.get("tasks", []):
            if task not in smgrnn["tasks"]:
                found.append(f"config key smgrnn.variants[{i}].tasks: {task!r} is not in smgrnn.tasks "
                             f"{smgrnn['tasks']}")
    for i, task in enumerate(smgrnn["tasks"]):
        if task not in experts["tasks"]:
            found.append(f"config key smgrnn.tasks[{i}]: {task!r} has no expert; add it to experts.tasks")
        if task not in smgrnn["steps"]:
            found.append(f"config key smgrnn.steps: no budget for {task!r}")
    if smgrnn.get("expert_seed", 0) not in experts["seeds"]:
        found.append(f"config key smgrnn.expert_seed: {smgrnn.get('expert_seed', 0)} is not in experts.seeds {experts['seeds']}")
    return found + _graph_problems(smgrnn)


def _graph_problems(smgrnn: dict[str, Any]) -> list[str]:
    """Each graph variant's merged settings: the initial graph must fit its capacity. ``initial_hidden`` above
    ``max_hidden`` fails the run; more expected initial edges (density x allowed pairs among the task's initial
    nodes) than ``max_edges`` would drop the rest before training. A problem is named at the variant's own key
    when the variant overrides one of the keys involved, else at the base settings, once for every variant it
    affects."""
    hits: dict[str, list[str]] = {}
    for i, entry in enumerate(smgrnn["variants"]):
        own = {**entry.get("graph", {}), **entry.get("spm", {})}
        graph = merge(smgrnn["graph"], entry.get("graph", {}))
        self_loops = merge(smgrnn["spm"], entry.get("spm", {})).get("allow_self_loops", True)

        def key(name: str, involved: tuple[str, ...]) -> str:
            return f"smgrnn.variants[{i}].graph.{name}" if any(k in own for k in involved) else f"smgrnn.graph.{name}"

        hidden, max_hidden, max_edges = graph.get("initial_hidden", 0), graph.get("max_hidden"), graph.get("max_edges")
        if max_hidden is not None and hidden > max_hidden:
            name = "max_hidden" if "max_hidden" in own and "initial_hidden" not in own else "initial_hidden"
            text = (f"{hidden} exceeds max_hidden {max_hidden}" if name == "initial_hidden" else
                    f"{max_hidden} is below initial_hidden {hidden}") + ": the initial graph must fit the capacity"
            line = f"config key {key(name, ('initial_hidden', 'max_hidden'))}: {text}"
            hits.setdefault(line, []).append(entry["name"])
            continue
        if max_edges is None:
            continue
        for task in smgrnn["tasks"]:
            spec = TASKS[task]
            nodes = spec.obs_size + spec.num_actions + hidden
            targets = nodes - spec.obs_size  # no edge into an input node
            pairs = nodes * targets - (0 if self_loops else targets)
            expected = graph.get("density", 0.8) * pairs
            if expected > max_edges:
                text = (f"{max_edges} edge slots cannot hold the initial graph on {task}: density "
                        f"{graph.get('density', 0.8)} x {pairs} allowed pairs among its {nodes} initial nodes = "
                        f"{expected:.0f} expected edges; raise max_edges or lower density or initial_hidden")
                involved = ("max_edges", "density", "initial_hidden", "allow_self_loops")
                hits.setdefault(f"config key {key('max_edges', involved)}: {text}", []).append(entry["name"])
    return [f"{line} (variant(s) {', '.join(names)})" for line, names in hits.items()]
