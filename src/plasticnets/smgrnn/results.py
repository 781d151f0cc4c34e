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


def _topology_planned(config: dict[str, Any]) -> bool:
    from plasticnets.figures.smgrnn_topology import planned

    return planned(config)


def _window_planned(config: dict[str, Any]) -> bool:
    from plasticnets.figures.smgrnn_window import planned

    return planned(config)


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
             Figure("smgrnn_topology", TABLES, "SMGrNN", planned=_topology_planned),
             Figure("smgrnn_window", TABLES, "SMGrNN", planned=_window_planned)),
    config_problems=variants.problems,
)
