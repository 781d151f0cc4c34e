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

# Per family: which rows of a run's metrics.parquet become curves: (record filter, x column, metric columns).
FAMILY_CURVES = {
    "experts": [(None, "env_steps", ["episode_return", "eval_return", "loss", "entropy"])],
    "smgrnn": [
        ("episode", "step", ["return", "loss"]),
        ("check", "step", ["hidden", "edges", "params", "relays", "random_edges", "pruned", "orphans"]),
    ],
}
X_NAME = "env_steps"


def _summary_row(family: str, summary: dict) -> dict:
    row = {"family": family, "task": summary["task"], "variant": summary["variant"], "seed": summary["seed"],
           "eval_mean": summary["eval"]["mean"], "eval_std": summary["eval"]["std"],
           "eval_episodes": summary["eval"]["episodes"], "env_steps": summary["env_steps"],
           "wall_time_s": summary["wall_time_s"]}
    if family == "experts":
        row.update(threshold=summary["threshold"], solved=summary["solved"], best_env_steps=summary["best_env_steps"])
    elif family == "smgrnn":
        row.update(late_reward=summary["late_reward"], episodes=summary["episodes"],
                   **{f"final_{k}": v for k, v in summary["final"].items()},
                   **{f"total_{k}": v for k, v in summary["spm_totals"].items()})
    return row


def collect_run(family: str, run_dir: Path) -> tuple[pd.DataFrame, dict]:
    """One run folder -> (long curve rows, summary row)."""
    if family not in FAMILY_CURVES:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILY_CURVES)}")
    summary = read_json(run_dir / "summary.json")
    metrics = read_parquet(run_dir / "metrics.parquet")
    parts = []
    for record, x_column, metric_names in FAMILY_CURVES[family]:
        rows = metrics if record is None else metrics[metrics["record"] == record]
        missing = [c for c in [x_column, *metric_names] if c not in rows.columns]
        if missing:
            raise ValueError(f"{run_dir / 'metrics.parquet'} lacks column(s) {missing}")
        long = rows.melt(id_vars=[x_column], value_vars=metric_names, var_name="metric", value_name="value")
        parts.append(long.dropna(subset=["value"]).rename(columns={x_column: "x"}))
    long = pd.concat(parts, ignore_index=True).assign(
        family=family, task=summary["task"], variant=summary["variant"], seed=summary["seed"], x_name=X_NAME
    )
    return long[RUN_COLUMNS], _summary_row(family, summary)


def collect_family(family: str, run_dirs: list[Path], out_runs: Path, out_summary: Path) -> None:
    curves, rows = zip(*(collect_run(family, Path(d)) for d in run_dirs))
    runs = pd.concat(curves, ignore_index=True)
    runs["x"] = runs["x"].astype(float)
    runs["value"] = runs["value"].astype(float)
    write_parquet(out_runs, runs)
    with atomic_path(out_summary) as tmp:
        pd.DataFrame(rows).sort_values(["task", "variant", "seed"]).to_csv(tmp, index=False)
