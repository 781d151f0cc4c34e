"""One expert run folder: train, evaluate, write artifacts; and the acceptance gate.

Training and the gate are separate steps so that an expert that misses its
threshold is kept on disk for inspection: only the gate fails.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from plasticnets.envs import evaluate, get_task
from plasticnets.experts.policy import save_policy
from plasticnets.experts.ppo import PPOConfig
from plasticnets.experts.train import greedy_policy, train_expert
from plasticnets.io import environment_info, read_json, sha256_file, write_json, write_parquet

log = logging.getLogger(__name__)


def run_expert(task: str, seed: int, out: Path, ppo: dict[str, Any], eval_episodes: int, eval_seed: int) -> dict:
    """Train and evaluate one expert; write policy.eqx, metrics.parquet and summary.json to ``out``."""
    start = time.perf_counter()
    spec = get_task(task)
    cfg = PPOConfig.from_dict(ppo)
    log.info("training %s seed %d: %s env steps, %d updates", task, seed, f"{cfg.total_steps:,}", cfg.num_updates)
    run = train_expert(task, seed, cfg)

    write_parquet(out / "metrics.parquet", run.metrics.assign(task=task, seed=seed))
    losses = run.metrics[["loss", "actor_loss", "value_loss"]].to_numpy()
    if not np.isfinite(losses).all():
        first = int(run.metrics["update"][~np.isfinite(losses).all(axis=1)].iloc[0])
        raise RuntimeError(
            f"{task} seed {seed}: PPO loss became NaN/inf at update {first}; "
            f"the training curve is kept in {out / 'metrics.parquet'} (try a lower lr or max_grad_norm)"
        )

    returns = evaluate(task, greedy_policy, run.model, eval_episodes, eval_seed)
    mean = float(returns.mean())
    log.info("%s seed %d: greedy return %.2f +- %.2f over %d episodes", task, seed, mean, returns.std(), eval_episodes)

    policy_path = out / "policy.eqx"
    save_policy(
        policy_path,
        run.model,
        {"obs_size": spec.obs_size, "num_actions": spec.num_actions, "hidden": list(cfg.hidden), "task": task, "seed": seed},
    )
    summary = {
        "family": "experts",
        "task": task,
        "variant": "ppo",
        "seed": seed,
        "config": {"ppo": cfg.to_dict(), "eval_episodes": eval_episodes, "eval_seed": eval_seed},
        "environment": environment_info(),
        "train_wall_time_s": run.wall_time_s,
        "wall_time_s": time.perf_counter() - start,
        "env_steps": int(run.metrics["env_steps"].iloc[-1]),
        "best_update": run.best_update,
        "best_env_steps": run.best_update * cfg.batch_size,
        "selection_return": run.best_selection_return,
        "eval": {
            "episodes": eval_episodes,
            "seed": eval_seed,
            "mean": mean,
            "std": float(returns.std()),
            "min": float(returns.min()),
            "max": float(returns.max()),
            "returns": returns.tolist(),
        },
        "threshold": spec.reward_threshold,
        "solved": mean >= spec.reward_threshold,
        "policy_sha256": sha256_file(policy_path),
    }
    write_json(out / "summary.json", summary)
    return summary


def check_expert(summary_path: Path, out: Path, enforce: bool) -> dict:
    """Write the acceptance record; with ``enforce``, a missed threshold raises an error naming the run."""
    summary = read_json(summary_path)
    mean, threshold = summary["eval"]["mean"], summary["threshold"]
    record = {
        "task": summary["task"],
        "seed": summary["seed"],
        "greedy_return": mean,
        "threshold": threshold,
        "solved": mean >= threshold,
        "enforced": enforce,
        "policy_sha256": summary["policy_sha256"],
    }
    verdict = (
        f"{summary['task']} seed {summary['seed']}: greedy mean return {mean:.2f} over "
        f"{summary['eval']['episodes']} episodes vs solved threshold {threshold:g}"
    )
    if not record["solved"] and enforce:
        raise RuntimeError(
            f"expert gate failed: {verdict}. The policy is kept in {summary_path.parent}; raise "
            f"experts.ppo.{summary['task']}.total_steps or change its PPO settings, or set "
            "experts.enforce_threshold: false to accept it anyway."
        )
    log.info("%s -> %s", verdict, "accepted" if record["solved"] else "below threshold (not enforced)")
    write_json(out, record)
    return record
