"""What an SMGrNN run folder holds and means: summary row, curves, headline metrics, reference variant, figures.

The same descriptor covers graph students (full and ablations) and the MLP baselines: both are
distillation runs with the same files.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from plasticnets.descriptor import Curve, Family, Figure, evaluation_columns
from plasticnets.smgrnn import variants

RUN_FILES = ("summary.json", "metrics.parquet")
TABLES = ("smgrnn_runs.parquet", "smgrnn_summary.csv", "baselines_summary.csv")


def run_dir(task: str, variant: str, seed: int) -> str:
    return f"results/smgrnn/{task}/{variant}/seed{seed}"


def run_dirs(config: dict[str, Any]) -> list[str]:
    smgrnn = config["smgrnn"]
    return [run_dir(task, variant, seed) for task, variant, seed in variants.runs(smgrnn)]


def summary_row(summary: dict[str, Any], metrics: pd.DataFrame) -> dict[str, Any]:
    return {**evaluation_columns(summary), "late_reward": summary["late_reward"], "episodes": summary["episodes"],
            **{f"final_{k}": v for k, v in summary["final"].items()},
            **{f"total_{k}": v for k, v in summary["spm_totals"].items()},
            "steps_to_half_size": steps_to_half_size(metrics, summary["final"]["hidden"])}


def steps_to_half_size(metrics: pd.DataFrame, final_hidden: float) -> float:
    """How fast the size adapts: the environment step of the first structural check at which the hidden-node count
    had reached half of its final value (the first check, when it was there from the start); 0 for a fixed-size
    MLP, which has no checks."""
    if not {"record", "hidden", "step"} <= set(metrics.columns):
        return 0.0
    checks = metrics[metrics["record"] == "check"]
    reached = checks[checks["hidden"] >= 0.5 * final_hidden]
    return float(reached["step"].iloc[0]) if len(reached) else 0.0


# The two figures a config plans only when it runs their variants. Decided here, not in the figure modules: the
# workflow asks on every Snakemake start, and importing those modules loaded the plotting libraries (a smoke-config
# `snakemake -n` took 3.4 s with them, 2.8 s without).
TOPOLOGY_REFERENCE = "full"
TOPOLOGY_PREFIX = "init_"  # the initial-topology variants
WINDOWS = {"window_50": 50, "full": 100, "window_200": 200}  # variant: window T


def topology_planned(config: dict[str, Any]) -> bool:
    """The topology figure needs `full` and at least one initial-topology variant (init_*)."""
    names = [v["name"] for v in config["smgrnn"]["variants"]]
    return TOPOLOGY_REFERENCE in names and any(name.startswith(TOPOLOGY_PREFIX) for name in names)


def window_planned(config: dict[str, Any]) -> bool:
    """The window figure needs `full` and a window variant on a common task."""
    smgrnn = config["smgrnn"]
    on = {v["name"]: set(v.get("tasks", smgrnn["tasks"])) & set(smgrnn["tasks"]) for v in smgrnn["variants"]}
    return any(on.get("full", set()) & on.get(name, set()) for name in WINDOWS if name != "full")


RESULTS = Family(
    name="smgrnn",
    outputs=("metrics.parquet", "graph.npz", "summary.json"),
    run_files=RUN_FILES,
    curves=(
        Curve("episode", "step", "env_steps", ("return", "loss")),
        Curve("check", "step", "env_steps", ("hidden", "edges", "params", "relays", "random_edges", "pruned", "orphans")),
    ),
    summary_row=summary_row,
    run_dirs=run_dirs,
    run_dir=run_dir,
    run_glob="results/smgrnn/*/*/seed*",
    variant_names=lambda config: variants.all_variants(config["smgrnn"]),
    headline_metrics=("late_reward", "eval_mean", "final_hidden", "final_edges", "final_params", "steps_to_half_size"),
    learning_metrics=("late_reward", "eval_mean"),
    limit_columns=("total_dropped_no_free_slot", "total_dropped_by_check_cap"),
    reference_variant=variants.REFERENCE,
    figures=(*(Figure(name, TABLES, "SMGrNN") for name in ("smgrnn_returns", "smgrnn_size", "smgrnn_ablation")),
             Figure("smgrnn_topology", TABLES, "SMGrNN", planned=topology_planned),
             Figure("smgrnn_window", TABLES, "SMGrNN", planned=window_planned)),
    config_problems=variants.problems,
)
