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

from plasticnets.io import atomic_path, read_csv, read_json, read_parquet, write_parquet

RUN_COLUMNS = ["family", "task", "variant", "seed", "x", "x_name", "metric", "value"]

# Per family: which rows of a run's metrics.parquet become curves:
# (record filter, x column, x name, metric columns).
FAMILY_CURVES = {
    "experts": [(None, "env_steps", "env_steps", ["episode_return", "eval_return", "loss", "entropy"])],
    "smgrnn": [
        ("episode", "step", "env_steps", ["return", "loss"]),
        ("check", "step", "env_steps", ["hidden", "edges", "params", "relays", "random_edges", "pruned", "orphans"]),
    ],
    "lndp": [(None, "generation", "generation",
              ["best", "mean", "worst", "best_so_far", "density_mean", "density_max", "es_std"])],
}


def _summary_row(family: str, summary: dict, metrics: pd.DataFrame) -> dict:
    if family == "lndp":
        best, mean = summary["eval_best"], summary["eval_mean"]
        return {"family": family, "task": summary["task"], "variant": summary["variant"], "seed": summary["seed"],
                "best_fitness": summary["best_fitness"], "generations": summary["generations"],
                "eval_best_fitness": best["fitness_mean"], "eval_best_fitness_std": best["fitness_std"],
                "eval_mean_fitness": mean["fitness_mean"], "eval_mean_fitness_std": mean["fitness_std"],
                "eval_best_density": best["final_density_mean"], "eval_lifetimes": summary["eval_lifetimes"],
                **{f"eval_best_ep{i}": r for i, r in enumerate(best["episode_returns_mean"])},
                "late_population_mean": _late_mean(metrics, "mean"),
                "num_params": summary["num_params"], "wall_time_s": summary["wall_time_s"]}
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
    for record, x_column, x_name, metric_names in FAMILY_CURVES[family]:
        rows = metrics if record is None else metrics[metrics["record"] == record]
        if family == "lndp":
            metric_names = metric_names + sorted(c for c in rows.columns if c.startswith("ep") and c.endswith("_mean"))
        parts.append(_melt(rows, x_column, x_name, metric_names, run_dir / "metrics.parquet"))
    if family == "lndp":
        parts.append(_lifetime_curve(run_dir / "lifetime.parquet"))
    long = pd.concat(parts, ignore_index=True).assign(
        family=family, task=summary["task"], variant=summary["variant"], seed=summary["seed"]
    )
    try:
        row = _summary_row(family, summary, metrics)
    except KeyError as err:
        raise ValueError(f"{run_dir / 'summary.json'} lacks key {err} (not a complete {family} run?)") from None
    return long[RUN_COLUMNS], row


def _late_mean(metrics: pd.DataFrame, column: str, fraction: float = 0.1) -> float:
    """Mean of a per-generation column over the last ``fraction`` of generations (at least one):
    the population's average fitness at the end of evolution, steadier than the last generation alone."""
    values = metrics.sort_values("generation")[column].to_numpy(dtype=float)
    return float(values[-max(1, int(round(fraction * len(values)))):].mean())


def _melt(rows: pd.DataFrame, x_column: str, x_name: str, metric_names: list[str], source: Path) -> pd.DataFrame:
    missing = [c for c in [x_column, *metric_names] if c not in rows.columns]
    if missing:
        raise ValueError(f"{source} lacks column(s) {missing}")
    long = rows.melt(id_vars=[x_column], value_vars=metric_names, var_name="metric", value_name="value")
    return long.dropna(subset=["value"]).rename(columns={x_column: "x"}).assign(x_name=x_name)


def _lifetime_curve(path: Path) -> pd.DataFrame:
    """An LNDP's evaluation lifetimes -> mean density and reward per lifetime step
    (episodes laid end to end), the development figure's curves."""
    lifetime = read_parquet(path)
    missing = [c for c in ["lifetime", "episode", "step", "density", "reward"] if c not in lifetime.columns]
    if missing:
        raise ValueError(f"{path} lacks column(s) {missing}")
    steps = int(lifetime["step"].max()) + 1
    lifetime = lifetime.assign(x=lifetime["episode"] * steps + lifetime["step"])
    mean = lifetime.groupby("x", as_index=False)[["density", "reward"]].mean()
    mean = mean.rename(columns={"density": "lifetime_density", "reward": "lifetime_reward"})
    return _melt(mean, "x", "lifetime_step", ["lifetime_density", "lifetime_reward"], path)


def collect_family(family: str, run_dirs: list[Path], out_runs: Path, out_summary: Path) -> None:
    curves, rows = zip(*(collect_run(family, Path(d)) for d in run_dirs))
    runs = pd.concat(curves, ignore_index=True)
    runs["x"] = runs["x"].astype(float)
    runs["value"] = runs["value"].astype(float)
    write_parquet(out_runs, runs)
    with atomic_path(out_summary) as tmp:
        pd.DataFrame(rows).sort_values(["task", "variant", "seed"]).to_csv(tmp, index=False)


def combine_tables(runs_tables: list[Path], summary_tables: list[Path], out_runs: Path, out_summary: Path) -> None:
    """Family tables -> ``runs.parquet`` (every curve) and ``summary.csv`` (one row per run, the union of the
    families' columns), the tables statistics and claims read."""
    runs = pd.concat([read_parquet(p) for p in runs_tables], ignore_index=True)
    missing = [c for c in RUN_COLUMNS if c not in runs.columns]
    if missing:
        raise ValueError(f"family tables lack column(s) {missing}: {', '.join(map(str, runs_tables))}")
    write_parquet(out_runs, runs[RUN_COLUMNS])
    summaries = [read_csv(p) for p in summary_tables]
    summary = pd.concat(summaries, ignore_index=True).sort_values(["family", "task", "variant", "seed"])
    with atomic_path(out_summary) as tmp:
        summary.to_csv(tmp, index=False)
