"""The official LNDP model, transcribed directly: the oracle that tests check ``model.py``
against, and the baseline of ``benchmarks/lndp_throughput.py``.

A line-by-line transcription, in plain JAX, of the official code (``erwanplantec/LNDP`` at
``7ffd18a``; docs/method/lndp.md): ``lndp.py::LNDP`` (``initialize``, ``dev``, ``__call__``,
``update_state``, ``get_node_features``, ``get_edge_features``, ``forward_rnn``) and
``utils/model.py`` (``GraphTransformer``, ``reservoir``, ``meta_reservoir``,
``erdos_renyi``, ``OrnsteinUhlenbeckProcess``), with equinox's ``Linear``, ``GRUCell`` and
``MLP`` written out. Same state layout as the official ``PolicyState`` (a ``Graph`` of
A, h and e with e as (N, N, E)), same PRNG key splits, same order of operations: the
lifetime update runs *before* the forward pass.

It shares no code with ``model.py`` or ``development.py`` (a reference that shares code with
what it checks checks nothing there): it imports only the parameter containers and static
settings of ``params.py``, and JAX. It is written for reading, not speed: per-edge
concatenated inputs, cells applied to every pair with a double ``vmap``, sigmoids compared
with the threshold.

``maybe_update`` and ``act`` are the two halves of ``__call__``, so ``tasks.LifetimeTask``
(which calls them separately when it steps a population) can run this model too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr

from plasticnets.lndp.params import GRU, HEADS, MLP, QK_FEATURES, VALUE_FEATURES, LNDPConfig, LNDPParams, OUParams

double_vmap = lambda f: jax.vmap(jax.vmap(f))  # noqa: E731  (official: maps over i, then j)


class Graph(NamedTuple):
    A: jax.Array  # (N, N), A[i, j] = 1 for an edge i -> j
    h: jax.Array  # (N, F)
    e: jax.Array  # (N, N, E)


class PolicyState(NamedTuple):
    G: Graph
    a: jax.Array  # (N,)
    w: jax.Array  # (N, N)
    r: jax.Array  # (1,)
    d: jax.Array  # (1,)
    t: jax.Array  # ()
    a_seq: jax.Array  # (N, R + 1)


# ---- equinox modules, written out ------------------------------------------------------


def linear(weight: jax.Array, bias, x: jax.Array) -> jax.Array:
    """equinox.nn.Linear: ``weight @ x + bias`` (weight is (out, in))."""
    y = weight @ x
    return y if bias is None else y + bias


def gru_cell(p: GRU, x: jax.Array, h: jax.Array) -> jax.Array:
    """equinox.nn.GRUCell on one input vector (gates: reset, update, candidate)."""
    igates = jnp.split(p.weight_ih @ x + p.bias, 3)
    hgates = jnp.split(p.weight_hh @ h, 3)
    reset = jax.nn.sigmoid(igates[0] + hgates[0])
    inp = jax.nn.sigmoid(igates[1] + hgates[1])
    new = jnp.tanh(igates[2] + reset * (hgates[2] + p.bias_n))
    return new + inp * (h - new)


def mlp(p: MLP, x: jax.Array) -> jax.Array:
    """equinox.nn.MLP(in, 1, width 16, depth 1, ReLU, final sigmoid): shape (1,)."""
    return jax.nn.sigmoid(linear(p.w2, p.b2, jax.nn.relu(linear(p.w1, p.b1, x))))


def mlp_probability(p: MLP, x: jax.Array) -> jax.Array:
    """The MLP's output as a scalar probability."""
    return mlp(p, x)[0]


# ---- utils/model.py ----------------------------------------------------------------------


