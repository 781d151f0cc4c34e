"""Proximal Policy Optimisation in JAX (clipped objective, GAE, annealed learning rate).

The pieces are pure functions shared by both ways of collecting experience:
gymnax tasks run whole chunks of updates inside one ``lax.scan`` (see
``make_gymnax_trainer``); gymnasium tasks collect on the host and call the same
jitted ``ppo_update``. Truncated episodes are bootstrapped with the value of
their final observation; only termination zeroes the future.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

from plasticnets.envs import TaskSpec, make_gymnax
from plasticnets.experts.policy import ActorCritic


@dataclass(frozen=True)
class PPOConfig:
    """Hyper-parameters; defaults are PureJaxRL's CartPole settings (docs/decisions.md, "Expert policies (PPO)")."""

    total_steps: int = 500_000
    num_envs: int = 4
    num_steps: int = 128
    update_epochs: int = 4
    num_minibatches: int = 4
    lr: float = 2.5e-4
    anneal_lr: bool = True
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_eps: float = 0.2
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    clip_value_loss: bool = True  # PureJaxRL/CleanRL clip the value update too; SB3 does not
    max_grad_norm: float = 0.5
    hidden: tuple[int, ...] = (64, 64)
    num_evals: int = 20  # greedy evaluations during training; the best checkpoint is kept
    eval_episodes: int = 20  # episodes per evaluation during training

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if self.num_updates < 1:
            raise ValueError(
                f"ppo.total_steps={self.total_steps} is smaller than one rollout "
                f"(num_envs x num_steps = {self.batch_size}); raise total_steps"
            )
        if self.batch_size % self.num_minibatches:
            raise ValueError(
                f"ppo: num_envs x num_steps = {self.batch_size} is not divisible by "
                f"num_minibatches = {self.num_minibatches}"
            )

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "PPOConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown PPO setting(s) {unknown}; allowed: {sorted(known)}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps

    @property
    def num_updates(self) -> int:
        return self.total_steps // self.batch_size

    @property
    def minibatch_size(self) -> int:
        return self.batch_size // self.num_minibatches


class Rollout(NamedTuple):
    """One batch of experience, time-major: every field has shape [num_steps, num_envs, ...]."""

    obs: jax.Array
    action: jax.Array
    log_prob: jax.Array
    value: jax.Array
    reward: jax.Array  # already includes gamma * V(final obs) for truncated episodes
    done: jax.Array  # episode ended here (terminated or truncated)


def make_optimizer(cfg: PPOConfig) -> optax.GradientTransformation:
    if cfg.anneal_lr:
        steps = cfg.num_updates * cfg.update_epochs * cfg.num_minibatches
        lr = optax.linear_schedule(cfg.lr, 0.0, steps)
    else:
        lr = cfg.lr
    return optax.chain(optax.clip_by_global_norm(cfg.max_grad_norm), optax.adam(lr, eps=1e-5))


def compute_gae(
    rewards: jax.Array, values: jax.Array, dones: jax.Array, last_value: jax.Array, gamma: float, lam: float
) -> tuple[jax.Array, jax.Array]:
    """Generalised advantage estimates and value targets, scanning backwards in time.

    ``dones[t]`` means the episode ended at step t, so ``values[t+1]`` belongs to
    a new episode and must not be bootstrapped from.
    """

    def backwards(carry, step):
        gae, next_value = carry
        reward, value, done = step
        not_done = 1.0 - done
        delta = reward + gamma * next_value * not_done - value
        gae = delta + gamma * lam * not_done * gae
        return (gae, value), gae

    _, advantages = jax.lax.scan(
        backwards,
        (jnp.zeros_like(last_value), last_value),
        (rewards, values, dones.astype(values.dtype)),
        reverse=True,
    )
    return advantages, advantages + values


def ppo_loss(model: ActorCritic, batch: Rollout, advantages, targets, cfg: PPOConfig):
    logits = model.logits(batch.obs)
    log_probs = jax.nn.log_softmax(logits)
    log_prob = jnp.take_along_axis(log_probs, batch.action[..., None], axis=-1)[..., 0]
    ratio = jnp.exp(log_prob - batch.log_prob)
    adv = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    actor_loss = -jnp.minimum(ratio * adv, jnp.clip(ratio, 1 - cfg.clip_eps, 1 + cfg.clip_eps) * adv).mean()

    value = model.value(batch.obs)
    value_loss = (value - targets) ** 2
    if cfg.clip_value_loss:
        value_clipped = batch.value + jnp.clip(value - batch.value, -cfg.clip_eps, cfg.clip_eps)
        value_loss = jnp.maximum(value_loss, (value_clipped - targets) ** 2)
    value_loss = 0.5 * value_loss.mean()

    entropy = -(jnp.exp(log_probs) * log_probs).sum(-1).mean()
    total = actor_loss + cfg.vf_coef * value_loss - cfg.ent_coef * entropy
    return total, {"loss": total, "actor_loss": actor_loss, "value_loss": value_loss, "entropy": entropy}


