"""What an expert run folder holds and means: summary row, curves, headline metric, figure, config checks."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pandas as pd

from plasticnets.descriptor import Curve, Family, Figure, evaluation_columns

RUN_FILES = ("summary.json", "metrics.parquet")


def run_dir(task: str, seed: int) -> str:
    return f"results/experts/{task}/seed{seed}"


def run_dirs(config: dict[str, Any]) -> list[str]:
    experts = config["experts"]
    return [run_dir(task, seed) for task in experts["tasks"] for seed in experts["seeds"]]


def config_problems(config: dict[str, Any]) -> list[str]:
    """PPO settings a training job would refuse (``PPOConfig.__post_init__``), keys the config omits taking
    PPOConfig's defaults as the job does: one rollout (num_envs x num_steps) must fit in total_steps, and
    num_minibatches must split it into equal minibatches. Every task that runs or has settings is checked."""
    from plasticnets.experts.ppo import PPOConfig  # imports JAX: only when checking

    defaults = {f.name: f.default for f in fields(PPOConfig)}
    experts, found = config["experts"], []
    for task in dict.fromkeys([*experts["tasks"], *experts.get("ppo", {})]):
        given = experts.get("ppo", {}).get(task, {})
        ppo = defaults | given

        def shown(key: str) -> str:
            return f"{ppo[key]}" if key in given else f"{ppo[key]} (default)"

        batch = ppo["num_envs"] * ppo["num_steps"]
        rollout = f"num_envs x num_steps = {shown('num_envs')} x {shown('num_steps')} = {batch}"
        if ppo["total_steps"] < batch:
            found.append(f"config key experts.ppo.{task}.total_steps: {shown('total_steps')} is smaller than one "
                         f"rollout ({rollout})")
        n = ppo["num_minibatches"]
        if batch % n:
            near = [d for d in (_divisor_below(batch, n), _divisor_above(batch, n)) if d is not None]
            found.append(f"config key experts.ppo.{task}.num_minibatches: {shown('num_minibatches')} does not divide "
                         f"the rollout ({rollout}) into equal minibatches; the nearest that do: "
                         f"{', '.join(map(str, near))}")
    return found


def _divisor_below(batch: int, n: int) -> int | None:
    return next((d for d in range(min(n, batch), 0, -1) if batch % d == 0), None)


def _divisor_above(batch: int, n: int) -> int | None:
    return next((d for d in range(n + 1, min(batch, 2 * n + 1) + 1) if batch % d == 0), None)


def summary_row(summary: dict[str, Any], metrics: pd.DataFrame) -> dict[str, Any]:
    return {**evaluation_columns(summary), "threshold": summary["threshold"], "solved": summary["solved"],
            "best_env_steps": summary["best_env_steps"],
            "steps_to_threshold": steps_to_threshold(metrics, summary["threshold"]),
            **first_evaluation(metrics)}


def first_evaluation(metrics: pd.DataFrame) -> dict[str, float]:
    """The first point of the expert's learning curve (greedy ``eval_return`` after the first chunk of training,
    at ``first_eval_steps`` environment steps) and the environment steps its whole training consumed: what PPO had
    learned from the fewest samples it was measured at (claims' sample efficiency, against an LNDP lifetime)."""
    if "eval_return" not in metrics or not len(metrics):
        return {"first_eval_steps": float("nan"), "first_eval_return": float("nan"), "total_env_steps": float("nan")}
    evaluated = metrics.dropna(subset=["eval_return"]).sort_values("env_steps")
    first = evaluated.iloc[0] if len(evaluated) else None
    return {"first_eval_steps": float(first["env_steps"]) if first is not None else float("nan"),
            "first_eval_return": float(first["eval_return"]) if first is not None else float("nan"),
            "total_env_steps": float(metrics["env_steps"].max())}


def steps_to_threshold(metrics: pd.DataFrame, threshold: float) -> float:
    """Environment steps until the expert's greedy evaluation during training (``eval_return``) first reached the
    task's solved threshold; NaN if it never did. What the task asked of PPO: it ranks tasks by difficulty
    independently of the students (claims' ``order_by``)."""
    if "eval_return" not in metrics:
        return float("nan")
    reached = metrics[metrics["eval_return"] >= threshold]
    return float(reached["env_steps"].iloc[0]) if len(reached) else float("nan")


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
    headline_metrics=("eval_mean", "first_eval_return"),
    learning_metrics=("eval_mean",),
    order_metrics=("steps_to_threshold",),
    sample_columns=("first_eval_steps", "total_env_steps", "best_env_steps"),
    figures=(Figure("expert_curves", ("experts_runs.parquet", "baselines_summary.csv"), "Experts"),),
    config_problems=config_problems,
)
