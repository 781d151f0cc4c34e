"""The Lifelong Neural Developmental Program (LNDP): a network that rewires itself.

Semantics follow the official code (docs/method/lndp.md#model, #per-step-algorithm), including its quirks
(degree features swapped and mis-parenthesised, transposed graph-transformer
aggregation, one-step lags for new and pruned edges). Per environment step:

1. unless the episode is over (``d``), the lifetime update runs: node features ->
   pre-projection -> graph transformer (attention over all pairs, scores multiplied
   by an edge term) -> node GRU; then the edge GRU on
   ``[h_post, h_pre, a_seq_post, a_seq_pre, r]``, masked by the old adjacency;
   weight = first edge feature; then pruning and synaptogenesis decisions on the
   structural mask (pruning wins);
2. the forward pass: R synchronous tanh steps with the inputs clamped;
3. the read-out: argmax of the output nodes, or their values (x2 for Pendulum).

This module is the fast formulation, algebraically equal to the official code's
transcription in ``reference.py``, which shares no code with it. Teacher-forced (the same
state and key at every step), both give the same adjacency and actions, with states
within rounding (tests/test_lndp_parity.py); free-running lifetimes diverge after a few
steps in float32, because the dynamics are chaotic. The differences:

- per-edge inputs that are concatenations of node quantities are never built; each
  weight block is applied once per node and the results are broadcast-added over the
  N x N grid (edge GRU input, synaptogenesis MLP's first layer);
- edge arrays are laid out features-first, ``(E, N, N)``, so the per-edge work runs
  over long contiguous N x N planes instead of trailing dimensions of size 4 to 16;
- contractions over a handful of features (the edge state, E = 4, in the edge GRU and the
  pruning MLP's first layer; the 16 hidden units of the decision MLPs) are written as
  unrolled multiply-adds over N x N planes (``unrolled_contract``), so that XLA fuses each
  rule into one elementwise pass instead of calling a small batched matmul per member and
  materialising its (K, N, N) result. (The graph transformer keeps its einsums: unrolled,
  its float32 rounding drifts ten times further from the reference's, 4e-3 instead of
  4e-4 in the teacher-forced test.)
- node quantities are laid out features-first too (``W @ h.T``), so that per-node gates and
  projections run over rows of N;
- decisions compare logits with ``log(t / (1 - t))`` instead of sigmoids with t;
- the structural mask and node types are constants built once.

These change only the order of floating-point sums. Profile and measurements:
benchmarks/lndp_throughput.py and docs/decisions.md (LNDP, speed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from plasticnets.lndp.development import develop
from plasticnets.lndp.params import HEADS, QK_FEATURES, VALUE_FEATURES, LNDPConfig, LNDPParams


class NetState(NamedTuple):
    """One network's state during a lifetime."""

    A: jax.Array  # (N, N) adjacency, A[i, j] = 1 for an edge i -> j
    h: jax.Array  # (N, F) node states
    e: jax.Array  # edge states: (E, N, N) here, (N, N, E) in the reference model
    w: jax.Array  # (N, N) weights (first edge feature, as of the last update)
    a: jax.Array  # (N,) activations carried between steps (zero unless is_recurrent)
    a_seq: jax.Array  # (N, R + 1) activation trace of the last forward pass
    r: jax.Array  # (1,) last reward
    d: jax.Array  # (1,) 1 once the episode is over: updates are frozen
    t: jax.Array  # () number of updates so far


