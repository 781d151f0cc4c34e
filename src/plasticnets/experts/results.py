"""What an expert run folder holds and means: summary row, curves, headline metric, figure."""

from __future__ import annotations

from typing import Any

import pandas as pd

from plasticnets.descriptor import Curve, Family, Figure, evaluation_columns

RUN_FILES = ("summary.json", "metrics.parquet")


def run_dir(task: str, seed: int) -> str:
    return f"results/experts/{task}/seed{seed}"


def run_dirs(config: dict[str, Any]) -> list[str]:
    experts = config["experts"]
    return [run_dir(task, seed) for task in experts["tasks"] for seed in experts["seeds"]]


def summary_row(summary: dict[str, Any], metrics: pd.DataFrame) -> dict[str, Any]:
    return {**evaluation_columns(summary), "threshold": summary["threshold"], "solved": summary["solved"],
            "best_env_steps": summary["best_env_steps"]}


RESULTS = Family(
    name="experts",
    outputs=("policy.eqx", "metrics.parquet", "summary.json", "accepted.json"),  # accepted.json: the gate's
    run_files=RUN_FILES,
    curves=(Curve(None, "env_steps", "env_steps", ("episode_return", "eval_return", "loss", "entropy")),),
    summary_row=summary_row,
    run_dirs=run_dirs,
    run_dir=lambda task, variant, seed: run_dir(task, seed),
    run_glob="results/experts/*/seed*",
    variant_names=lambda config: ["ppo"],
    headline_metrics=("eval_mean",),
    learning_metrics=("eval_mean",),
    figures=(Figure("expert_curves", ("experts_runs.parquet", "baselines_summary.csv"), "Experts"),),
)
