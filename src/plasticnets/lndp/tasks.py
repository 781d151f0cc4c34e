"""One LNDP lifetime on a task, and its fitness (docs/method/lndp.md#per-step-algorithm).

- Control tasks (gymnax CartPole-v1, Acrobot-v1, Pendulum-v1): a lifetime is
  ``n_episodes`` episodes with the network state carried across them (developed once,
  before the first). Each episode is a ``lax.scan`` of exactly ``max_steps_in_episode``
  steps; rewards after the first done are masked, and the network stops updating from
  the second step after the done (the state passed to step t+1 has d = 1 - valid_t,
  and d carries into the next episode, as in the official code). Fitness is the mean
  over episodes of (return - l1_penalty * density at the episode's end).
- Foraging: one run of 100 steps with updates at every step (the environment resets
  its sub-episodes itself); fitness is the summed reward.

PRNG keys are split exactly as in the official code, so a lifetime is a pure function
of (parameters, key).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from plasticnets.envs import get_task, make_jax_env
from plasticnets.lndp.model import LNDP, NetState
from plasticnets.lndp.params import LNDPConfig, LNDPParams

POPULATION_AXIS = "member"  # vmap axis name of LifetimeTask.population


class Lifetime(NamedTuple):
    fitness: jax.Array  # ()
    episode_returns: jax.Array  # (n_episodes,)
    episode_density: jax.Array  # (n_episodes,) density at the end of each episode
    step_density: jax.Array  # (n_episodes, steps) density after each step's update
    step_reward: jax.Array  # (n_episodes, steps) masked rewards
    updates: jax.Array  # (n_episodes,) lifetime updates done by each episode's end (development included)


@dataclass(frozen=True)
class LifetimeTask:
    """A task as seen by evolution: ``task(params, key) -> Lifetime``. Hashable, so it
    can be a static argument of ``jit``."""

    name: str
    model: LNDP
    n_episodes: int = 3
    l1_penalty: float = 0.0

    @property
    def uses_own_env(self) -> bool:
        """Whether the task is one of this package's own JAX environments (registry backend "jax": the
        Foraging tasks), whose lifetime is one continuous run (``_foraging``); otherwise it is a gymnax
        control task, whose lifetime is ``n_episodes`` episodes (``_episodes``)."""
        return get_task(self.name).backend == "jax"

    def __call__(self, params: LNDPParams, key: jax.Array) -> Lifetime:
        if self.uses_own_env:
            return self._foraging(params, key)
        return self._episodes(params, key)

    def developed(self, params: LNDPParams, key: jax.Array) -> NetState:
        """The network the lifetime on ``key`` starts its first step with: initialised and, when ``dev_steps > 0``,
        developed by spontaneous activity (the same keys as ``__call__``)."""
        if self.uses_own_env:
            return self.model.init(params, _foraging_keys(key)[1])
        return self.model.init(params, _episode_keys(key)[0, 2])

    def population(self, params: LNDPParams, keys: jax.Array) -> Lifetime:
        """Lifetimes of a whole population (parameters and keys batched on axis 0):
        the same numbers as ``vmap(task)``, faster.

        Under ``vmap`` the done-freeze is a select, so every member would pay for an update
        at every step of the scan, long after its episode ended. Here the members' lifetimes
        are vmapped with the population axis named, so that ``_episodes`` can skip the update
        with a real branch at steps where every member's episode is over (early in evolution
        most episodes last tens of steps out of 500).
        """
        if self.uses_own_env:  # never frozen: nothing to skip
            return jax.vmap(self._foraging)(params, keys)
        lifetime = partial(self._episodes, population_axis=POPULATION_AXIS)
        return jax.vmap(lifetime, axis_name=POPULATION_AXIS)(params, keys)

    # ---- control tasks ---------------------------------------------------------------

    def _episodes(self, params: LNDPParams, key: jax.Array, population_axis: str | None = None) -> Lifetime:
        """One lifetime on a control task: ``n_episodes`` episodes of one network.

        ``population_axis`` is set only by ``population``, which vmaps this function over
        the members with that axis name; then the lifetime update is skipped at the steps
        where every member's episode is over (the numbers are the same either way)."""
        env, env_params = make_jax_env(self.name)
        model = self.model

        keys = _episode_keys(key, self.n_episodes)  # (n_episodes, 4, key)
        net = model.init(params, keys[0, 2])  # the first episode's model-init key

        def update(net, rng_net):
            if population_axis is None:
                return model.maybe_update(params, net, rng_net)
            # The predicate is the same for every member (a sum over the population axis), so under
            # vmap this stays a real branch instead of becoming a select that runs the update anyway.
            still_running = jax.lax.psum((net.d.sum() == 0).astype(jnp.int32), population_axis)
            return jax.lax.cond(still_running == 0, lambda n: n,
                                lambda n: model.maybe_update(params, n, rng_net), net)

        def policy_step(carry, _):
            net, obs, env_state, rng, last_reward, valid = carry
            rng, rng_step, rng_net = jax.random.split(rng, 3)
            net = update(net._replace(r=last_reward), rng_net)
            action, net = model.act(params, obs, net)
            obs, env_state, reward, terminated, truncated, _ = env.step(rng_step, env_state, action, env_params)
            done = jnp.logical_or(terminated, truncated).astype(valid.dtype)[None]
            masked = reward[None] * valid
            carry = (net._replace(d=1.0 - valid), obs, env_state, rng, masked, valid * (1.0 - done))
            return carry, (masked[0], model.density(net))

        def episode(net, episode_key):
            obs, env_state = env.reset(episode_key[0], env_params)
            start = (net, obs, env_state, episode_key[1], jnp.zeros(1), jnp.ones(1))
            (net, *_), (rewards, density) = jax.lax.scan(policy_step, start, None, env_params.max_steps_in_episode)
            return net, (rewards.sum(axis=0), model.density(net), density, rewards, net.t)

        _, (returns, end_density, step_density, step_reward, updates) = jax.lax.scan(episode, net, keys)
        fitness = jnp.mean(returns - self.l1_penalty * end_density, axis=-1)
        return Lifetime(fitness, returns, end_density, step_density, step_reward, updates)

    # ---- foraging --------------------------------------------------------------------

    def _foraging(self, params: LNDPParams, key: jax.Array) -> Lifetime:
        env, env_params = make_jax_env(self.name)
        model = self.model
        key, key_net, key_env = _foraging_keys(key)
        net = model.init(params, key_net)
        obs, env_state = env.reset(key_env, env_params)

        def step(carry, _):
            net, obs, env_state, reward, key = carry
            key, k = jax.random.split(key)  # one key for the policy and the environment, as the code
            action, net = model(params, obs, net._replace(r=reward[None]), k)
            obs, env_state, reward, *_ = env.step(k, env_state, action, env_params)
            reward = reward.astype(net.r.dtype)
            return (net, obs, env_state, reward, key), (reward, model.density(net))

        start = (net, obs, env_state, jnp.zeros(()), key)
        (net, *_), (rewards, density) = jax.lax.scan(step, start, None, get_task(self.name).max_episode_steps)
        total = rewards.sum()
        return Lifetime(total, total[None], model.density(net)[None], density[None], rewards[None], net.t[None])


