"""Capacity buckets: the graph's arrays are sized to follow the live graph, up to a configured maximum.

Compiled code needs fixed shapes, so a graph, its SPM window and its optimizer state live in arrays of one
*bucket* size (hidden node slots, edge slots); every per-step cost scales with the bucket. A run starts in a
small bucket and, between compiled chunks, the training loop moves a graph that is running out of room to a
larger one (doubling, capped at ``graph.max_hidden`` / ``graph.max_edges``; buckets never shrink), with the
program compiled for that bucket (docs/method/smgrnn.md#capacity).

Moving to a larger bucket appends dead slots: node indices and edge slots keep their places, and an appended
slot holds what a never-used slot holds in a run started at the larger bucket. Growth fills the first free
slots, random draws are per slot (threefry with ``jax_threefry_partitionable``, on by default, draws the same
value for slot i whatever the array length) and propagation adds the slots in slot order, so a run's numbers
do not depend on its bucket history, as long as no growth request found the smaller bucket full: the loop
checks that after each chunk and reruns the chunk in a larger bucket if one did (tests/test_smgrnn_capacity.py).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from plasticnets.smgrnn.graph import Graph, Layout

BASE_HIDDEN = 64  # the smallest bucket: the default full model's whole capacity
BASE_EDGES = 512


def _fit(base: int, needed: int, limit: int) -> int:
    size = min(base, limit)
    while size < needed and size < limit:
        size *= 2
    return min(size, limit)


def bucket(limit: Layout, hidden: int, edges: int, fixed_nodes: bool = False) -> Layout:
    """The smallest bucket (base sizes times a power of two, at most ``limit``) with room for ``hidden`` hidden
    nodes and ``edges`` edges. ``fixed_nodes`` keeps every node slot of the limit (dense propagation: its matrix
    must keep one shape for its sums to keep one order)."""
    max_hidden = limit.max_hidden if fixed_nodes else _fit(BASE_HIDDEN, hidden, limit.max_hidden)
    return dataclasses.replace(limit, max_hidden=max_hidden, max_edges=_fit(BASE_EDGES, edges, limit.max_edges))


def larger(current: Layout, limit: Layout, fixed_nodes: bool = False) -> Layout:
    """The next bucket up in every dimension that is below the limit (after a chunk found the bucket full)."""
    return bucket(limit, 2 * current.max_hidden, 2 * current.max_edges, fixed_nodes)


def block_reserve(edge_growth: bool, random_growth: bool, relay_cap: int, random_cap: int,
                  growth_steps: int) -> tuple[int, int]:
    """(hidden nodes, edges) that ``growth_steps`` growth steps can add at most: a relay adds one node and two
    edges, random growth up to its per-step cap of edges."""
    relays = relay_cap * growth_steps if edge_growth else 0
    randoms = random_cap * growth_steps if random_growth else 0
    return relays, 2 * relays + randoms


def _pad_last(x: jax.Array, size: int, value=0) -> jax.Array:
    pad = [(0, 0)] * (x.ndim - 1) + [(0, size - x.shape[-1])]
    return jnp.pad(x, pad, constant_values=value)


def pad_graph(graph: Graph, new: Layout) -> Graph:
    """The graph in the larger bucket ``new``: dead hidden slots and dead edge slots (src = dst = 0, weight 0)
    appended. Works on a batch of graphs (leading seed axis) too."""
    return Graph(
        node_alive=_pad_last(graph.node_alive, new.num_nodes, False),
        src=_pad_last(graph.src, new.max_edges),
        dst=_pad_last(graph.dst, new.max_edges),
        weight=_pad_last(graph.weight, new.max_edges),
        edge_alive=_pad_last(graph.edge_alive, new.max_edges, False),
    )


def pad_edge_arrays(tree, old_edges: int, new_edges: int):
    """Every array in ``tree`` whose last axis runs over the ``old_edges`` edge slots, padded with zeros to
    ``new_edges`` (window sums, ring rows, sample counts, optimizer moments and step counts)."""
    if old_edges == new_edges:
        return tree
    return jax.tree.map(lambda x: _pad_last(x, new_edges) if x.ndim and x.shape[-1] == old_edges else x, tree)


def check_per_slot_draws() -> None:
    """Bucket moves rely on per-slot random draws; refuse to move when JAX draws otherwise."""
    if not jax.config.jax_threefry_partitionable:
        raise RuntimeError("moving a graph to a larger capacity bucket needs jax_threefry_partitionable=True "
                           "(per-slot random draws); it was turned off")
