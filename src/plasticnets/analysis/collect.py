"""Run folders -> tidy tables.

``<family>_runs.parquet`` is long: one row per (family, task, variant, seed, x,
metric) with ``value``; ``<family>_summary.csv`` has one row per run with its
headline numbers. Figures and statistics read only these tables. A missing or
corrupt run file stops the collection with an error naming it: a silent gap
would bias every mean computed downstream.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from plasticnets.io import read_json, read_parquet, write_parquet, atomic_path

RUN_COLUMNS = ["family", "task", "variant", "seed", "x", "x_name", "metric", "value"]

# Per family: the x axis of its training log and which logged columns become metrics.
FAMILY_CURVES = {
    "experts": ("env_steps", ["episode_return", "eval_return", "loss", "entropy"]),
}


def _summary_row(family: str, summary: dict) -> dict:
    if family == "experts":
        return {
            "family": family,
            "task": summary["task"],
            "variant": summary["variant"],
            "seed": summary["seed"],
            "eval_mean": summary["eval"]["mean"],
            "eval_std": summary["eval"]["std"],
            "eval_episodes": summary["eval"]["episodes"],
            "threshold": summary["threshold"],
            "solved": summary["solved"],
            "env_steps": summary["env_steps"],
            "best_env_steps": summary["best_env_steps"],
            "wall_time_s": summary["wall_time_s"],
        }
    raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILY_CURVES)}")


def collect_run(family: str, run_dir: Path) -> tuple[pd.DataFrame, dict]:
    """One run folder -> (long curve rows, summary row)."""
    summary = read_json(run_dir / "summary.json")
    metrics = read_parquet(run_dir / "metrics.parquet")
    x_name, metric_names = FAMILY_CURVES[family]
    missing = [c for c in [x_name, *metric_names] if c not in metrics.columns]
    if missing:
        raise ValueError(f"{run_dir / 'metrics.parquet'} lacks column(s) {missing}")
    long = metrics.melt(id_vars=[x_name], value_vars=metric_names, var_name="metric", value_name="value")
    long = long.dropna(subset=["value"]).rename(columns={x_name: "x"})
    long = long.assign(family=family, task=summary["task"], variant=summary["variant"], seed=summary["seed"], x_name=x_name)
    return long[RUN_COLUMNS], _summary_row(family, summary)


def collect_family(family: str, run_dirs: list[Path], out_runs: Path, out_summary: Path) -> None:
    if family not in FAMILY_CURVES:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILY_CURVES)}")
    curves, rows = zip(*(collect_run(family, Path(d)) for d in run_dirs))
    runs = pd.concat(curves, ignore_index=True)
    runs["x"] = runs["x"].astype(float)
    runs["value"] = runs["value"].astype(float)
    write_parquet(out_runs, runs)
    with atomic_path(out_summary) as tmp:
        pd.DataFrame(rows).sort_values(["task", "variant", "seed"]).to_csv(tmp, index=False)
