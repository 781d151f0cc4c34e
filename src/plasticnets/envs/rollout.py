"""One way to run a policy on any registered task.

gymnax tasks run as a single jitted program (``vmap`` over episodes, ``lax.scan``
over steps); gymnasium tasks (LunarLander: Box2D has no JAX port) step a batch
of host environments with a jitted policy. Callers pass a pure
``policy_fn(policy_params, obs_batch) -> actions`` and never see the difference.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from plasticnets.envs.registry import TaskSpec, get_task

PolicyFn = Callable[[Any, jax.Array], jax.Array]


@lru_cache(maxsize=None)
def make_gymnax(name: str):
    """The gymnax environment and its default parameters."""
    import gymnax

    env, params = gymnax.make(name)
    return env, params


@lru_cache(maxsize=None)
def make_jax_env(name: str):
    """A task that runs in JAX (gymnax or this package's own), as ``(env, params)``
    with the gymnax 1.x interface. Cached, and built with concrete arrays even when
    first asked for inside a traced function (so no tracer leaks into the cache)."""
    spec = get_task(name)
    with jax.ensure_compile_time_eval():
        if spec.backend == "gymnax":
            return make_gymnax(name)
        if spec.backend == "jax":
            from plasticnets.envs.foraging import Foraging

            env = Foraging()
            return env, env.default_params._replace(**dict(spec.env_kwargs))
    raise ValueError(f"task {name!r} runs on the host ({spec.backend}), not in JAX")


class HostEnvBatch:
    """A batch of gymnasium environments stepped in lockstep on the host.

    Episodes reset with seeds drawn from one generator seeded by ``seed``, so a
    run is reproducible. A finished episode resets in the same step (the
    returned observation starts the next episode); ``final_obs`` holds the
    observation that ended it, which PPO needs to bootstrap truncated episodes.
    """

    def __init__(self, name: str, num_envs: int, seed: int):
        import gymnasium

        self.spec = get_task(name)
        self.envs = [gymnasium.make(name) for _ in range(num_envs)]
        self._episode_seeds = np.random.default_rng(seed)

    def _next_seed(self) -> int:
        return int(self._episode_seeds.integers(0, 2**31 - 1))

    def reset(self) -> np.ndarray:
        return np.stack([env.reset(seed=self._next_seed())[0] for env in self.envs]).astype(
            np.float32
        )

    def step(self, actions: np.ndarray):
        obs, rewards, terminated, truncated, final_obs = [], [], [], [], []
        for env, action in zip(self.envs, np.asarray(actions)):
            o, r, term, trunc, _ = env.step(int(action))
            final_obs.append(o)
            if term or trunc:
                o, _ = env.reset(seed=self._next_seed())
            obs.append(o)
            rewards.append(r)
            terminated.append(term)
            truncated.append(trunc)
        as_f32 = lambda xs: np.asarray(xs, dtype=np.float32)  # noqa: E731
        return (
            as_f32(obs),
            as_f32(rewards),
            np.asarray(terminated, dtype=bool),
            np.asarray(truncated, dtype=bool),
            as_f32(final_obs),
        )

    def close(self) -> None:
        for env in self.envs:
            env.close()


@lru_cache(maxsize=None)
def _gymnax_evaluator(name: str, policy_fn: PolicyFn, num_episodes: int):
    env, env_params = make_gymnax(name)
    max_steps = get_task(name).max_episode_steps
    batched_reset = jax.vmap(env.reset, in_axes=(0, None))
    batched_step = jax.vmap(env.step, in_axes=(0, 0, 0, None))

    @jax.jit
    def run(policy_params, key):
        reset_key, step_key = jax.random.split(key)
        obs, state = batched_reset(jax.random.split(reset_key, num_episodes), env_params)

        def one_step(carry, step_key):
            obs, state, done, total = carry
            action = policy_fn(policy_params, obs)
            keys = jax.random.split(step_key, num_episodes)
            obs, state, reward, terminated, truncated, _ = batched_step(
                keys, state, action, env_params
            )
            total = total + jnp.where(done, 0.0, reward)
            done = done | terminated | truncated
            return (obs, state, done, total), None

        init = (obs, state, jnp.zeros(num_episodes, bool), jnp.zeros(num_episodes))
        (_, _, done, total), _ = jax.lax.scan(
            one_step, init, jax.random.split(step_key, max_steps)
        )
        return total, done

    return run


def _evaluate_host(
    spec: TaskSpec, policy_fn: PolicyFn, policy_params, num_episodes: int, seed: int
) -> np.ndarray:
    import gymnasium

    act = jax.jit(policy_fn)
    episode_seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, size=num_episodes)
    num_envs = min(num_episodes, 16)
    envs = [gymnasium.make(spec.name) for _ in range(num_envs)]
    returns = np.zeros(num_episodes)
    episode_of_env = list(range(num_envs))  # which episode each env is playing
    next_episode = num_envs
    obs = np.stack([env.reset(seed=int(episode_seeds[i]))[0] for i, env in enumerate(envs)])
    active = np.ones(num_envs, bool)
    while active.any():
        actions = np.asarray(act(policy_params, jnp.asarray(obs, jnp.float32)))
        for i, env in enumerate(envs):
            if not active[i]:
                continue
            o, r, term, trunc, _ = env.step(int(actions[i]))
            returns[episode_of_env[i]] += r
            if term or trunc:
                if next_episode < num_episodes:
                    episode_of_env[i] = next_episode
                    o, _ = env.reset(seed=int(episode_seeds[next_episode]))
                    next_episode += 1
                else:
                    active[i] = False
            obs[i] = o
    for env in envs:
        env.close()
    return returns


def evaluate(
    task: str, policy_fn: PolicyFn, policy_params, num_episodes: int, seed: int
) -> np.ndarray:
    """Undiscounted return of each of ``num_episodes`` episodes.

    ``seed`` fixes the episodes' initial states, so two policies evaluated with
    the same seed face the same episodes (common random numbers).
    ``policy_fn`` must be a pure, jittable function of (params, obs batch); pass
    the same function object each time so its compiled evaluator is reused.
    """
    spec = get_task(task)
    if spec.backend == "gymnasium":
        return _evaluate_host(spec, policy_fn, policy_params, num_episodes, seed)
    run = _gymnax_evaluator(spec.name, policy_fn, num_episodes)
    total, done = run(policy_params, jax.random.PRNGKey(seed))
    if not bool(jnp.all(done)):  # cannot happen: every gymnax task truncates at max steps
        raise RuntimeError(f"{task}: some evaluation episodes did not end in {spec.max_episode_steps} steps")
    return np.asarray(total, dtype=np.float64)