def graph_transformer(gt, graph: Graph) -> Graph:
    """``GraphTransformer.__call__`` with ``use_edge_features=True``; ``graph.e`` holds the
    (N, N, E + 3) edge features. Heads are the trailing axis of a (N, features, heads)
    reshape; the edge term multiplies the scores; softmax over axis 1 (j); node j receives
    sum_i alpha_ij v_i (``w.transpose((1, 0, 2))``)."""
    h = graph.h
    n = h.shape[0]
    q = jax.vmap(lambda x: linear(gt.query, None, x))(h)
    k = jax.vmap(lambda x: linear(gt.key, None, x))(h)
    v = jax.vmap(lambda x: linear(gt.value, None, x))(h)
    scaled_dot_product = lambda q, k: jnp.dot(q, k.T) / jnp.sqrt(k.shape[-1])  # noqa: E731
    scores = jax.vmap(scaled_dot_product, in_axes=-1, out_axes=-1)(
        q.reshape((n, QK_FEATURES, -1)), k.reshape((n, QK_FEATURES, -1)))
    we = double_vmap(lambda f: linear(gt.edge.weight, gt.edge.bias, f))(graph.e)
    scores = scores * we
    w = jax.nn.softmax(scores, axis=1)  # (N, N, H)
    x = jax.vmap(jnp.dot, in_axes=-1, out_axes=-1)(w.transpose((1, 0, 2)), v.reshape(n, VALUE_FEATURES, -1))
    x = x.reshape((n, -1))  # (N, dv * H): heads concatenated
    return graph._replace(h=jax.vmap(lambda o: linear(gt.out.weight, gt.out.bias, o))(x))


def erdos_renyi(key: jax.Array, n: int, p, self_loops: bool = False) -> jax.Array:
    a = (jr.uniform(key, (n, n)) < p).astype(float)
    if not self_loops:
        a = jnp.where(jnp.identity(n), 0.0, a)
    return a


def reservoir(key: jax.Array, n: int, in_dims: int, out_dims: int, p_hh=1.0, p_ih=0.3, p_ho=0.5) -> jax.Array:
    key_ih, key_hh, key_ho = jr.split(key, 3)
    a = jnp.zeros((n, n))
    inputs = jnp.arange(in_dims)
    outputs = jnp.arange(out_dims) + (n - out_dims)
    hidden = jnp.arange(n - out_dims - in_dims) + in_dims
    a = a.at[jnp.ix_(inputs, hidden)].set((jr.uniform(key_ih, (in_dims, len(hidden))) < p_ih).astype(float))
    a = a.at[jnp.ix_(hidden, hidden)].set(erdos_renyi(key_hh, len(hidden), p_hh))
    a = a.at[jnp.ix_(hidden, outputs)].set((jr.uniform(key_ho, (len(hidden), out_dims)) < p_ho).astype(float))
    return a


def meta_reservoir(key, n, in_dims, out_dims, mu_hh, mu_ih, mu_ho, s_hh, s_ih, s_ho) -> jax.Array:
    """Connection probabilities drawn first (called with ``clip=False``: only p_hh is a
    truncated normal), then the reservoir."""
    khh, kih, kho, knet = jr.split(key, 4)
    m, lower, upper, s = mu_hh, 0.0, 1.0, s_hh
    phh = jr.truncated_normal(khh, -(m - lower) / s, (upper - m) / s) * s + m
    pih = jr.normal(kih) * s_ih + mu_ih
    pho = jr.normal(kho) * s_ho + mu_ho
    return reservoir(knet, n, in_dims, out_dims, phh, pih, pho)


def ou_initialize(ou: OUParams, key: jax.Array) -> jax.Array:
    """``OrnsteinUhlenbeckProcess.initialize``: one noise draw."""
    sigma = jnp.clip(ou.sigma, -1.0, 1.0)
    return jr.multivariate_normal(key, mean=jnp.zeros(ou.mu.shape), cov=sigma, method="svd")


def ou_call(ou: OUParams, x: jax.Array, key: jax.Array) -> jax.Array:
    """``OrnsteinUhlenbeckProcess.__call__``: one OU step."""
    sigma = jnp.clip(ou.sigma, -1.0, 1.0)
    alpha = jnp.clip(ou.alpha, 0.0, jnp.inf)
    mu = ou.mu
    dt = jnp.clip(ou.dt, 0.01, 1.0)
    w = jr.multivariate_normal(key, mean=jnp.zeros(ou.mu.shape), cov=sigma, method="svd")
    return x + alpha * (mu - x) * dt + w