def initial_graph(cfg: LNDPConfig, key: jax.Array):
    """Adjacency, node states and edge states (N, N, E) of a new network (A.3), with
    the official code's key usage."""
    key_a, key_e, key_h, key_dev = jax.random.split(key, 4)
    key_hh, key_ih, key_ho, key_net = jax.random.split(key_a, 4)
    # Connection probabilities: hidden->hidden truncated to [0, 1]; the others plain
    # normals (a value below 0 gives no edges, above 1 gives all edges).
    p_hh = cfg.s_hh * jax.random.truncated_normal(key_hh, -cfg.p_hh / cfg.s_hh, (1.0 - cfg.p_hh) / cfg.s_hh) + cfg.p_hh
    p_ih = jax.random.normal(key_ih) * cfg.s_ih + cfg.p_ih
    p_ho = jax.random.normal(key_ho) * cfg.s_ho + cfg.p_ho

    n, o, act, hid = cfg.n_nodes, cfg.obs_size, cfg.num_actions, cfg.num_hidden
    k_ih, k_hh, k_ho = jax.random.split(key_net, 3)
    hidden = slice(o, n - act)
    adjacency = jnp.zeros((n, n))
    adjacency = adjacency.at[:o, hidden].set((jax.random.uniform(k_ih, (o, hid)) < p_ih).astype(jnp.float32))
    hh = (jax.random.uniform(k_hh, (hid, hid)) < p_hh).astype(jnp.float32)
    adjacency = adjacency.at[hidden, hidden].set(jnp.where(jnp.eye(hid, dtype=bool), 0.0, hh))
    adjacency = adjacency.at[hidden, n - act:].set((jax.random.uniform(k_ho, (hid, act)) < p_ho).astype(jnp.float32))

    h = jax.random.uniform(key_h, (n, cfg.node_features), minval=-1.0, maxval=1.0)
    e = jax.random.uniform(key_e, (n, n, cfg.edge_features), minval=-1.0, maxval=1.0) * adjacency[..., None]
    return adjacency, h, e, key_dev


def gru_gates(gi: jax.Array, gh: jax.Array, bias_n: jax.Array, hidden: jax.Array, axis: int) -> jax.Array:
    """An equinox GRUCell's update from its input and hidden pre-activations (gates
    stacked reset, update, candidate along ``axis``)."""
    ir, iz, inn = jnp.split(gi, 3, axis=axis)
    hr, hz, hn = jnp.split(gh, 3, axis=axis)
    reset = jax.nn.sigmoid(ir + hr)
    update = jax.nn.sigmoid(iz + hz)
    new = jnp.tanh(inn + reset * (hn + bias_n))
    return new + update * (hidden - new)


def unrolled_contract(w: jax.Array, x: jax.Array) -> jax.Array:
    """``einsum("km,m...->k...", w, x)`` as M unrolled multiply-adds (M is 4 to 16 here).

    Under ``vmap`` over a population, an einsum this small becomes a batched matmul per
    member whose (K, N, N) result is written out and read back; multiply-adds over whole
    N x N planes instead fuse with their consumers (gates, ReLUs, decisions) into one
    elementwise loop (the decision MLPs ran 2 to 3x faster on a CPU)."""
    extra = (None,) * (x.ndim - 1)
    acc = w[(slice(None), 0) + extra] * x[0]
    for m in range(1, x.shape[0]):
        acc = acc + w[(slice(None), m) + extra] * x[m]
    return acc


def relu_mlp_logit(hidden_unit, units: int, w2: jax.Array, b2: jax.Array) -> jax.Array:
    """``w2 @ relu(hidden) + b2`` for a decision MLP, the sum over its hidden units unrolled
    for the same reason as ``unrolled_contract``. ``hidden_unit(u)`` builds unit u's
    pre-activation plane: built one unit at a time, the (units, N, N) stack of them is never
    materialised (sliced out of one array, XLA writes the whole stack out first)."""
    acc = w2[0] * jax.nn.relu(hidden_unit(0))
    for u in range(1, units):
        acc = acc + w2[u] * jax.nn.relu(hidden_unit(u))
    return acc + b2


