"""The growing graph network at fixed capacity: node and edge slots with alive masks.

Nodes are laid out ``[inputs | outputs | hidden slots]``; edges are slots
``(src, dst, weight, alive)``. Growth and pruning only flip masks and fill
slots, so array shapes never change and every function jits. A dead edge has
weight exactly 0 and, because the forward pass multiplies by the mask, gets a
gradient of exactly 0.

Forward pass (docs/method/smgrnn.md#forward-pass): clamp the inputs to the observation, run
K synchronous steps ``h_j <- phi(sum_i w_ij h_i)`` over the directed, possibly
cyclic graph (tanh on hidden nodes, identity on outputs), read the output
nodes as action logits. Node states start at zero for every observation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


@dataclass(frozen=True)
class Layout:
    """Static sizes of a graph: how many input, output and hidden node slots, and edge slots."""

    num_inputs: int
    num_outputs: int
    max_hidden: int
    max_edges: int

    @property
    def num_nodes(self) -> int:
        return self.num_inputs + self.num_outputs + self.max_hidden

    @property
    def first_hidden(self) -> int:
        return self.num_inputs + self.num_outputs

    def is_input(self) -> np.ndarray:
        return np.arange(self.num_nodes) < self.num_inputs

    def is_output(self) -> np.ndarray:
        idx = np.arange(self.num_nodes)
        return (idx >= self.num_inputs) & (idx < self.first_hidden)

    def is_hidden(self) -> np.ndarray:
        return np.arange(self.num_nodes) >= self.first_hidden


class Graph(NamedTuple):
    """A graph's state; every field has a fixed shape given its Layout."""

    node_alive: jax.Array  # bool [num_nodes]; inputs and outputs are always alive
    src: jax.Array  # int32 [max_edges]
    dst: jax.Array  # int32 [max_edges]
    weight: jax.Array  # float32 [max_edges]; exactly 0 where the edge is dead
    edge_alive: jax.Array  # bool [max_edges]


def allowed_pairs(layout: Layout, allow_self_loops: bool = True) -> np.ndarray:
    """bool [num_nodes, num_nodes]: may an edge src -> dst exist? Never into an input node."""
    allowed = np.ones((layout.num_nodes, layout.num_nodes), bool)
    allowed[:, layout.is_input()] = False
    if not allow_self_loops:
        np.fill_diagonal(allowed, False)
    return allowed


def initial_graph(key: jax.Array, layout: Layout, density: float, init_scale: float,
                  initial_hidden: int = 0, allow_self_loops: bool = True) -> Graph:
    """The seed's starting graph: ``initial_hidden`` hidden nodes (0 by default) and each
    allowed pair among the alive nodes present with probability ``density``;
    weights ~ U(-init_scale, init_scale)."""
    if initial_hidden > layout.max_hidden:
        raise ValueError(f"initial_hidden={initial_hidden} exceeds capacity max_hidden={layout.max_hidden}")
    alive = np.arange(layout.num_nodes) < layout.first_hidden + initial_hidden
    pairs = allowed_pairs(layout, allow_self_loops) & alive[:, None] & alive[None, :]
    candidates = np.argwhere(pairs)  # row-major order: deterministic
    keep_key, weight_key = jax.random.split(key)
    keep = jax.random.uniform(keep_key, (len(candidates),)) < density
    # Kept candidates fill the first edge slots in order (traceable: keys may be vmapped);
    # any beyond capacity are dropped, which only a far too small max_edges can cause.
    slot = jnp.where(keep, jnp.cumsum(keep) - 1, layout.max_edges)
    src = jnp.zeros(layout.max_edges, jnp.int32).at[slot].set(candidates[:, 0], mode="drop")
    dst = jnp.zeros(layout.max_edges, jnp.int32).at[slot].set(candidates[:, 1], mode="drop")
    edge_alive = jnp.arange(layout.max_edges) < keep.sum()
    # One draw per candidate, not per slot, so the initial graph does not depend on the capacity.
    drawn = jax.random.uniform(weight_key, (len(candidates),), minval=-init_scale, maxval=init_scale)
    weight = jnp.zeros(layout.max_edges).at[jnp.arange(len(candidates))].set(drawn, mode="drop")
    return Graph(
        node_alive=jnp.asarray(alive),
        src=src,
        dst=dst,
        weight=jnp.where(edge_alive, weight, 0.0),
        edge_alive=edge_alive,
    )


