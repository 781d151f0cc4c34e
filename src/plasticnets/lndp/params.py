"""The LNDP's evolved parameters as a plain pytree of arrays, and its static settings.

Parameters are NamedTuples of arrays (no functions or other non-array leaves), so
evosax can ravel them into one vector and ``eqx.tree_serialise_leaves`` can save
them. Shapes and layouts follow the equinox modules of the official code
(docs/method/lndp.md#evolved-parameters): ``Linear.weight`` is (out, in); a GRU cell has
``weight_ih`` (3H, in), ``weight_hh`` (3H, H), ``bias`` (3H) and ``bias_n`` (H);
gates are ordered reset, update, candidate. Optional parts (synaptogenesis,
pruning and spontaneous activity) are ``None`` when switched off, so they add
no dimensions to the search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, Optional

import jax
import jax.numpy as jnp
import numpy as np

NODE_FEATURE_DIMS = 5  # out-degree, in-degree, "degree", is_input, is_output (A.7 (1))
QK_FEATURES = 4
VALUE_FEATURES = 8
HEADS = 3
DECISION_HIDDEN = 16  # width of the synaptogenesis and pruning MLPs


@dataclass(frozen=True)
class LNDPConfig:
    """Static settings of one LNDP (they fix shapes and code paths, never evolve).

    Defaults are the official ``train.py`` Config (docs/method/lndp.md#values).
    """

    obs_size: int
    num_actions: int
    continuous: bool = False
    action_scale: float = 1.0  # 2.0 for Pendulum-v1 (torque in [-2, 2])
    n_nodes: int = 32
    node_features: int = 8
    edge_features: int = 4
    rnn_iters: int = 3
    gnn_iters: int = 1
    dev_steps: int = 0
    p_hh: float = 0.1
    s_hh: float = 1e-4
    p_ih: float = 0.1
    s_ih: float = 1e-4
    p_ho: float = 0.1
    s_ho: float = 1e-4
    pruning: bool = True
    synaptogenesis: bool = True
    stochastic_decisions: bool = False
    decision_threshold: float = 0.6
    use_bias: bool = False
    is_recurrent: bool = False
    block_lt_updates: bool = False

    def __post_init__(self):
        hidden = self.n_nodes - self.obs_size - self.num_actions
        if hidden < 1:
            raise ValueError(
                f"n_nodes={self.n_nodes} leaves no hidden node for {self.obs_size} inputs "
                f"and {self.num_actions} outputs"
            )
        if not 0.0 < self.decision_threshold < 1.0:
            raise ValueError(f"decision_threshold must lie in (0, 1), got {self.decision_threshold}")

    @property
    def num_hidden(self) -> int:
        return self.n_nodes - self.obs_size - self.num_actions

    @property
    def trace_len(self) -> int:
        """Length of a node's activation trace a_seq: R clamped states plus the final one."""
        return self.rnn_iters + 1

    @property
    def edge_input_size(self) -> int:
        return 2 * self.node_features + 2 * self.trace_len + 1

    @property
    def decision_logit(self) -> float:
        """sigmoid(x) > threshold exactly when x > this logit (thresholding without a sigmoid)."""
        t = self.decision_threshold
        return math.log(t / (1.0 - t))

    def structural_mask(self) -> np.ndarray:
        """Pairs that may ever connect (A.4): input->hidden, hidden->hidden without
        self-loops, hidden->output. ``M[i, j] = 1`` allows the edge i -> j."""
        n, o, a = self.n_nodes, self.obs_size, self.num_actions
        mask = np.zeros((n, n), dtype=np.float32)
        hidden = slice(o, n - a)
        mask[:o, hidden] = 1.0
        mask[hidden, hidden] = 1.0 - np.eye(self.num_hidden, dtype=np.float32)
        mask[hidden, n - a:] = 1.0
        return mask

    def node_types(self) -> np.ndarray:
        """(N, 2) type bits [is_input, is_output]; hidden nodes are (0, 0) as in the code."""
        types = np.zeros((self.n_nodes, 2), dtype=np.float32)
        types[: self.obs_size, 0] = 1.0
        types[self.n_nodes - self.num_actions:, 1] = 1.0
        return types


class Linear(NamedTuple):
    weight: jax.Array  # (out, in)
    bias: Optional[jax.Array]  # (out,) or None


class GRU(NamedTuple):
    weight_ih: jax.Array  # (3H, in)
    weight_hh: jax.Array  # (3H, H)
    bias: jax.Array  # (3H,)
    bias_n: jax.Array  # (H,)


class MLP(NamedTuple):
    """in -> 16 (ReLU) -> 1 (sigmoid, applied by the caller)."""

    w1: jax.Array  # (16, in)
    b1: jax.Array  # (16,)
    w2: jax.Array  # (1, 16)
    b2: jax.Array  # (1,)


class GraphTransformerParams(NamedTuple):
    query: jax.Array  # (qk * heads, F), no bias
    key: jax.Array  # (qk * heads, F), no bias
    value: jax.Array  # (v * heads, F), no bias
    out: Linear  # (F, v * heads) with bias
    edge: Linear  # (heads, E + 3) with bias


class OUParams(NamedTuple):
    mu: jax.Array  # (O,)
    sigma: jax.Array  # (O, O)
    alpha: jax.Array  # (O,)
    dt: jax.Array  # (O,)


class LNDPParams(NamedTuple):
    pre: Linear  # (F, 5 + R + 1 + F)
    gt: GraphTransformerParams
    node_gru: GRU  # GRUCell(F, F)
    edge_gru: GRU  # GRUCell(2F + 2(R+1) + 1, E)
    add: Optional[MLP]  # synaptogenesis, on [h_post, h_pre]
    prune: Optional[MLP]  # pruning, on e
    ou: Optional[OUParams]  # spontaneous activity (only with dev_steps > 0)


def _gru(inputs: int, hidden: int) -> GRU:
    return GRU(
        jnp.zeros((3 * hidden, inputs)), jnp.zeros((3 * hidden, hidden)),
        jnp.zeros((3 * hidden,)), jnp.zeros((hidden,)),
    )


def _mlp(inputs: int) -> MLP:
    return MLP(jnp.zeros((DECISION_HIDDEN, inputs)), jnp.zeros((DECISION_HIDDEN,)),
               jnp.zeros((1, DECISION_HIDDEN)), jnp.zeros((1,)))


def zero_params(cfg: LNDPConfig) -> LNDPParams:
    """All-zero parameters: the shape template, and CMA-ES's initial mean (C.1)."""
    f, e = cfg.node_features, cfg.edge_features
    gt = GraphTransformerParams(
        query=jnp.zeros((QK_FEATURES * HEADS, f)),
        key=jnp.zeros((QK_FEATURES * HEADS, f)),
        value=jnp.zeros((VALUE_FEATURES * HEADS, f)),
        out=Linear(jnp.zeros((f, VALUE_FEATURES * HEADS)), jnp.zeros((f,))),
        edge=Linear(jnp.zeros((HEADS, e + 3)), jnp.zeros((HEADS,))),
    )
    o = cfg.obs_size
    return LNDPParams(
        pre=Linear(jnp.zeros((f, NODE_FEATURE_DIMS + cfg.trace_len + f)), jnp.zeros((f,))),
        gt=gt,
        node_gru=_gru(f, f),
        edge_gru=_gru(cfg.edge_input_size, e),
        add=_mlp(2 * f) if cfg.synaptogenesis else None,
        prune=_mlp(e) if cfg.pruning else None,
        ou=OUParams(jnp.zeros((o,)), jnp.zeros((o, o)), jnp.zeros((o,)), jnp.zeros((o,)))
        if cfg.dev_steps > 0 else None,
    )


def num_params(cfg: LNDPConfig) -> int:
    return sum(x.size for x in jax.tree.leaves(zero_params(cfg)))


def random_params(key: jax.Array, cfg: LNDPConfig, scale: float = 1.0) -> LNDPParams:
    """Gaussian parameters of the right shapes (tests and benchmarks; CMA-ES samples like this)."""
    leaves, treedef = jax.tree.flatten(zero_params(cfg))
    keys = jax.random.split(key, len(leaves))
    return jax.tree.unflatten(
        treedef, [scale * jax.random.normal(k, x.shape) for k, x in zip(keys, leaves)]
    )
