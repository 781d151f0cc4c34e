"""The expert's actor-critic MLP, and saving it without pickle.

A ``policy.eqx`` file is one JSON header line (architecture and provenance)
followed by ``equinox.tree_serialise_leaves`` of the module, so the file alone
is enough to rebuild the network and nothing in it can execute code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from plasticnets.io import atomic_path

FORMAT = "plasticnets.actor_critic/1"


def _orthogonal_linear(key, in_size: int, out_size: int, scale: float) -> eqx.nn.Linear:
    """Linear layer with orthogonal weights and zero bias (the usual PPO initialisation)."""
    layer = eqx.nn.Linear(in_size, out_size, key=key)
    weight = jax.nn.initializers.orthogonal(scale)(key, (out_size, in_size))
    layer = eqx.tree_at(lambda l: l.weight, layer, weight)
    return eqx.tree_at(lambda l: l.bias, layer, jnp.zeros(out_size))


class MLP(eqx.Module):
    layers: tuple[eqx.nn.Linear, ...]

    def __init__(self, key, in_size: int, hidden: tuple[int, ...], out_size: int, out_scale: float):
        sizes = (in_size, *hidden, out_size)
        keys = jax.random.split(key, len(sizes) - 1)
        scales = [2.0**0.5] * len(hidden) + [out_scale]
        self.layers = tuple(
            _orthogonal_linear(k, a, b, s) for k, a, b, s in zip(keys, sizes[:-1], sizes[1:], scales)
        )

    def __call__(self, x: jax.Array) -> jax.Array:
        for layer in self.layers[:-1]:
            x = jnp.tanh(layer(x))
        return self.layers[-1](x)


class ActorCritic(eqx.Module):
    """Separate tanh MLPs for action logits and state value, as in PureJaxRL and CleanRL."""

    actor: MLP
    critic: MLP

    def __init__(self, key, obs_size: int, num_actions: int, hidden: tuple[int, ...] = (64, 64)):
        actor_key, critic_key = jax.random.split(key)
        self.actor = MLP(actor_key, obs_size, tuple(hidden), num_actions, out_scale=0.01)
        self.critic = MLP(critic_key, obs_size, tuple(hidden), 1, out_scale=1.0)

    def logits(self, obs: jax.Array) -> jax.Array:
        """Action logits for one observation or a batch (leading axes are mapped)."""
        return _batched(self.actor, obs)

    def value(self, obs: jax.Array) -> jax.Array:
        return _batched(self.critic, obs)[..., 0]


def _batched(net: MLP, obs: jax.Array) -> jax.Array:
    flat = obs.reshape(-1, obs.shape[-1])
    out = jax.vmap(net)(flat)
    return out.reshape(*obs.shape[:-1], out.shape[-1])


def greedy_action(model: ActorCritic, obs: jax.Array) -> jax.Array:
    """The expert's label for a state: the most likely action (ties go to the lowest index)."""
    return jnp.argmax(model.logits(obs), axis=-1)


def save_policy(path: str | Path, model: ActorCritic, metadata: dict[str, Any]) -> None:
    """Write header + leaves atomically; ``metadata`` must hold obs_size, num_actions, hidden."""
    header = {"format": FORMAT, **metadata}
    for key in ("obs_size", "num_actions", "hidden"):
        if key not in header:
            raise ValueError(f"save_policy: metadata needs {key!r} to rebuild the network")
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write((json.dumps(header, sort_keys=True) + "\n").encode())
        eqx.tree_serialise_leaves(f, model)


def load_policy(path: str | Path) -> tuple[ActorCritic, dict[str, Any]]:
    """Rebuild an expert from ``policy.eqx``; the error names the file if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"expert policy not found: {path} (train it first: snakemake {path})")
    with open(path, "rb") as f:
        try:
            header = json.loads(f.readline())
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f"{path} is not a plasticnets policy file (bad header: {err})") from None
        if header.get("format") != FORMAT:
            raise ValueError(f"{path}: format {header.get('format')!r}, expected {FORMAT!r}")
        skeleton = ActorCritic(
            jax.random.PRNGKey(0), header["obs_size"], header["num_actions"], tuple(header["hidden"])
        )
        try:
            model = eqx.tree_deserialise_leaves(f, skeleton)
        except Exception as err:  # truncated or mismatched file
            raise ValueError(f"{path}: cannot read the network weights ({err})") from None
    return model, header