def _episode_keys(key: jax.Array, n_episodes: int = 1) -> jax.Array:
    """The official keys of a control-task lifetime: per episode (reset, steps, model init, development after the
    episode), shape (n_episodes, 4, key)."""

    def episode_keys(key, _):
        key, key_episode, _key_unused = jax.random.split(key, 3)
        return key, jax.random.split(key_episode, 4)

    return jax.lax.scan(episode_keys, key, None, n_episodes)[1]


def _foraging_keys(key: jax.Array) -> jax.Array:
    """The official split of a Foraging lifetime key: (the steps' key, network init, environment reset)."""
    return jax.random.split(key, 3)


def foraging_initial_goal(name: str, key: jax.Array) -> jax.Array:
    """The food's cell at the start of the Foraging lifetime ``LifetimeTask(name, ...)`` lives on ``key`` (0: the
    left end, size - 1: the right end), drawn from the same environment-reset key as ``_foraging`` draws it."""
    env, env_params = make_jax_env(name)
    _, _, key_env = _foraging_keys(key)
    return env.reset(key_env, env_params)[1].goal


def model_config(task: str, **model_options) -> LNDPConfig:
    """The LNDP configuration for a task: sizes from the registry, every other LNDPConfig field
    from ``model_options`` (a variant's ``model`` settings) or its default."""
    spec = get_task(task)
    return LNDPConfig(obs_size=spec.obs_size, num_actions=spec.num_actions, continuous=spec.continuous,
                      action_scale=spec.action_scale, **model_options)