# ---- lndp.py -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectLNDP:
    """The official ``LNDP`` module's methods for one static configuration."""

    cfg: LNDPConfig

    def mask_A(self) -> jax.Array:  # noqa: N802  (the official name)
        cfg = self.cfg
        return reservoir(jr.PRNGKey(1), cfg.n_nodes, cfg.obs_size, cfg.num_actions, p_hh=1.0, p_ih=1.0, p_ho=1.0)

    @staticmethod
    def density(state: PolicyState) -> jax.Array:
        """``A.sum() / N**2`` (task.py)."""
        return state.G.A.sum() / (state.G.A.shape[0] ** 2)

    # ---- __call__ ----------------------------------------------------------------------

    def __call__(self, params: LNDPParams, obs: jax.Array, state: PolicyState, key: jax.Array):
        """Lifetime update (unless the episode is over or updates are blocked), THEN the
        forward pass and the read-out: (action, state)."""
        state = self.maybe_update(params, state, key)
        return self.act(params, obs, state)

    def maybe_update(self, params: LNDPParams, state: PolicyState, key: jax.Array) -> PolicyState:
        if self.cfg.block_lt_updates:
            return state
        return jax.lax.cond(state.d.sum() != 0,
                            lambda s, k: s,
                            lambda s, k: self.update_state(params, s, k),
                            state, key)

    def act(self, params: LNDPParams, obs: jax.Array, state: PolicyState):
        cfg = self.cfg
        a, a_seq = self.forward_rnn(obs, state)
        state = state._replace(a_seq=a_seq)
        k = cfg.action_scale  # 2 for Pendulum (``env_is_pendulum``), else 1
        action = jnp.argmax(a[-cfg.num_actions:]) if not cfg.continuous else a[-cfg.num_actions:] * k
        if cfg.continuous:
            action = jnp.where(jnp.isnan(action), 0, action)
        if cfg.is_recurrent:
            state = state._replace(a=a)
        return action, state

    # ---- initialize and dev ----------------------------------------------------------------

    def init(self, params: LNDPParams, key: jax.Array) -> PolicyState:
        """``initialize``: the initial graph, then development when ``dev_steps > 0``."""
        cfg = self.cfg
        n = cfg.n_nodes
        key_A, key_e, key_h, key_dev = jr.split(key, 4)  # noqa: N806
        A = meta_reservoir(key_A, n, cfg.obs_size, cfg.num_actions, mu_hh=cfg.p_hh, s_hh=cfg.s_hh,  # noqa: N806
                           mu_ih=cfg.p_ih, s_ih=cfg.s_ih, mu_ho=cfg.p_ho, s_ho=cfg.s_ho)
        h = jr.uniform(key_h, (n, cfg.node_features), minval=-1.0, maxval=1.0)
        e = jr.uniform(key_e, (n, n, cfg.edge_features), minval=-1.0, maxval=1.0) * A[..., None]
        G = Graph(A=A, h=h, e=e)  # noqa: N806
        a = jnp.zeros((n,))
        w = e[..., 0]
        state = PolicyState(G=G, a=a, w=w, r=jnp.zeros((1,)), d=jnp.zeros((1,)), t=jnp.zeros(()),
                            a_seq=jnp.zeros((n, cfg.rnn_iters + 1)))
        # --- developmental phase
        if cfg.dev_steps:
            state = self.dev(params, state, key_dev)
        return state

    def dev_start(self, params: LNDPParams, key: jax.Array):
        """The developmental loop's initial carry ``[sa, key]`` from the dev key."""
        key_init, key_dev = jr.split(key)
        return ou_initialize(params.ou, key_init), key_dev

    def dev_step(self, params: LNDPParams, state: PolicyState, sa: jax.Array, key: jax.Array):
        """One developmental step: OU step, update (reward 0), forward pass with the inputs
        clamped to the OU sample; returns ``(state, sa, key)``."""
        key, key_sa, key_up = jr.split(key, 3)
        sa = ou_call(params.ou, sa, key_sa)
        state = self.update_state(params, state, key_up)
        _, a_seq = self.forward_rnn(sa, state)
        state = state._replace(a_seq=a_seq)
        return state, sa, key

    def dev(self, params: LNDPParams, state: PolicyState, key: jax.Array) -> PolicyState:
        sa, key_dev = self.dev_start(params, key)
        state, *_ = jax.lax.fori_loop(0, self.cfg.dev_steps, lambda i, s: self.dev_step(params, *s),
                                      (state, sa, key_dev))
        return state._replace(a=jnp.zeros_like(state.a))

    # ---- update_state ----------------------------------------------------------------------

    def get_edge_features(self, graph: Graph) -> jax.Array:
        return jnp.concatenate([graph.e, graph.A[..., None], graph.A.T[..., None],
                                jnp.identity(graph.A.shape[0])[..., None]], axis=-1)

    def get_node_features(self, graph: Graph) -> jax.Array:
        """The official features, label slips included: i_d is the row sum (out-degree
        under the i -> j convention), o_d the column sum, and d = i_d + o_d / 20."""
        cfg = self.cfg
        i_d = graph.A.sum(1)[..., None] / 10.0
        o_d = graph.A.sum(0)[..., None] / 10.0
        d = i_d + o_d / 20.0
        typ = jnp.zeros((cfg.n_nodes, 2)).at[:cfg.obs_size, 0].set(1.0).at[-cfg.num_actions:, 1].set(1.0)
        return jnp.concatenate([i_d, o_d, d, typ], axis=-1)

    def update_state(self, params: LNDPParams, state: PolicyState, key: jax.Array) -> PolicyState:
        cfg = self.cfg
        G = state.G  # noqa: N806
        n = G.h.shape[0]

        # --- node states
        h = G.h
        a = state.a_seq
        x = jax.vmap(lambda v: linear(params.pre.weight, params.pre.bias, v))(
            jnp.concatenate([self.get_node_features(G), a, h], axis=-1))
        x = jax.lax.fori_loop(0, cfg.gnn_iters, lambda _, g: graph_transformer(params.gt, g),
                              G._replace(h=x, e=self.get_edge_features(G))).h
        h = jax.vmap(lambda xi, hi: gru_cell(params.node_gru, xi, hi))(x, h)

        # --- edge states: edge (i, j) sees [h_j, h_i, a_seq_j, a_seq_i, r]
        e = G.e
        hh = jnp.concatenate([
            jnp.repeat(h[None, :], n, axis=0),
            jnp.repeat(h[:, None], n, axis=1),
            jnp.repeat(a[None, :], n, axis=0),
            jnp.repeat(a[:, None], n, axis=1),
            jnp.ones((n, n, 1)) * state.r], axis=-1)
        e = double_vmap(lambda u, eij: gru_cell(params.edge_gru, u, eij))(hh, e) * state.G.A[..., None]
        w = e[..., 0]

        # --- pruning
        if cfg.pruning:
            key, key_prune = jr.split(key)
            p_pruned = double_vmap(lambda eij: mlp(params.prune, eij))(e)[..., 0]
            if cfg.stochastic_decisions:
                pruned = (jr.uniform(key_prune, p_pruned.shape) < (p_pruned * 0.5)).astype(float) * self.mask_A()
            else:
                pruned = (p_pruned > cfg.decision_threshold).astype(float) * self.mask_A()
        else:
            pruned = jnp.zeros((n, n))

        # --- synaptogenesis
        if cfg.synaptogenesis:
            key, key_add = jr.split(key)
            hh = jnp.concatenate([jnp.repeat(h[None, :], n, axis=0), jnp.repeat(h[:, None], n, axis=1)], axis=-1)
            p_add = double_vmap(lambda u: mlp(params.add, u))(hh)[..., 0]
            if cfg.stochastic_decisions:
                add = (jr.uniform(key_add, p_add.shape) < (p_add * 0.5)).astype(float) * self.mask_A()
            else:
                add = (p_add > cfg.decision_threshold).astype(float) * self.mask_A()
        else:
            add = jnp.zeros((n, n))

        A = jnp.where(add, 1.0, G.A)  # noqa: N806
        A = jnp.where(pruned, 0.0, A)  # noqa: N806  (pruning wins)
        return state._replace(G=Graph(A=A, h=h, e=e), w=w, t=state.t + 1.0)

    # ---- forward_rnn -----------------------------------------------------------------------

    def forward_rnn(self, obs: jax.Array, state: PolicyState):
        """R synchronous steps with the inputs clamped: (final activations, trace (N, R + 1))."""
        cfg = self.cfg
        b = state.G.h[:, 0] if cfg.use_bias else jnp.zeros_like(state.a)
        o = cfg.obs_size
        rnn = lambda a, _: (jnp.tanh(a.at[:o].set(obs) @ state.w + b), a.at[:o].set(obs))  # noqa: E731
        a, a_seq = jax.lax.scan(rnn, state.a, None, cfg.rnn_iters)
        return a, jnp.concatenate([a_seq, a[None, :]], axis=0).T
