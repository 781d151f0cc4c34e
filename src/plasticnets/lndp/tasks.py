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

    @property
    def max_lifetime_steps(self) -> int:
        """The environment steps one lifetime consumes at most (every episode to its time limit): what a lifetime
        costs in samples, set beside the samples PPO learns from (claims' sample efficiency)."""
        if self.uses_own_env:
            return int(get_task(self.name).max_episode_steps)
        return int(self.n_episodes * self._max_steps)

    def __call__(self, params: LNDPParams, key: jax.Array) -> Lifetime:
        if self.uses_own_env:
            return self._foraging(params, key)
        return self._episodes(params, key)

    def developed(self, params: LNDPParams, key: jax.Array) -> NetState:
        """The network the lifetime on ``key`` starts its first step with: initialised and, when ``dev_steps > 0``,
        developed by spontaneous activity (the same keys as ``__call__``)."""
        if self.uses_own_env:
            return self.model.init(params, _foraging_keys(key)[1])
        return self._lifetime_start(params, key)[1]

    def population(self, params: LNDPParams, keys: jax.Array, *, compact: bool | None = None,
                   sharding: jax.sharding.NamedSharding | None = None) -> Lifetime:
        """Lifetimes of a whole population (parameters and keys batched on axis 0):
        the same numbers as ``vmap(task)``, faster.

        Under ``vmap`` the done-freeze is a select, so every member would pay for an update
        at every step of the scan, long after its episode ended. Two loops avoid that:

        - ``compact=False``: the members' lifetimes are vmapped with the population axis named,
          so that ``_episodes`` skips the update with a real branch at steps where every
          member's episode is over (early in evolution most episodes last tens of steps out
          of 500), and otherwise updates every member;
        - ``compact=True``: ``_compacted`` steps the population as a batch and, at each step,
          runs the update only on the members still running, gathered into a chunk of a
          fixed size (``_compacted_update``), so a member whose episode is over costs nothing
          but its forward pass and environment step.

        Both give exactly the numbers of ``vmap(task)`` (tests/test_lndp_model.py; in float32 with
        N = 32 nodes, as configured: docs/decisions.md, LNDP). ``None`` (the default) compacts on a
        CPU only, where it pays (benchmarks/lndp_throughput.py); an accelerator runs the full
        vmapped update of many members at once, so there the previous loop is kept. With
        ``sharding`` (the population's split over devices, ``devices.batch_sharding``) the
        compacted loop runs per device under ``shard_map``, each device compacting its own
        members, so a population's numbers do not depend on the number of devices.
        """
        if self.uses_own_env:  # never frozen: nothing to skip
            return jax.vmap(self._foraging)(params, keys)
        if compact is None:
            compact = jax.default_backend() == "cpu"
        if not compact:
            lifetime = partial(self._episodes, population_axis=POPULATION_AXIS)
            return jax.vmap(lifetime, axis_name=POPULATION_AXIS)(params, keys)
        if sharding is None:
            return self._compacted(params, keys)
        spec = sharding.spec
        return jax.shard_map(self._compacted, mesh=sharding.mesh, in_specs=(spec, spec), out_specs=spec,
                             check_vma=False)(params, keys)

    # ---- control tasks ---------------------------------------------------------------

    def _episodes(self, params: LNDPParams, key: jax.Array, population_axis: str | None = None) -> Lifetime:
        """One lifetime on a control task: ``n_episodes`` episodes of one network.

        ``population_axis`` is set only by ``population(compact=False)``, which vmaps this
        function over the members with that axis name; then the lifetime update is skipped at
        the steps where every member's episode is over (the numbers are the same either way)."""
        model = self.model
        keys, net = self._lifetime_start(params, key)

        def update(net, rng_net):
            if population_axis is None:
                return model.maybe_update(params, net, rng_net)
            # The predicate is the same for every member (a sum over the population axis), so under
            # vmap this stays a real branch instead of becoming a select that runs the update anyway.
            still_running = jax.lax.psum((net.d.sum() == 0).astype(jnp.int32), population_axis)
            return jax.lax.cond(still_running == 0, lambda n: n,
                                lambda n: model.maybe_update(params, n, rng_net), net)

        def episode(net, episode_key):
            start = self._episode_start(net, episode_key)
            (net, *_), (rewards, density) = jax.lax.scan(
                lambda carry, _: self._member_step(params, carry, update), start, None, self._max_steps)
            return net, (rewards.sum(axis=0), model.density(net), density, rewards, net.t)

        _, (returns, end_density, step_density, step_reward, updates) = jax.lax.scan(episode, net, keys)
        return self._lifetime(returns, end_density, step_density, step_reward, updates)

    # The pieces of a control-task lifetime, per member: ``_episodes`` runs them for one member (vmapped by
    # ``population(compact=False)``); ``_compacted`` vmaps each over the population and runs the update
    # between ``_prepare_step`` and ``_act_step`` on the running members only. The same functions in the same
    # order: the two loops trace the same operations on each member.

    @property
    def _max_steps(self) -> int:
        return make_jax_env(self.name)[1].max_steps_in_episode

    def _lifetime_start(self, params: LNDPParams, key: jax.Array):
        """The episodes' keys (n_episodes, 4, key) and the developed network, with the official split."""

        def episode_keys(key, _):
            key, key_episode, _key_unused = jax.random.split(key, 3)
            return key, jax.random.split(key_episode, 4)  # reset, steps, model init, (dev after episode)

        _, keys = jax.lax.scan(episode_keys, key, None, self.n_episodes)
        return keys, self.model.init(params, keys[0, 2])  # the first episode's model-init key

    def _episode_start(self, net: NetState, episode_key: jax.Array):
        """An episode's first step carry: (net, obs, env_state, rng, last reward, valid)."""
        env, env_params = make_jax_env(self.name)
        obs, env_state = env.reset(episode_key[0], env_params)
        return (net, obs, env_state, episode_key[1], jnp.zeros(1), jnp.ones(1))

    def _member_step(self, params: LNDPParams, carry, update):
        """One policy step of one member: ``update(net, key)`` is its lifetime update (frozen once its episode
        is over). Returns the next carry and (masked reward, density after the update)."""
        net, carry, rng_net = self._prepare_step(carry)
        return self._act_step(params, update(net, rng_net), carry)

    @staticmethod
    def _prepare_step(carry):
        """Before the update: the step's keys, and the last reward written into the network."""
        net, obs, env_state, rng, last_reward, valid = carry
        rng, rng_step, rng_net = jax.random.split(rng, 3)
        return net._replace(r=last_reward), (obs, env_state, rng, rng_step, valid), rng_net

    def _act_step(self, params: LNDPParams, net: NetState, carry):
        """After the update: forward pass, read-out, environment step, reward mask and done-freeze."""
        env, env_params = make_jax_env(self.name)
        obs, env_state, rng, rng_step, valid = carry
        action, net = self.model.act(params, obs, net)
        obs, env_state, reward, terminated, truncated, _ = env.step(rng_step, env_state, action, env_params)
        done = jnp.logical_or(terminated, truncated).astype(valid.dtype)[None]
        masked = reward[None] * valid
        carry = (net._replace(d=1.0 - valid), obs, env_state, rng, masked, valid * (1.0 - done))
        return carry, (masked[0], self.model.density(net))

    def _lifetime(self, returns, end_density, step_density, step_reward, updates) -> Lifetime:
        fitness = jnp.mean(returns - self.l1_penalty * end_density, axis=-1)
        return Lifetime(fitness, returns, end_density, step_density, step_reward, updates)

    def _compacted(self, params: LNDPParams, keys: jax.Array) -> Lifetime:
        """``population``'s compacted loop: the population stepped as one batch (every per-member piece
        vmapped), the update run by ``_compacted_update``."""
        model = self.model
        episode_keys, net = jax.vmap(self._lifetime_start)(params, keys)  # (P, n_episodes, 4, key)

        def step(carry, _):
            net, carry, rng_net = jax.vmap(self._prepare_step)(carry)
            net = self._compacted_update(params, net, rng_net)
            carry, (reward, density) = jax.vmap(self._act_step)(params, net, carry)
            return carry, (reward, density)

        def episode(net, episode_key):  # episode_key: (P, 4, key)
            start = jax.vmap(self._episode_start)(net, episode_key)
            (net, *_), (rewards, density) = jax.lax.scan(step, start, None, self._max_steps)  # (steps, P)
            return net, (rewards.sum(axis=0), jax.vmap(model.density)(net), density, rewards, net.t)

        _, outputs = jax.lax.scan(episode, net, jnp.swapaxes(episode_keys, 0, 1))
        # Scanned outputs are (n_episodes, [steps,] P): members first, as vmap(task) returns them.
        returns, end_density, step_density, step_reward, updates = (
            jnp.moveaxis(x, -1, 0) for x in outputs)
        return self._lifetime(returns, end_density, step_density, step_reward, updates)

    def _compacted_update(self, params: LNDPParams, net: NetState, rng_net: jax.Array) -> NetState:
        """The lifetime update of a population (batched on axis 0) that runs only on its running members.

        The running members' indices are gathered in order (a stable argsort of "frozen"), the first
        ``size`` of them are updated (``maybe_update`` vmapped over the chunk) and scattered back, where
        ``size`` is the smallest of 4, 8, 16, ... below the population size that holds every running
        member (``lax.switch``: static shapes). The chunk's other members are frozen ones, which
        ``maybe_update`` leaves exactly as they are. No member running: nothing runs. More than half of
        the population running: the plain vmapped update of the whole population, with no gather or
        scatter (so a population that balances costs what it cost before)."""
        model = self.model
        size = rng_net.shape[0]
        if model.cfg.block_lt_updates:
            return net
        update = jax.vmap(model.maybe_update)
        running = net.d.sum(axis=-1) == 0  # maybe_update's own predicate, per member
        chunks = chunk_sizes(size)

        def chunk(c):
            def compacted(net):
                index = jnp.argsort(jnp.logical_not(running).astype(jnp.int32), stable=True)[:c]
                take = partial(jax.tree.map, lambda x: x[index])
                updated = update(take(params), take(net), rng_net[index])
                return jax.tree.map(lambda x, y: x.at[index].set(y, unique_indices=True), net, updated)
            return compacted

        branches = [lambda net: net] + [chunk(c) for c in chunks] + [lambda net: update(params, net, rng_net)]
        n = running.sum()
        which = jnp.where(n == 0, 0, jnp.searchsorted(jnp.asarray(chunks, dtype=n.dtype), n) + 1)
        return jax.lax.switch(which, branches, net)

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


def chunk_sizes(population: int) -> list[int]:
    """The chunk sizes of ``_compacted_update``: 4, 8, 16, ..., up to half the population."""
    sizes, c = [], 4
    while 2 * c <= population:
        sizes.append(c)
        c *= 2
    return sizes


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