@dataclass(frozen=True)
class LNDP:
    """The model's functions for one static configuration (hashable: a jit static)."""

    cfg: LNDPConfig

    # ---- state -------------------------------------------------------------------

    def init(self, params: LNDPParams, key: jax.Array) -> NetState:
        """A new network at the start of a lifetime, developed by spontaneous activity
        when ``dev_steps > 0``."""
        cfg = self.cfg
        adjacency, h, e, key_dev = initial_graph(cfg, key)
        state = NetState(
            A=adjacency, h=h, e=self._edge_layout(e), w=e[..., 0],
            a=jnp.zeros((cfg.n_nodes,)), a_seq=jnp.zeros((cfg.n_nodes, cfg.trace_len)),
            r=jnp.zeros((1,)), d=jnp.zeros((1,)), t=jnp.zeros(()),
        )
        if cfg.dev_steps > 0:
            state = develop(state, params.ou, key_dev, cfg.dev_steps,
                            lambda s, k: self.update(params, s, k), self.forward)
        return state

    def _edge_layout(self, e_nne: jax.Array) -> jax.Array:
        return jnp.moveaxis(e_nne, -1, 0)

    @staticmethod
    def density(state: NetState) -> jax.Array:
        """Edges over N^2, the code's definition."""
        return state.A.sum() / state.A.size

    # ---- one environment step ----------------------------------------------------

    def __call__(self, params: LNDPParams, obs: jax.Array, state: NetState, key: jax.Array):
        """Update (unless frozen), propagate, read out: returns (action, new state).
        The caller writes the last reward and the done flag into the state first."""
        return self.act(params, obs, self.maybe_update(params, state, key))

    def maybe_update(self, params: LNDPParams, state: NetState, key: jax.Array) -> NetState:
        """The lifetime update, skipped once the episode is over (``d``) or when
        lifetime updates are blocked."""
        if self.cfg.block_lt_updates:
            return state
        return jax.lax.cond(state.d.sum() != 0, lambda s: s, lambda s: self.update(params, s, key), state)

    def act(self, params: LNDPParams, obs: jax.Array, state: NetState):
        """Forward pass and read-out on the (updated) state: (action, state with the new trace)."""
        cfg = self.cfg
        a, a_seq = self.forward(obs, state)
        state = state._replace(a_seq=a_seq)
        out = a[cfg.n_nodes - cfg.num_actions:]
        if cfg.continuous:
            action = out * cfg.action_scale
            action = jnp.where(jnp.isnan(action), 0.0, action)
        else:
            action = jnp.argmax(out)
        if cfg.is_recurrent:
            state = state._replace(a=a)
        return action, state

    def forward(self, obs: jax.Array, state: NetState):
        """R synchronous steps ``x <- tanh(x_clamped @ w + b)``; returns the final
        activations and the trace (N, R + 1) of clamped states plus the final one."""
        cfg = self.cfg
        bias = state.h[:, 0] if cfg.use_bias else jnp.zeros_like(state.a)
        obs = jnp.asarray(obs, state.a.dtype).reshape(cfg.obs_size)

        def step(x, _):
            clamped = x.at[: cfg.obs_size].set(obs)
            return jnp.tanh(clamped @ state.w + bias), clamped

        a, clamped = jax.lax.scan(step, state.a, None, cfg.rnn_iters)
        return a, jnp.concatenate([clamped, a[None]], axis=0).T

    # ---- lifetime update -----------------------------------------------------------

    def node_features(self, adjacency: jax.Array) -> jax.Array:
        """(N, 5): the code's [row sum/10, column sum/10, row/10 + column/10/20, is_input, is_output]."""
        rows = adjacency.sum(1)[:, None] / 10.0
        cols = adjacency.sum(0)[:, None] / 10.0
        return jnp.concatenate([rows, cols, rows + cols / 20.0, jnp.asarray(self.cfg.node_types())], axis=-1)

    def update(self, params: LNDPParams, state: NetState, key: jax.Array) -> NetState:
        cfg = self.cfg
        mask = jnp.asarray(cfg.structural_mask())
        pre = params.pre
        x = jnp.concatenate([self.node_features(state.A), state.a_seq, state.h], axis=-1) @ pre.weight.T + pre.bias
        x = jax.lax.fori_loop(0, cfg.gnn_iters,
                              lambda _, x: self.graph_transformer(params, x, state.e, state.A), x)
        gru = params.node_gru  # gates over (3F, N): rows of N nodes
        h = gru_gates(gru.weight_ih @ x.T + gru.bias[:, None], gru.weight_hh @ state.h.T, gru.bias_n[:, None],
                      state.h.T, axis=0).T

        e = self.edge_update(params, h, state)
        key, prune = self._decide(key, params.prune, lambda: self.prune_logits(params, e), mask)
        key, add = self._decide(key, params.add, lambda: self.add_logits(params, h), mask)
        adjacency = jnp.where(add, 1.0, state.A)
        adjacency = jnp.where(prune, 0.0, adjacency)
        return state._replace(A=adjacency, h=h, e=e, w=e[0], t=state.t + 1.0)

    def _decide(self, key, mlp, logits_fn, mask):
        """Which pairs a structural rule fires on: logit over threshold, or a coin with
        probability 0.5 * p in the stochastic mode; nothing when the rule is off."""
        if mlp is None:
            return key, jnp.zeros_like(mask, dtype=bool)
        key, key_rule = jax.random.split(key)
        logits = logits_fn()
        if self.cfg.stochastic_decisions:
            fire = jax.random.uniform(key_rule, logits.shape) < 0.5 * jax.nn.sigmoid(logits)
        else:
            fire = logits > self.cfg.decision_logit
        return key, fire & (mask > 0)

    def graph_transformer(self, params: LNDPParams, x: jax.Array, e: jax.Array, adjacency: jax.Array) -> jax.Array:
        """One graph-transformer pass (A.7 (3)); heads are strided feature slices, the
        edge term multiplies the scores, and node j collects sum_i alpha_ij v_i with
        alpha normalised over j (the code's transposed aggregation)."""
        gt, n, ef = params.gt, x.shape[0], self.cfg.edge_features
        qk = QK_FEATURES * HEADS
        qkv = x @ jnp.concatenate([gt.query, gt.key, gt.value]).T  # one matmul instead of three (same sums)
        q = qkv[:, :qk].reshape(n, QK_FEATURES, HEADS)
        k = qkv[:, qk:2 * qk].reshape(n, QK_FEATURES, HEADS)
        v = qkv[:, 2 * qk:].reshape(n, VALUE_FEATURES, HEADS)
        scores = jnp.einsum("idh,jdh->hij", q, k) / math.sqrt(QK_FEATURES)
        we, be = gt.edge.weight, gt.edge.bias
        eye = jnp.eye(n)
        edge_term = (
            jnp.einsum("hm,mij->hij", we[:, :ef], e)
            + we[:, ef, None, None] * adjacency
            + we[:, ef + 1, None, None] * adjacency.T
            + we[:, ef + 2, None, None] * eye
            + be[:, None, None]
        )
        attention = jax.nn.softmax(scores * edge_term, axis=-1)
        out = jnp.einsum("hij,idh->jdh", attention, v).reshape(n, VALUE_FEATURES * HEADS)
        return out @ gt.out.weight.T + gt.out.bias

    def edge_update(self, params: LNDPParams, h: jax.Array, state: NetState) -> jax.Array:
        """Edge GRU over all pairs with input [h_j, h_i, a_seq_j, a_seq_i, r], masked by
        the old adjacency; (E, N, N) in and out."""
        cfg, gru = self.cfg, params.edge_gru
        f, tl = cfg.node_features, cfg.trace_len
        w_post_h, w_pre_h, w_post_a, w_pre_a, w_r = jnp.split(
            gru.weight_ih, np.cumsum([f, f, tl, tl]), axis=1)
        post = w_post_h @ h.T + w_post_a @ state.a_seq.T  # (3E, N), indexed by j
        pre = w_pre_h @ h.T + w_pre_a @ state.a_seq.T + (gru.bias + w_r[:, 0] * state.r[0])[:, None]  # by i
        gi = pre[:, :, None] + post[:, None, :]  # (3E, N, N)
        gh = unrolled_contract(gru.weight_hh, state.e)
        e = gru_gates(gi, gh, gru.bias_n[:, None, None], state.e, axis=0)
        return e * state.A

    def prune_logits(self, params: LNDPParams, e: jax.Array) -> jax.Array:
        mlp = params.prune
        return relu_mlp_logit(lambda u: unrolled_contract(mlp.w1[u:u + 1], e)[0] + mlp.b1[u],
                              mlp.w1.shape[0], mlp.w2[0], mlp.b2[0])

    def add_logits(self, params: LNDPParams, h: jax.Array) -> jax.Array:
        """Synaptogenesis MLP on [h_post, h_pre] per pair (i -> j)."""
        mlp, f = params.add, self.cfg.node_features
        post = mlp.w1[:, :f] @ h.T  # (16, N), indexed by j
        pre = mlp.w1[:, f:] @ h.T + mlp.b1[:, None]  # indexed by i
        return relu_mlp_logit(lambda u: pre[u, :, None] + post[u, None, :], mlp.w1.shape[0], mlp.w2[0], mlp.b2[0])
