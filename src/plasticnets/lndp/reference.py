"""A direct transcription of the LNDP lifetime update, as the equations (and the
official code) are written: per-edge concatenated inputs, edge arrays laid out
``(N, N, E)``, cells applied to every pair with a double ``vmap``, sigmoids compared
with the threshold.

It is the baseline of ``benchmarks/lndp_throughput.py`` and the oracle that tests
check the fast model (``model.py``) against: both give the same actions and fitness
for the same parameters and keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from plasticnets.lndp.model import LNDP, NetState
from plasticnets.lndp.params import GRU, HEADS, MLP, QK_FEATURES, VALUE_FEATURES, LNDPParams


def gru_cell(p: GRU, x: jax.Array, h: jax.Array) -> jax.Array:
    """equinox.nn.GRUCell on one input vector."""
    ir, iz, inn = jnp.split(p.weight_ih @ x + p.bias, 3)
    hr, hz, hn = jnp.split(p.weight_hh @ h, 3)
    reset = jax.nn.sigmoid(ir + hr)
    update = jax.nn.sigmoid(iz + hz)
    new = jnp.tanh(inn + reset * (hn + p.bias_n))
    return new + update * (h - new)


def mlp_probability(p: MLP, x: jax.Array) -> jax.Array:
    """equinox.nn.MLP(in, 1, 16, depth 1, ReLU, final sigmoid) on one input vector."""
    return jax.nn.sigmoid(p.w2 @ jax.nn.relu(p.w1 @ x + p.b1) + p.b2)[0]


pairwise = lambda f: jax.vmap(jax.vmap(f))  # noqa: E731  (maps over i, then j)


@dataclass(frozen=True)
class DirectLNDP(LNDP):
    """Same model, written the direct way."""

    def _edge_layout(self, e_nne: jax.Array) -> jax.Array:
        return e_nne

    def update(self, params: LNDPParams, state: NetState, key: jax.Array) -> NetState:
        cfg = self.cfg
        n = cfg.n_nodes
        mask = jnp.asarray(cfg.structural_mask())
        pre = params.pre
        x = jax.vmap(lambda v: pre.weight @ v + pre.bias)(
            jnp.concatenate([self.node_features(state.A), state.a_seq, state.h], axis=-1))
        edge_features = jnp.concatenate(
            [state.e, state.A[..., None], state.A.T[..., None], jnp.eye(n)[..., None]], axis=-1)
        x = jax.lax.fori_loop(0, cfg.gnn_iters,
                              lambda _, x: self.attention(params, x, edge_features), x)
        h = jax.vmap(lambda xi, hi: gru_cell(params.node_gru, xi, hi))(x, state.h)

        # Edge (i, j) sees [h_j, h_i, a_seq_j, a_seq_i, r].
        a_seq = state.a_seq
        edge_inputs = jnp.concatenate([
            jnp.repeat(h[None, :], n, axis=0), jnp.repeat(h[:, None], n, axis=1),
            jnp.repeat(a_seq[None, :], n, axis=0), jnp.repeat(a_seq[:, None], n, axis=1),
            jnp.ones((n, n, 1)) * state.r,
        ], axis=-1)
        e = pairwise(lambda u, eij: gru_cell(params.edge_gru, u, eij))(edge_inputs, state.e) * state.A[..., None]

        prune = jnp.zeros((n, n), dtype=bool)
        if params.prune is not None:
            key, key_prune = jax.random.split(key)
            p_prune = pairwise(lambda eij: mlp_probability(params.prune, eij))(e)
            prune = self._threshold(p_prune, key_prune) & (mask > 0)
        add = jnp.zeros((n, n), dtype=bool)
        if params.add is not None:
            key, key_add = jax.random.split(key)
            pair_states = jnp.concatenate(
                [jnp.repeat(h[None, :], n, axis=0), jnp.repeat(h[:, None], n, axis=1)], axis=-1)
            p_add = pairwise(lambda u: mlp_probability(params.add, u))(pair_states)
            add = self._threshold(p_add, key_add) & (mask > 0)
        adjacency = jnp.where(add, 1.0, state.A)
        adjacency = jnp.where(prune, 0.0, adjacency)
        return state._replace(A=adjacency, h=h, e=e, w=e[..., 0], t=state.t + 1.0)

    def _threshold(self, p: jax.Array, key: jax.Array) -> jax.Array:
        if self.cfg.stochastic_decisions:
            return jax.random.uniform(key, p.shape) < 0.5 * p
        return p > self.cfg.decision_threshold

    def attention(self, params: LNDPParams, x: jax.Array, edge_features: jax.Array) -> jax.Array:
        gt, n = params.gt, x.shape[0]
        q = jax.vmap(lambda v: gt.query @ v)(x).reshape(n, QK_FEATURES, HEADS)
        k = jax.vmap(lambda v: gt.key @ v)(x).reshape(n, QK_FEATURES, HEADS)
        v = jax.vmap(lambda v: gt.value @ v)(x).reshape(n, VALUE_FEATURES, HEADS)
        scores = jax.vmap(lambda qh, kh: qh @ kh.T / math.sqrt(QK_FEATURES), in_axes=-1, out_axes=-1)(q, k)
        scores = scores * pairwise(lambda f: gt.edge.weight @ f + gt.edge.bias)(edge_features)
        alpha = jax.nn.softmax(scores, axis=1)  # (N, N, H), normalised over j
        out = jax.vmap(jnp.dot, in_axes=-1, out_axes=-1)(alpha.transpose(1, 0, 2), v)
        return jax.vmap(lambda o: gt.out.weight @ o + gt.out.bias)(out.reshape(n, -1))
