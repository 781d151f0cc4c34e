"""Spontaneous activity: an evolvable Ornstein-Uhlenbeck process drives the input
neurons for ``dev_steps`` developmental steps before the first episode (docs/method/lndp.md#spontaneous-activity).

As in the official code: parameters are clipped (Sigma to [-1, 1] elementwise,
alpha >= 0, dt in [0.01, 1]); the noise ``W ~ N(0, Sigma)`` is drawn through an SVD
factor of Sigma (which need not be symmetric), is not scaled by sqrt(dt), and the
process starts from one noise draw rather than from mu.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from plasticnets.lndp.params import OUParams


def _noise(ou: OUParams, key: jax.Array) -> jax.Array:
    sigma = jnp.clip(ou.sigma, -1.0, 1.0)
    return jax.random.multivariate_normal(key, jnp.zeros_like(ou.mu), sigma, method="svd")


def ou_start(ou: OUParams, key: jax.Array) -> jax.Array:
    return _noise(ou, key)


def ou_step(ou: OUParams, x: jax.Array, key: jax.Array) -> jax.Array:
    alpha = jnp.maximum(ou.alpha, 0.0)
    dt = jnp.clip(ou.dt, 0.01, 1.0)
    return x + alpha * (ou.mu - x) * dt + _noise(ou, key)


def develop_step(state, x: jax.Array, key: jax.Array, ou: OUParams, update: Callable, forward: Callable):
    """One developmental step on the carry ``(state, x, key)``: the OU process advances,
    the network updates (node, edge and structural rules, reward 0), and the forward pass
    with the inputs clamped to the OU sample records a new activation trace. Returns the
    next carry. (A function of its own so that tests can apply it to another model's
    state, step by step.)"""
    key, key_ou, key_update = jax.random.split(key, 3)
    x = ou_step(ou, x, key_ou)
    state = update(state, key_update)
    _, a_seq = forward(x, state)
    return state._replace(a_seq=a_seq), x, key


def develop(state, ou: OUParams, key: jax.Array, dev_steps: int,
            update: Callable, forward: Callable):
    """Run the developmental phase: ``dev_steps`` times ``develop_step``, starting from one
    noise draw. Activity is reset at the end; the last trace is kept and feeds the first
    update of the first episode.

    ``update(state, key) -> state`` and ``forward(obs, state) -> (a, a_seq)`` are the
    model's own functions.
    """
    key_init, key_dev = jax.random.split(key)
    state, _, _ = jax.lax.fori_loop(0, dev_steps, lambda _, carry: develop_step(*carry, ou, update, forward),
                                    (state, ou_start(ou, key_init), key_dev))
    return state._replace(a=jnp.zeros_like(state.a))
