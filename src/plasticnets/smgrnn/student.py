"""Students the distillation loop can train: the SMGrNN graph and (in baselines.py) fixed MLPs.

A student is a frozen dataclass of its static configuration (hashable, so compiled code
is cached per student) with pure methods over a state pytree:

- ``init(key) -> state``
- ``params(state)`` / ``forward(state, params, obs) -> logits``
- ``after_update(state, new_params, opt_state, old_params) -> state``
- ``block_len``: env steps per block; within a block the loop calls ``growth_step`` after
  every step but the last (t mod s != 0) if ``has_growth``, and after the last step
  ``end_block`` and, if ``has_pruning``, ``prune_step`` (t mod s = 0); it logs one row of
  sizes and summed events per block
- ``end_block(state) -> state`` (window bookkeeping)
- ``has_growth`` / ``has_pruning``: whether ``growth_step`` / ``prune_step`` can change anything
- ``growth_step(state, key)``, ``prune_step(state, key) -> (state, Events)`` (no-ops for fixed networks)
- ``size(state) -> (hidden units, edges or weights, parameters)``
- ``snapshot(state) -> dict of numpy arrays`` (what graph.npz stores)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from plasticnets.smgrnn import capacity
from plasticnets.smgrnn import graph as g
from plasticnets.smgrnn import spm


class GraphState(NamedTuple):
    graph: g.Graph
    window: spm.Window
    opt_state: Any


class EdgeAdamState(NamedTuple):
    """Adam's state per edge slot: its own step count as well as its moments."""

    count: jax.Array  # int32 [max_edges]: updates since the edge's optimizer state last restarted
    mu: jax.Array  # first moment
    nu: jax.Array  # second moment


def edge_adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> optax.GradientTransformation:
    """Adam (optax's update rule and defaults) with a step count per parameter instead of one global count,
    so an edge whose state restarts is bias-corrected as a fresh parameter: its first update moves
    lr * g / (|g| + eps), not ~3.2 lr as with a long global count (docs/method/smgrnn.md#optimizer-state-after-edits)."""

    def init(params):
        return EdgeAdamState(jnp.zeros(params.shape, jnp.int32), jnp.zeros_like(params), jnp.zeros_like(params))

    def update(grads, state, params=None):
        count = state.count + 1
        mu = b1 * state.mu + (1 - b1) * grads
        nu = b2 * state.nu + (1 - b2) * grads**2
        # 1 - b ** t as -expm1(t log b): the same to float rounding (no cancellation for small t) and several
        # times cheaper per edge on the CPU than pow
        t = count.astype(grads.dtype)
        mu_hat = mu / -jnp.expm1(t * np.log(b1))
        nu_hat = nu / -jnp.expm1(t * np.log(b2))
        return -lr * mu_hat / (jnp.sqrt(nu_hat) + eps), EdgeAdamState(count, mu, nu)

    return optax.GradientTransformation(init, update)


def reset_edge_moments(opt_state: Any, edges: jax.Array) -> Any:
    """Restart the optimizer state of the edge slots where ``edges`` is True: moments and (with
    ``edge_adam``) step count set to 0; other slots are untouched.

    Surviving edges keep their Adam state across structural edits; new, removed and just-split
    edges start afresh (docs/method/smgrnn.md#optimizer-state-after-edits).
    """
    return jax.tree.map(
        lambda leaf: jnp.where(edges, jnp.zeros_like(leaf), leaf) if leaf.shape == edges.shape else leaf, opt_state
    )


