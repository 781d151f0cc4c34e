"""What an LNDP run folder holds and means: summary row, curves (per generation and per lifetime step),
headline metrics, reference variant, figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from plasticnets.descriptor import Curve, Family, Figure, long_curve
from plasticnets.io import read_parquet
from plasticnets.late import late_mean
from plasticnets.lndp import variants

RUN_FILES = ("summary.json", "metrics.parquet", "lifetime.parquet")
TABLES = ("lndp_runs.parquet", "lndp_summary.csv")


def run_dir(task: str, variant: str, seed: int) -> str:
    return f"results/lndp/{task}/{variant}/seed{seed}"


def checkpoint_dir(task: str, variant: str, seed: int) -> str:
    """Where a run's resumable evolution state lives: not a result, so not in the run folder (see lndp/run.py)."""
    return f"checkpoints/lndp/{task}/{variant}/seed{seed}"


def run_dirs(config: dict[str, Any]) -> list[str]:
    lndp = config["lndp"]
    return [run_dir(task, variant, seed) for task, variant in variants.runs(lndp) for seed in variants.seeds(lndp, task)]


def summary_row(summary: dict[str, Any], metrics: pd.DataFrame) -> dict[str, Any]:
    best, mean = summary["eval_best"], summary["eval_mean"]
    return {"best_fitness": summary["best_fitness"], "generations": summary["generations"],
            "eval_best_fitness": best["fitness_mean"], "eval_best_fitness_std": best["fitness_std"],
            "eval_mean_fitness": mean["fitness_mean"], "eval_mean_fitness_std": mean["fitness_std"],
            "eval_best_density": best["final_density_mean"], "eval_lifetimes": summary["eval_lifetimes"],
            # spontaneous activity: how long it ran, and the density it left before the first step (NaN in
            # summaries written before it was recorded, 2026-12-04)
            "dev_steps": summary["settings"]["model"]["dev_steps"],
            "eval_best_dev_density": best.get("development_density_mean", float("nan")),
            **{f"eval_best_ep{i}": r for i, r in enumerate(best["episode_returns_mean"])},
            # the population's average fitness at the end of evolution, steadier than the last generation alone
            "late_population_mean": late_mean(metrics.sort_values("generation")["mean"]),
            # a random-parameter population (CMA-ES's first, around its initial mean): the baseline of evolution
            "generation0_mean": float(metrics.sort_values("generation")["mean"].iloc[0]),
            "generation0_best": float(metrics.sort_values("generation")["best"].iloc[0]),
            # samples consumed at most: one lifetime, and the whole evolution (NaN in summaries written before
            # they were recorded, 2026-12-04)
            "lifetime_env_steps": summary.get("lifetime_env_steps", float("nan")),
            "evolution_env_steps": summary.get("evolution_env_steps", float("nan")),
            "num_params": summary["num_params"], "wall_time_s": summary["wall_time_s"]}


def lifetime_curves(run: Path) -> list[pd.DataFrame]:
    """The best parameters' evaluation lifetimes -> mean density and reward per lifetime step (episodes laid
    end to end): the development figure's curves."""
    path = run / "lifetime.parquet"
    lifetime = read_parquet(path)
    missing = [c for c in ["lifetime", "episode", "step", "density", "reward"] if c not in lifetime.columns]
    if missing:
        raise ValueError(f"{path} lacks column(s) {missing}")
    steps = int(lifetime["step"].max()) + 1
    lifetime = lifetime.assign(x=lifetime["episode"] * steps + lifetime["step"])
    mean = lifetime.groupby("x", as_index=False)[["density", "reward"]].mean()
    mean = mean.rename(columns={"density": "lifetime_density", "reward": "lifetime_reward"})
    return [long_curve(mean, "x", "lifetime_step", ["lifetime_density", "lifetime_reward"], path)]


def _planned(config: dict[str, Any]) -> set[tuple[str, str]]:
    return set(variants.runs(config["lndp"]))


def _foraging_planned(config: dict[str, Any]) -> bool:
    """The Foraging figure needs a Foraging task with ``full`` or ``no_sp``."""
    return any(task.startswith("Foraging") and variant in ("full", "no_sp") for task, variant in _planned(config))


def _development_planned(config: dict[str, Any]) -> bool:
    """The development figures need ``full`` on CartPole-v1."""
    return ("CartPole-v1", "full") in _planned(config)


def _sample_efficiency_planned(config: dict[str, Any]) -> bool:
    """The sample-efficiency figure needs ``full`` on a control task that has PPO experts."""
    return any(variant == variants.REFERENCE and task in config["experts"]["tasks"] for task, variant in _planned(config))


RESULTS = Family(
    name="lndp",
    outputs=("metrics.parquet", "best.eqx", "mean.eqx", "lifetime.parquet", "summary.json"),
    run_files=RUN_FILES,
    curves=(Curve(None, "generation", "generation",
                  ("best", "mean", "worst", "best_so_far", "density_mean", "density_max", "es_std"),
                  metric_pattern=r"ep\d+_mean"),),
    summary_row=summary_row,
    run_dirs=run_dirs,
    run_dir=run_dir,
    run_glob="results/lndp/*/*/seed*",
    variant_names=lambda config: variants.variant_names(config["lndp"]),
    headline_metrics=("best_fitness", "late_population_mean", "eval_best_fitness", "eval_mean_fitness",
                      "eval_best_density", "eval_best_dev_density", "eval_best_ep0", "eval_best_ep1", "eval_best_ep2"),
    learning_metrics=("best_fitness", "late_population_mean", "eval_best_fitness", "eval_mean_fitness",
                      "eval_best_ep0", "eval_best_ep1", "eval_best_ep2"),
    sample_columns=("lifetime_env_steps", "evolution_env_steps"),
    reference_variant=variants.REFERENCE,
    figures=(
        Figure("lndp_fitness", (*TABLES, "baselines_summary.csv"), "LNDP"),
        Figure("lndp_foraging", (*TABLES, "baselines_summary.csv"), "LNDP", planned=_foraging_planned),
        Figure("lndp_development", TABLES, "LNDP", planned=_development_planned),
        Figure("lndp_dev_steps", (*TABLES, "baselines_summary.csv"), "LNDP", planned=_development_planned),
        Figure("lndp_sample_efficiency", (*TABLES, "experts_runs.parquet", "experts_summary.csv",
                                          "baselines_summary.csv"), "LNDP", planned=_sample_efficiency_planned),
    ),
    extra_curves=lifetime_curves,
    config_problems=variants.problems,
)