DENSE_MAX_NODES = 256  # a dense matrix of at most 65,536 entries: ~0.1 ms per step on this CPU (docs/decisions.md)


def dense_is_cheaper(layout: Layout) -> bool:
    """Dense propagation (one scatter, then K matrix-vector products) beats K segment sums over the edge slots
    on the CPU while the node-pair matrix is small compared with them (measured: N^2 <= ~25 x edge slots);
    above DENSE_MAX_NODES nodes it is never used, so its cost stays bounded whatever the capacity."""
    return layout.num_nodes <= DENSE_MAX_NODES and layout.num_nodes**2 <= 32 * layout.max_edges


def node_states(layout: Layout, graph: Graph, weight: jax.Array, obs: jax.Array, steps: int,
                dense: bool | None = None) -> jax.Array:
    """All node states after ``steps`` synchronous propagation steps (one observation).

    ``dense`` picks the implementation (same function, different speed); None chooses
    by size (``dense_is_cheaper``).
    """
    is_hidden = jnp.asarray(layout.is_hidden())
    is_output = jnp.asarray(layout.is_output())
    effective = weight * graph.edge_alive  # dead edges: zero contribution and zero gradient
    clamp = jnp.zeros(layout.num_nodes).at[: layout.num_inputs].set(obs)
    if dense is None:
        dense = dense_is_cheaper(layout)
    if dense:
        matrix = jnp.zeros((layout.num_nodes, layout.num_nodes)).at[graph.src, graph.dst].add(effective)
        incoming = lambda h: h @ matrix  # noqa: E731
    else:
        incoming = lambda h: jax.ops.segment_sum(effective * h[graph.src], graph.dst, num_segments=layout.num_nodes)  # noqa: E731
    h = clamp
    for _ in range(steps):  # K is small: unrolled, XLA fuses across steps
        pre = incoming(h)
        h = jnp.where(is_hidden, jnp.tanh(pre), jnp.where(is_output, pre, clamp)) * graph.node_alive
    return h


def logits(layout: Layout, graph: Graph, weight: jax.Array, obs: jax.Array, steps: int,
           dense: bool | None = None) -> jax.Array:
    """Action logits for one observation: the output nodes after ``steps`` propagation steps."""
    return node_states(layout, graph, weight, obs, steps, dense)[layout.num_inputs : layout.first_hidden]


def num_hidden(layout: Layout, graph: Graph) -> jax.Array:
    return graph.node_alive[layout.first_hidden :].sum()


def num_edges(graph: Graph) -> jax.Array:
    return graph.edge_alive.sum()


def degrees(layout: Layout, graph: Graph, count_self_loops: bool = False) -> tuple[jax.Array, jax.Array]:
    """(in-degree, out-degree) of every node over alive edges."""
    counted = graph.edge_alive & (count_self_loops | (graph.src != graph.dst))
    ones = counted.astype(jnp.int32)
    indeg = jax.ops.segment_sum(ones, graph.dst, num_segments=layout.num_nodes)
    outdeg = jax.ops.segment_sum(ones, graph.src, num_segments=layout.num_nodes)
    return indeg, outdeg


def depth(layout: Layout, graph: Graph) -> int:
    """Length of the longest shortest path from an input to an output (host-side diagnostic).

    The forward pass needs K >= this depth for every input to reach the outputs.
    Returns -1 if no output is reachable.
    """
    alive = np.asarray(graph.edge_alive)
    src, dst = np.asarray(graph.src)[alive], np.asarray(graph.dst)[alive]
    dist = np.full(layout.num_nodes, -1)
    dist[: layout.num_inputs] = 0
    frontier, d = set(range(layout.num_inputs)), 0
    while frontier:
        d += 1
        nxt = {int(j) for i, j in zip(src, dst) if i in frontier and dist[j] < 0}
        for j in nxt:
            dist[j] = d
        frontier = nxt
    out = dist[layout.num_inputs : layout.first_hidden]
    return int(out.max()) if (out >= 0).any() else -1