@dataclass(frozen=True)
class GraphStudent:
    """SMGrNN: a masked graph trained by Adam, edited by the SPM.

    ``layout`` is the current capacity bucket, the shapes of every array; ``limit`` the largest layout the graph
    may grow to (None: fixed at ``layout``). ``moved`` takes a state to a larger bucket (capacity.py).
    """

    layout: g.Layout
    spm: spm.SPMConfig
    propagation_steps: int = 5
    density: float = 0.8
    initial_hidden: int = 0
    init_scale: float = 1.0
    lr: float = 1e-3
    limit: g.Layout | None = None

    @property
    def optimizer(self) -> optax.GradientTransformation:
        return edge_adam(self.lr)

    @property
    def max_layout(self) -> g.Layout:
        return self.limit or self.layout

    @property
    def dense(self) -> bool:
        """Propagation path, chosen once per run from the limit so a bucket move never changes it."""
        return g.dense_is_cheaper(self.max_layout)

    def starting_small(self, reserve_hidden: int = 0, reserve_edges: int = 0) -> "GraphStudent":
        """This student in the smallest bucket that holds its initial graph plus the reserve, growable up to
        its current layout."""
        first = self.layout.first_hidden + self.initial_hidden
        initial_pairs = first * (first - self.layout.num_inputs)  # an upper bound on the initial edges
        start = capacity.bucket(self.max_layout, self.initial_hidden + reserve_hidden, initial_pairs + reserve_edges,
                                fixed_nodes=self.dense)
        return replace(self, layout=start, limit=self.max_layout)

    def can_grow(self) -> bool:
        return self.layout != self.max_layout

    def bucket_for(self, hidden: int, edges: int) -> g.Layout:
        """The smallest bucket, never smaller than the current one, with room for ``hidden`` hidden nodes and
        ``edges`` edges."""
        return capacity.bucket(self.max_layout, max(hidden, self.layout.max_hidden),
                               max(edges, self.layout.max_edges), fixed_nodes=self.dense)

    def next_bucket(self) -> g.Layout:
        """The next bucket up (every dimension below the limit doubled)."""
        return capacity.larger(self.layout, self.max_layout, fixed_nodes=self.dense)

    def block_reserve(self) -> tuple[int, int]:
        """(hidden nodes, edges) one block's growth steps can add at most."""
        return capacity.block_reserve(self.spm.edge_growth, self.spm.random_growth, self.spm.max_relays_per_check,
                                      self.spm.max_random_edges_per_check, self.block_len - 1)

    def moved(self, state: GraphState, new: g.Layout) -> tuple["GraphStudent", GraphState]:
        """(student, state) in bucket ``new`` (not smaller than the current one): dead slots appended. ``state``
        may carry a leading seed axis."""
        if new == self.layout:
            return self, state
        capacity.check_per_slot_draws()
        old_edges = self.layout.max_edges
        state = GraphState(capacity.pad_graph(state.graph, new),
                           capacity.pad_edge_arrays(state.window, old_edges, new.max_edges),
                           capacity.pad_edge_arrays(state.opt_state, old_edges, new.max_edges))
        return replace(self, layout=new, limit=self.max_layout), state

    def init(self, key) -> GraphState:
        graph = g.initial_graph(key, self.layout, self.density, self.init_scale, self.initial_hidden, self.spm.allow_self_loops)
        return GraphState(graph, spm.empty_window(self.layout, self.spm.window, self.spm.check_every), self.optimizer.init(graph.weight))

    def params(self, state: GraphState) -> jax.Array:
        return state.graph.weight

    def forward(self, state: GraphState, weight: jax.Array, obs: jax.Array) -> jax.Array:
        return g.logits(self.layout, state.graph, weight, obs, self.propagation_steps, dense=self.dense)

    def after_update(self, state: GraphState, new_weight, opt_state, old_weight) -> GraphState:
        alive = state.graph.edge_alive
        new_weight = jnp.where(alive, new_weight, 0.0)
        window = spm.push(state.window, new_weight - old_weight, alive)
        return GraphState(state.graph._replace(weight=new_weight), window, opt_state)

    def end_block(self, state: GraphState) -> GraphState:
        """Called after every block, before its pruning step: commit the window block."""
        return state._replace(window=spm.end_block(state.window))

    def growth_step(self, state: GraphState, key) -> tuple[GraphState, spm.Events]:
        """A step with t mod s != 0: relay growth, then random growth."""
        graph, window, changed, events = spm.growth_step(self.spm, self.layout, state.graph, state.window, key)
        return GraphState(graph, window, reset_edge_moments(state.opt_state, changed)), events

    def growth_needed(self, state: GraphState, key) -> jax.Array:
        """False when ``growth_step(state, key)`` would change nothing (then the loop may skip it)."""
        return spm.growth_needed(self.spm, state.graph, state.window, key)

    def prune_step(self, state: GraphState, key) -> tuple[GraphState, spm.Events]:
        """A step with t mod s = 0: pruning, then orphan removal."""
        graph, window, changed, events = spm.prune_step(self.spm, self.layout, state.graph, state.window, key)
        return GraphState(graph, window, reset_edge_moments(state.opt_state, changed)), events

    def size(self, state: GraphState) -> tuple[jax.Array, jax.Array, jax.Array]:
        edges = g.num_edges(state.graph)
        return g.num_hidden(self.layout, state.graph), edges, edges  # parameters = live edge weights

    def snapshot(self, state: GraphState) -> dict:
        """The graph alone (not the optimizer or window), as numpy arrays for graph.npz."""
        return {name: np.asarray(value) for name, value in state.graph._asdict().items()}

    @property
    def has_growth(self) -> bool:
        return self.spm.edge_growth or self.spm.random_growth

    @property
    def has_pruning(self) -> bool:
        return self.spm.prune

    @property
    def check_every(self) -> int:
        """s: every s-th env step is a pruning step, the others are growth steps (``spm.check_every``)."""
        return self.spm.check_every

    @property
    def block_len(self) -> int:
        """A graph student's block is one period of its structural clock: s - 1 growth steps, one pruning step."""
        return self.spm.check_every
