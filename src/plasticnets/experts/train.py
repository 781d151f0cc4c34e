"""Train one expert: PPO in chunks, a greedy evaluation after each, the best checkpoint kept.

Keeping the best greedy checkpoint (and annealing the learning rate) guards
against the late collapse PPO shows on CartPole (docs/decisions.md, "Expert policies (PPO)").
The final verdict uses 100 fresh episodes on fixed evaluation seeds that no
checkpoint selection has seen.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from plasticnets.envs import HostEnvBatch, evaluate, get_task
from plasticnets.envs.registry import TaskSpec
from plasticnets.experts.policy import ActorCritic, greedy_action
from plasticnets.experts.ppo import (
    PPOConfig,
    Rollout,
    make_gymnax_trainer,
    make_optimizer,
    ppo_update,
    sample_action,
    truncation_bonus,
)
from plasticnets.progress import Progress

log = logging.getLogger(__name__)


def greedy_policy(model: ActorCritic, obs: jax.Array) -> jax.Array:
    """Module-level so compiled evaluators are cached across calls."""
    return greedy_action(model, obs)


@dataclass
class ExpertRun:
    model: ActorCritic
    metrics: pd.DataFrame  # one row per PPO update
    best_update: int
    best_selection_return: float
    wall_time_s: float


def _selection_seed(seed: int, evaluation: int) -> int:
    """Seeds for checkpoint selection: distinct per run and evaluation, never the final ones."""
    return int(np.random.SeedSequence([seed, evaluation, 7]).generate_state(1)[0])


def _chunks(num_updates: int, num_evals: int) -> list[int]:
    """Split the updates into ``num_evals`` nearly equal chunks (at most two distinct sizes)."""
    num_evals = max(1, min(num_evals, num_updates))
    base, extra = divmod(num_updates, num_evals)
    return [base + (i < extra) for i in range(num_evals)]


def make_host_trainer(spec: TaskSpec, cfg: PPOConfig, seed: int):
    """The PPO loop for gymnasium tasks: host environments, jitted policy and update."""
    optimizer = make_optimizer(cfg)
    act = jax.jit(sample_action)
    bonus = jax.jit(truncation_bonus, static_argnames="gamma")
    update = eqx.filter_jit(lambda m, s, r, v, k: ppo_update(m, s, r, v, k, cfg, optimizer))
    value = jax.jit(lambda m, o: m.value(o))
    envs = HostEnvBatch(spec.name, cfg.num_envs, seed)

    def init(key):
        model = ActorCritic(key, spec.obs_size, spec.num_actions, cfg.hidden)
        state = {
            "model": model,
            "opt_state": optimizer.init(eqx.filter(model, eqx.is_array)),
            "obs": envs.reset(),
            "episode_return": np.zeros(cfg.num_envs),
        }
        return state

    def train(state, num_updates: int, key):
        rows = []
        for _ in range(num_updates):
            key, rollout_key, update_key = jax.random.split(key, 3)
            model, obs = state["model"], state["obs"]
            steps, finished = [], []
            for step_key in jax.random.split(rollout_key, cfg.num_steps):
                action, log_prob, val = act(model, jnp.asarray(obs), step_key)
                next_obs, reward, terminated, truncated, final_obs = envs.step(np.asarray(action))
                done = terminated | truncated
                state["episode_return"] += reward
                finished.extend(state["episode_return"][done].tolist())
                state["episode_return"][done] = 0.0
                if truncated.any():
                    reward = reward + np.asarray(bonus(model, final_obs, terminated, truncated, gamma=cfg.gamma))
                steps.append((obs, action, log_prob, val, reward, done))
                obs = next_obs
            rollout = Rollout(*(jnp.asarray(np.stack(x)) for x in zip(*steps)))
            model, opt_state, stats = update(model, state["opt_state"], rollout, value(model, obs), update_key)
            state.update(model=model, opt_state=opt_state, obs=obs)
            stats = {k: float(v) for k, v in stats.items()}
            stats["episodes"] = len(finished)
            stats["episode_return"] = float(np.mean(finished)) if finished else float("nan")
            rows.append(stats)
        return state, rows, key

    return init, train, envs


def train_expert(task: str, seed: int, cfg: PPOConfig, progress: Progress | None = None) -> ExpertRun:
    """Train PPO on ``task`` from ``seed``; return the best greedy checkpoint and the curve."""
    spec = get_task(task)
    start = time.perf_counter()
    key = jax.random.PRNGKey(seed)
    init_key, train_key = jax.random.split(key)
    chunks = _chunks(cfg.num_updates, cfg.num_evals)
    progress = progress or Progress(f"{task} seed {seed}", total=cfg.num_updates * cfg.batch_size, unit="env steps")

    if spec.backend == "gymnax":
        init, train_chunk = make_gymnax_trainer(spec, cfg)
        runner = init(init_key)
        current = lambda: runner.model  # noqa: E731

        def run_chunk(n):
            nonlocal runner
            runner, stats = train_chunk(runner, n)
            stats = jax.device_get(stats)
            return [{k: float(v[i]) for k, v in stats.items()} for i in range(n)]
    else:
        init, train_host, envs = make_host_trainer(spec, cfg, seed)
        state = init(init_key)
        current = lambda: state["model"]  # noqa: E731
        host_key = train_key

        def run_chunk(n):
            nonlocal state, host_key
            state, rows, host_key = train_host(state, n, host_key)
            return rows

    rows: list[dict[str, Any]] = []
    best_model, best_return, best_update = None, -np.inf, 0
    try:
        for evaluation, n in enumerate(chunks):
            chunk_rows = run_chunk(n)
            selection = evaluate(task, greedy_policy, current(), cfg.eval_episodes, _selection_seed(seed, evaluation))
            chunk_rows[-1]["eval_return"] = float(selection.mean())
            chunk_rows[-1]["elapsed_s"] = time.perf_counter() - start
            rows.extend(chunk_rows)
            if selection.mean() >= best_return:  # ties go to the later, longer-trained checkpoint
                best_model, best_return, best_update = current(), float(selection.mean()), len(rows)
            progress.update(len(rows) * cfg.batch_size, f"greedy eval {selection.mean():.1f} (best {best_return:.1f})")
    finally:
        if spec.backend == "gymnasium":
            envs.close()

    metrics = pd.DataFrame(rows)
    metrics.insert(0, "update", np.arange(1, len(rows) + 1))
    metrics.insert(1, "env_steps", metrics["update"] * cfg.batch_size)
    return ExpertRun(best_model, metrics, best_update, best_return, time.perf_counter() - start)