def ppo_update(model, opt_state, rollout: Rollout, last_value, key, cfg: PPOConfig, optimizer):
    """Several epochs of minibatch Adam steps on one rollout; returns the new model, state, mean losses."""
    advantages, targets = compute_gae(
        rollout.reward, rollout.value, rollout.done, last_value, cfg.gamma, cfg.gae_lambda
    )
    flat = jax.tree.map(lambda x: x.reshape(cfg.batch_size, *x.shape[2:]), (rollout, advantages, targets))
    grad_fn = eqx.filter_value_and_grad(ppo_loss, has_aux=True)

    def minibatch_step(carry, minibatch):
        model, opt_state = carry
        batch, adv, tgt = minibatch
        (_, stats), grads = grad_fn(model, batch, adv, tgt, cfg)
        updates, opt_state = optimizer.update(grads, opt_state, eqx.filter(model, eqx.is_array))
        return (eqx.apply_updates(model, updates), opt_state), stats

    def epoch(carry, epoch_key):
        order = jax.random.permutation(epoch_key, cfg.batch_size)
        minibatches = jax.tree.map(
            lambda x: x[order].reshape(cfg.num_minibatches, cfg.minibatch_size, *x.shape[1:]), flat
        )
        return jax.lax.scan(minibatch_step, carry, minibatches)

    (model, opt_state), stats = jax.lax.scan(
        epoch, (model, opt_state), jax.random.split(key, cfg.update_epochs)
    )
    return model, opt_state, jax.tree.map(jnp.mean, stats)


def sample_action(model: ActorCritic, obs: jax.Array, key: jax.Array):
    """Stochastic action for data collection, with its log-probability and the state value."""
    logits = model.logits(obs)
    action = jax.random.categorical(key, logits)
    log_prob = jnp.take_along_axis(jax.nn.log_softmax(logits), action[..., None], axis=-1)[..., 0]
    return action, log_prob, model.value(obs)


def truncation_bonus(model: ActorCritic, final_obs, terminated, truncated, gamma: float):
    """gamma * V(final obs) for episodes cut by the time limit (not for real terminations)."""
    cut = jnp.logical_and(truncated, jnp.logical_not(terminated))
    return jnp.where(cut, gamma * model.value(final_obs), 0.0)


class Runner(NamedTuple):
    """Everything the gymnax training loop carries from one update to the next."""

    model: ActorCritic
    opt_state: Any
    env_state: Any
    obs: jax.Array
    episode_return: jax.Array  # running return of each environment's current episode
    key: jax.Array


def make_gymnax_trainer(spec: TaskSpec, cfg: PPOConfig):
    """Return ``init(key) -> Runner`` and jitted ``train(runner, num_updates) -> (runner, metrics)``.

    ``train`` runs ``num_updates`` full PPO iterations (collect + update) as one
    compiled ``lax.scan``; ``metrics`` has one entry per update.
    """
    env, env_params = make_gymnax(spec.name)
    optimizer = make_optimizer(cfg)
    reset = jax.vmap(env.reset, in_axes=(0, None))
    step = jax.vmap(env.step, in_axes=(0, 0, 0, None))

    def init(key) -> Runner:
        model_key, env_key, key = jax.random.split(key, 3)
        model = ActorCritic(model_key, spec.obs_size, spec.num_actions, cfg.hidden)
        opt_state = optimizer.init(eqx.filter(model, eqx.is_array))
        obs, env_state = reset(jax.random.split(env_key, cfg.num_envs), env_params)
        return Runner(model, opt_state, env_state, obs, jnp.zeros(cfg.num_envs), key)

    def env_step(carry, key):
        model, env_state, obs, episode_return = carry
        act_key, step_key = jax.random.split(key)
        action, log_prob, value = sample_action(model, obs, act_key)
        next_obs, env_state, reward, terminated, truncated, info = step(
            jax.random.split(step_key, cfg.num_envs), env_state, action, env_params
        )
        done = terminated | truncated
        episode_return = episode_return + reward
        finished = jnp.where(done, episode_return, 0.0)
        bootstrapped = reward + truncation_bonus(model, info["final_observation"], terminated, truncated, cfg.gamma)
        transition = Rollout(obs, action, log_prob, value, bootstrapped, done)
        carry = (model, env_state, next_obs, jnp.where(done, 0.0, episode_return))
        return carry, (transition, finished, done)

    def one_update(runner: Runner, _):
        key, rollout_key, update_key = jax.random.split(runner.key, 3)
        carry = (runner.model, runner.env_state, runner.obs, runner.episode_return)
        (model, env_state, obs, episode_return), (rollout, finished, done) = jax.lax.scan(
            env_step, carry, jax.random.split(rollout_key, cfg.num_steps)
        )
        last_value = model.value(obs)
        model, opt_state, stats = ppo_update(model, runner.opt_state, rollout, last_value, update_key, cfg, optimizer)
        episodes = done.sum()
        stats = {
            **stats,
            "episodes": episodes,
            "episode_return": jnp.where(episodes > 0, finished.sum() / jnp.maximum(episodes, 1), jnp.nan),
        }
        return Runner(model, opt_state, env_state, obs, episode_return, key), stats

    @eqx.filter_jit
    def train(runner: Runner, num_updates: int):
        return jax.lax.scan(one_update, runner, None, length=num_updates)

    return init, train
