"""PPO expert speed on CartPole-v1: fused JAX (gymnax) training against host-stepped environments.

Prints, for the configured PPO settings (config/config.yaml, experts.ppo.CartPole-v1):
  - wall time until the greedy checkpoint evaluation first reaches the solved threshold (475),
    including compilation, and the final greedy return over 100 fixed episodes;
  - environment steps per second after compilation, for the fused gymnax trainer (whole chunks of
    PPO updates in one lax.scan) and, in the same run, for the same PPO with gymnasium's CartPole
    stepped on the host (what a numpy-gym implementation does); their ratio.

Usage: python benchmarks/expert_ppo.py [--host-updates 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import jax
import numpy as np
import yaml

from plasticnets.envs import evaluate, get_task
from plasticnets.experts.ppo import PPOConfig
from plasticnets.experts.train import make_host_trainer, greedy_policy, train_expert

TASK = "CartPole-v1"
ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    return (
        f"{platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
        f"jax {jax.__version__} on {', '.join(str(d) for d in jax.devices())}"
    )


def fused_run(cfg: PPOConfig, seed: int):
    run = train_expert(TASK, seed, cfg)
    evals = run.metrics.dropna(subset=["eval_return"])
    solved = evals[evals["eval_return"] >= get_task(TASK).reward_threshold]
    to_threshold = float(solved["elapsed_s"].iloc[0]) if len(solved) else float("nan")
    # Steps per second after compilation: from the end of the first chunk to the end of the last.
    first, last = evals.iloc[0], evals.iloc[-1]
    steps_per_s = (last["env_steps"] - first["env_steps"]) / (last["elapsed_s"] - first["elapsed_s"])
    final = evaluate(TASK, greedy_policy, run.model, 100, 1_000_000)
    return run.wall_time_s, to_threshold, steps_per_s, final.mean()


def host_run(cfg: PPOConfig, seed: int, updates: int) -> float:
    init, train, envs = make_host_trainer(get_task(TASK), cfg, seed)
    state = init(jax.random.PRNGKey(seed))
    key = jax.random.PRNGKey(seed + 1)
    state, _, key = train(state, 1, key)  # compile
    start = time.perf_counter()
    state, _, key = train(state, updates, key)
    elapsed = time.perf_counter() - start
    envs.close()
    return updates * cfg.batch_size / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host-updates", type=int, default=20, help="PPO updates timed for the host baseline")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    cfg = PPOConfig.from_dict(config["experts"]["ppo"][TASK])

    print(f"machine: {machine()}")
    print(f"PPO on {TASK}: {cfg.total_steps:,} steps, {cfg.num_envs} envs x {cfg.num_steps} steps per update")
    wall, to_threshold, fused_sps, final = fused_run(cfg, args.seed)
    host_sps = host_run(cfg, args.seed, args.host_updates)
    print(f"fused gymnax PPO: {fused_sps:,.0f} env steps/s after compilation; total wall {wall:.1f} s")
    print(f"wall time to greedy return >= 475 (incl. compilation): {to_threshold:.1f} s (target < 120 s)")
    print(f"final greedy return, 100 fixed episodes: {final:.1f}")
    print(f"host gymnasium PPO (same update code): {host_sps:,.0f} env steps/s")
    print(f"speed-up fused / host: {fused_sps / host_sps:.1f}x")


if __name__ == "__main__":
    main()
