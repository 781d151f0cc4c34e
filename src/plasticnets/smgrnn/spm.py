"""The Structural Plasticity Module: window statistics, relay growth, random growth, pruning.

The rules are docs/method/smgrnn.md#spm-rules. Each mechanism is a separate
pure function of (layout, graph, window, ...) so it can be tested on hand-built
graphs; ``structural_check`` composes them in the order of
docs/method/smgrnn.md#structural-clock. All of them keep array shapes fixed: they
fill free slots or clear alive ones. A growth request that is not carried out
is counted in the returned events, never dropped silently, under one of two
reasons: ``dropped_by_check_cap`` (more requests in one check than
``max_relays_per_check`` / ``max_random_edges_per_check``) or
``dropped_no_free_slot`` (within the cap, but no free node or edge slot left; for random growth also,
never seen in practice, no absent pair found within ``MAX_DRAW_ROUNDS`` rounds of draws).

Window statistics (docs/method/smgrnn.md#window-statistics): a ring buffer of
the last T applied weight updates per edge slot with running sums of Δw and
Δw², so a step costs O(edges); mean = S1/T, population variance = S2/T - mean².
An edge is eligible for growth or pruning decisions only once it holds T
samples; a new or cleared edge starts empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp

from plasticnets.smgrnn.graph import Graph, Layout, allowed_pairs, degrees


@dataclass(frozen=True)
class SPMConfig:
    """Structural plasticity parameters (config key ``smgrnn.spm``); see docs/decisions.md for each value's source."""

    window: int = 100  # T
    check_every: int = 30  # s: structural clock
    edge_growth: bool = True
    random_growth: bool = True
    prune: bool = True
    instability_ratio: float = 0.5  # |mu| < ratio * sigma
    lambda_edge: float = 1e-3  # sigma^2 > lambda_edge * |mu|
    p_rand: float = 0.25
    rho_rand: float = 0.02
    tau_w: float = 0.01
    tau_delta: float = 1e-4
    eta_prune: float = 0.8
    new_edge_scale: float = 0.05  # U(-scale, scale) for relay and random edges
    allow_self_loops: bool = True
    max_relays_per_check: int = 32
    max_random_edges_per_check: int = 32


class Ring(NamedTuple):
    """Rolling window of the last T values of D quantities, with running sums.

    Steps come in blocks of B <= T (s steps: one pruning step closes each block). The B ring rows a
    block will overwrite are fetched once at its start (``pending_old``) and
    its new rows collected in ``pending_new``, then written back by
    ``end_block``. Reading and writing the big ring in every step would make
    XLA copy the whole [T, D] buffer each step; this way a step touches O(D).
    """

    buffer: jax.Array  # [T, D]
    sum: jax.Array  # [D]: sum of the last T values
    sum_sq: jax.Array  # [D]: sum of their squares
    pending_old: jax.Array  # [B, D]: ring rows this block overwrites
    pending_new: jax.Array  # [B, D]: values pushed during this block
    position: jax.Array  # int32: ring row where the current block starts
    step: jax.Array  # int32: values pushed in the current block


def empty_ring(window: int, block: int, size: int) -> Ring:
    if block > window:
        raise ValueError(f"spm.check_every={block} must not exceed spm.window={window}")
    zero = jnp.zeros((), jnp.int32)
    return Ring(jnp.zeros((window, size)), jnp.zeros(size), jnp.zeros(size),
                jnp.zeros((block, size)), jnp.zeros((block, size)), zero, zero)


def ring_push(ring: Ring, values: jax.Array, old_valid: jax.Array | bool = True) -> Ring:
    """Add one value per quantity. ``old_valid`` False means the value leaving the window was
    written before the quantity's history was cleared, so it is not in the sums."""
    old = jnp.where(old_valid, ring.pending_old[ring.step], 0.0)
    return ring._replace(
        sum=ring.sum + values - old,
        sum_sq=ring.sum_sq + values**2 - old**2,
        pending_new=ring.pending_new.at[ring.step].set(values),
        step=ring.step + 1,
    )


def ring_end_block(ring: Ring) -> Ring:
    """Write the block's values into the ring and fetch the rows the next block will overwrite."""
    window, block = ring.buffer.shape[0], ring.pending_new.shape[0]
    rows = (ring.position + jnp.arange(block)) % window
    written = (jnp.arange(block) < ring.step)[:, None]
    buffer = ring.buffer.at[rows].set(jnp.where(written, ring.pending_new, ring.buffer[rows]))
    position = (ring.position + ring.step) % window
    next_rows = (position + jnp.arange(block)) % window
    return ring._replace(buffer=buffer, pending_old=buffer[next_rows], pending_new=jnp.zeros_like(ring.pending_new),
                         position=position, step=jnp.zeros_like(ring.step))


class Window(NamedTuple):
    """The SPM's rolling window of weight updates per edge slot."""

    updates: Ring  # Δw per edge
    count: jax.Array  # int32 [max_edges]: updates since the edge was created or cleared (<= T)


class Events(NamedTuple):
    """What one growth or pruning step did, or their sums over a block (all int32 scalars)."""

    flagged: jax.Array  # unstable edges found
    relays: jax.Array  # relay nodes inserted
    random_edges: jax.Array  # random edges added
    pruned: jax.Array  # edges pruned
    orphans: jax.Array  # hidden nodes removed as orphans
    output_guard: jax.Array  # prunes undone to keep an output reachable
    dropped_no_free_slot: jax.Array  # growth requests within the per-step cap that found no free node/edge slot
    dropped_by_check_cap: jax.Array  # growth requests beyond max_relays_per_check / max_random_edges_per_check

    @staticmethod
    def zero() -> "Events":
        return Events(*(jnp.zeros((), jnp.int32) for _ in Events._fields))


def empty_window(layout: Layout, window: int, block: int) -> Window:
    return Window(
        updates=empty_ring(window, block, layout.max_edges),
        count=jnp.zeros(layout.max_edges, jnp.int32),
    )


def push(window: Window, delta_w: jax.Array, edge_alive: jax.Array) -> Window:
    """Add one step's weight updates; O(edges), whatever T is."""
    t = window.updates.buffer.shape[0]
    return Window(
        # An edge with fewer than T samples since its (re)start has no valid value leaving the window.
        updates=ring_push(window.updates, jnp.where(edge_alive, delta_w, 0.0), old_valid=window.count >= t),
        count=jnp.where(edge_alive, jnp.minimum(window.count + 1, t), 0),
    )


def end_block(window: Window) -> Window:
    return window._replace(updates=ring_end_block(window.updates))


def clear_edges(window: Window, edges: jax.Array) -> Window:
    """Forget the history of the edges where ``edges`` is True (new, removed or just split).

    Only the sums and the sample count are reset, O(edges): the stale values
    still in the ring are never subtracted, because ``push`` only subtracts a
    leaving value once the edge holds T samples of its new history.
    """
    updates = window.updates._replace(sum=jnp.where(edges, 0.0, window.updates.sum),
                                      sum_sq=jnp.where(edges, 0.0, window.updates.sum_sq))
    return window._replace(updates=updates, count=jnp.where(edges, 0, window.count))


def statistics(window: Window) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(mean Δw, population variance of Δw, eligible) per edge over the window."""
    t = window.updates.buffer.shape[0]
    mean = window.updates.sum / t
    var = jnp.maximum(window.updates.sum_sq / t - mean**2, 0.0)  # clamp rounding below zero
    return mean, var, window.count >= t


def unstable_edges(cfg: SPMConfig, graph: Graph, window: Window) -> jax.Array:
    """Edges whose updates fluctuate around zero: |mu| < ratio*sigma and sigma^2 > lambda*|mu|
    (docs/method/smgrnn.md#relay-growth)."""
    mean, var, eligible = statistics(window)
    return (
        graph.edge_alive
        & eligible
        & (jnp.abs(mean) < cfg.instability_ratio * jnp.sqrt(var))
        & (var > cfg.lambda_edge * jnp.abs(mean))
    )


SELECT_BLOCK = 64  # entries per block in select_true


def select_true(mask: jax.Array, ranks: jax.Array) -> jax.Array:
    """Index of the ``rank``-th (0-based) True entry of ``mask`` for each rank; unspecified where the rank is
    >= the number of True entries.

    Two levels of short prefix sums (over blocks of SELECT_BLOCK entries, then inside the blocks the ranks fall in)
    instead of one over the whole mask: XLA's CPU cumsum grows faster than linearly (12,288 entries: ~130 us, this:
    ~15 us), and this runs on every growth step over all edge slots.
    """
    size = mask.shape[0]
    blocks = -(-size // SELECT_BLOCK)
    rows = jnp.pad(mask, (0, blocks * SELECT_BLOCK - size)).reshape(blocks, SELECT_BLOCK).astype(jnp.int32)
    upto = jnp.cumsum(rows.sum(1))  # True entries in blocks 0..b
    row = jnp.minimum(jnp.searchsorted(upto, ranks, side="right"), blocks - 1)  # first block with upto > rank
    within = ranks - jnp.where(row > 0, upto[jnp.maximum(row - 1, 0)], 0)
    column = jnp.argmax(jnp.cumsum(rows[row], axis=1) > within[:, None], axis=1)
    return row * SELECT_BLOCK + column


def _first_free(free: jax.Array, size: int) -> tuple[jax.Array, jax.Array]:
    """Indices of the first ``size`` True entries of ``free`` and which of them exist."""
    exists = jnp.arange(size) < free.sum()
    return jnp.where(exists, select_true(free, jnp.arange(size)), 0), exists


def _small_weights(key, n: int, scale: float) -> jax.Array:
    return jax.random.uniform(key, (n,), minval=-scale, maxval=scale)


def grow_relays(cfg: SPMConfig, layout: Layout, graph: Graph, flagged: jax.Array, key: jax.Array):
    """Insert a relay node h on a parallel path i -> h -> j for each flagged edge i -> j (original kept).

    Returns (graph, new_edges mask, inserted count, dropped for no free slot, dropped by the check cap).
    """
    cap = cfg.max_relays_per_check
    requested = flagged.sum()
    edge_idx, is_request = _first_free(flagged, cap)
    free_nodes = (~graph.node_alive) & jnp.asarray(layout.is_hidden())
    node_idx, node_ok = _first_free(free_nodes, cap)
    free_edges = ~graph.edge_alive
    # Two edge slots per relay: the k-th relay takes the free slots 2k and 2k+1.
    slot_idx, slot_ok = _first_free(free_edges, 2 * cap)
    pair_ok = slot_ok[0::2] & slot_ok[1::2]
    do = is_request & node_ok & pair_ok
    # A relay only counts once both edges and the node fit; place them in order so gaps cannot occur.
    do = jnp.cumprod(do.astype(jnp.int32)).astype(bool)
    inserted = do.sum()

    # Lanes that do nothing write out of bounds, where mode="drop" discards them.
    in_slot = jnp.where(do, slot_idx[0::2], layout.max_edges)
    out_slot = jnp.where(do, slot_idx[1::2], layout.max_edges)
    node_slot = jnp.where(do, node_idx, layout.num_nodes)
    pre, post = graph.src[edge_idx], graph.dst[edge_idx]
    w_in, w_out = jnp.split(_small_weights(key, 2 * cap, cfg.new_edge_scale), 2)

    def put(array, slots, values):
        return array.at[slots].set(values, mode="drop")

    src = put(put(graph.src, in_slot, pre), out_slot, node_idx)
    dst = put(put(graph.dst, in_slot, node_idx), out_slot, post)
    weight = put(put(graph.weight, in_slot, w_in), out_slot, w_out)
    edge_alive = put(put(graph.edge_alive, in_slot, True), out_slot, True)
    node_alive = put(graph.node_alive, node_slot, True)
    new_edges = edge_alive & ~graph.edge_alive
    graph = Graph(node_alive, src, dst, weight, edge_alive)

    attempted = jnp.minimum(requested, cap)  # requests beyond the cap are not even tried
    return graph, new_edges, inserted, attempted - inserted, requested - attempted


def candidate_pool(cfg: SPMConfig, layout: Layout, graph: Graph) -> jax.Array:
    """bool [N, N]: allowed pairs between alive nodes that have no edge yet (the law's support; O(N^2), so only
    tests and diagnostics build it; ``grow_random`` samples from it without building it)."""
    present = jnp.zeros((layout.num_nodes, layout.num_nodes), bool).at[graph.src, graph.dst].max(graph.edge_alive)
    alive = graph.node_alive
    return jnp.asarray(allowed_pairs(layout, cfg.allow_self_loops)) & alive[:, None] & alive[None, :] & ~present


def pool_size(cfg: SPMConfig, layout: Layout, graph: Graph) -> jax.Array:
    """|candidate pool| in O(nodes + edges): allowed pairs between alive nodes minus the live edges.

    Relies on the invariant every SPM edit keeps: live edges are distinct allowed pairs between alive nodes
    (initial pairs are distinct, a relay's two edges touch a new node, random growth adds absent pairs only,
    and a removed node takes its edges with it)."""
    sources = graph.node_alive.sum()
    targets = (graph.node_alive & ~jnp.asarray(layout.is_input())).sum()
    allowed = sources * targets - (0 if cfg.allow_self_loops else targets)
    return jnp.maximum(allowed - graph.edge_alive.sum(), 0)


MAX_DRAW_ROUNDS = 1 << 16  # rounds of ``size`` draws before absent_pairs gives up (never reached in practice)


def absent_pairs(cfg: SPMConfig, layout: Layout, graph: Graph, key, count: jax.Array, size: int):
    """``count`` (<= ``size``) distinct pairs drawn uniformly without replacement from the candidate pool, by
    rejection: i.i.d. uniform draws over the allowed pairs between alive nodes, keeping each draw that has no live
    edge and was not kept before, until ``count`` are kept. Sequential rejection of this kind is exactly uniform
    without replacement over the pool; draws come ``size`` at a time, each round O(size * edge slots), so no
    N x N pool is ever built. A node is drawn as a rank among the alive nodes, so the draws do not depend on
    the capacity.

    Returns (src, dst, found): pairs beyond ``found`` are unspecified; ``found`` < ``count`` only if
    MAX_DRAW_ROUNDS rounds did not suffice.
    """
    is_input = jnp.asarray(layout.is_input())
    alive_targets = graph.node_alive & ~is_input
    n_sources, n_targets = graph.node_alive.sum(), alive_targets.sum()
    lane = jnp.arange(size)

    def same(u1, v1, u2, v2):  # [a] x [b] pair equality
        return (u1[:, None] == u2[None, :]) & (v1[:, None] == v2[None, :])

    n = layout.num_nodes
    if n * n < 2**31:  # one int32 key per pair: half the comparisons against every edge slot
        live = jnp.where(graph.edge_alive, graph.src * n + graph.dst, -1)  # a dead slot matches no pair

        def present(u, v):
            return jnp.any((u * n + v)[:, None] == live[None, :], axis=1)
    else:
        live_src = jnp.where(graph.edge_alive, graph.src, -1)

        def present(u, v):
            return jnp.any(same(u, v, live_src, graph.dst), axis=1)

    def draw(state):
        rounds, chosen_src, chosen_dst, found = state
        src_key, dst_key = jax.random.split(jax.random.fold_in(key, rounds))
        u = select_true(graph.node_alive, jax.random.randint(src_key, (size,), 0, n_sources))
        v = select_true(alive_targets, jax.random.randint(dst_key, (size,), 0, n_targets))
        new = ~present(u, v)
        new &= ~jnp.any(same(u, v, chosen_src, chosen_dst) & (lane < found)[None, :], axis=1)
        new &= ~jnp.any(jnp.tril(same(u, v, u, v), k=-1), axis=1)  # the same pair earlier in this round
        if not cfg.allow_self_loops:
            new &= u != v
        slot = jnp.where(new & (found + jnp.cumsum(new) - 1 < count), found + jnp.cumsum(new) - 1, size)
        return (rounds + 1, chosen_src.at[slot].set(u, mode="drop"), chosen_dst.at[slot].set(v, mode="drop"),
                jnp.minimum(found + new.sum(), count))

    def more(state):
        return (state[-1] < count) & (state[0] < MAX_DRAW_ROUNDS)

    zero = jnp.zeros((), jnp.int32)
    empty = jnp.zeros(size, jnp.int32)
    _, src, dst, found = jax.lax.while_loop(more, draw, (zero, empty, empty, zero))
    return src, dst, found


def grow_random(cfg: SPMConfig, layout: Layout, graph: Graph, key: jax.Array):
    """Add m = max(floor(rho * N_alive), 1) edges drawn uniformly without replacement from the candidate pool
    (docs/method/smgrnn.md#random-growth).

    Returns (graph, new_edges mask, added count, dropped for no free slot, dropped by the check cap).
    """
    cap = cfg.max_random_edges_per_check
    pick_key, weight_key = jax.random.split(key)
    wanted = jnp.maximum(jnp.floor(cfg.rho_rand * graph.node_alive.sum()), 1).astype(jnp.int32)
    requested = jnp.minimum(wanted, pool_size(cfg, layout, graph))  # cannot add more than the pool holds
    src_new, dst_new, found = absent_pairs(cfg, layout, graph, pick_key, jnp.minimum(requested, cap), cap)
    slot_idx, slot_ok = _first_free(~graph.edge_alive, cap)
    do = (jnp.arange(cap) < found) & slot_ok
    added = do.sum()
    slot = jnp.where(do, slot_idx, layout.max_edges)  # out of bounds: dropped

    def put(array, values):
        return array.at[slot].set(values, mode="drop")

    weights = _small_weights(weight_key, cap, cfg.new_edge_scale)
    new_graph = graph._replace(
        src=put(graph.src, src_new),
        dst=put(graph.dst, dst_new),
        weight=put(graph.weight, weights),
        edge_alive=put(graph.edge_alive, True),
    )
    new_edges = new_graph.edge_alive & ~graph.edge_alive
    attempted = jnp.minimum(requested, cap)  # requests beyond the cap are not even tried
    return new_graph, new_edges, added, attempted - added, requested - attempted


def prune_candidates(cfg: SPMConfig, graph: Graph, window: Window) -> jax.Array:
    """Weak and stalled edges: |w| <= tau_w and |mean Δw| <= tau_delta over a full window
    (docs/method/smgrnn.md#pruning)."""
    mean, _, eligible = statistics(window)
    return graph.edge_alive & eligible & (jnp.abs(graph.weight) <= cfg.tau_w) & (jnp.abs(mean) <= cfg.tau_delta)


def prune_count(eta: float, candidates: jax.Array) -> jax.Array:
    """How many of the candidates W_t one pruning step removes: floor(eta * |W_t|)
    (docs/method/smgrnn.md#pruning). The relative slack absorbs float32 rounding (0.7 * 10 must give 7)."""
    n = candidates.sum()
    return jnp.floor(eta * n * (1 + 1e-6)).astype(jnp.int32)


def smallest(mask: jax.Array, keys: jax.Array, count: jax.Array) -> jax.Array:
    """The ``count`` entries of ``mask`` with the smallest uint32 ``keys`` (ties: lower index first), as a mask:
    the first ``count`` of a stable sort, found by bisecting on the key value (32 passes of O(slots)) instead of
    sorting every slot (an argsort of 12,288 slots took ~3 ms on this CPU)."""

    def below_or_at(threshold):
        return (mask & (keys <= threshold)).sum()

    def halve(_, bounds):  # the smallest threshold with at least ``count`` entries at or below it
        lo, hi = bounds
        mid = lo + (hi - lo) // 2
        enough = below_or_at(mid) >= count
        return jnp.where(enough, lo, mid + 1), jnp.where(enough, mid, hi)

    threshold, _ = jax.lax.fori_loop(0, 32, halve, (jnp.uint32(0), jnp.uint32(2**32 - 1)))
    below = mask & (keys < threshold)
    ties = mask & (keys == threshold)
    need = count - below.sum()  # >= 1 ties to take, lowest index first
    last_tie = select_true(ties, jnp.maximum(need - 1, 0)[None])[0]
    return below | (ties & (jnp.arange(mask.shape[0]) <= last_tie) & (need > 0))


def prune_edges(cfg: SPMConfig, layout: Layout, graph: Graph, candidates: jax.Array, key: jax.Array):
    """Remove floor(eta * |W_t|) of the candidates W_t, chosen uniformly at random without replacement
    (docs/method/smgrnn.md#pruning): the candidates with the smallest i.i.d. uniform priorities.

    An output node never loses its last incoming edge: prunes that would do so
    are undone and counted. Returns (graph, removed mask, pruned count, guard count). Priorities are uint32 draws,
    one per slot (``smallest``).
    """
    count = prune_count(cfg.eta_prune, candidates)
    remove = jax.lax.cond(count > 0, lambda: smallest(candidates, jax.random.bits(key, candidates.shape), count),
                          lambda: jnp.zeros_like(candidates))

    is_output = jnp.asarray(layout.is_output())
    kept = graph._replace(edge_alive=graph.edge_alive & ~remove)
    indeg_after, _ = degrees(layout, kept)
    starved = is_output & (indeg_after == 0) & (degrees(layout, graph)[0] > 0)
    undo = remove & starved[graph.dst]
    remove = remove & ~undo
    graph = remove_edges(graph, remove)
    return graph, remove, remove.sum(), undo.sum()


def remove_edges(graph: Graph, edges: jax.Array) -> Graph:
    return graph._replace(edge_alive=graph.edge_alive & ~edges, weight=jnp.where(edges, 0.0, graph.weight))


def remove_orphans(layout: Layout, graph: Graph):
    """Repeatedly remove hidden nodes with zero in- or out-degree (self-loops not counted), with their edges.

    Returns (graph, removed edges mask, removed node count).
    """
    is_hidden = jnp.asarray(layout.is_hidden())
    start_edges, start_nodes = graph.edge_alive, graph.node_alive

    def orphans(g):
        indeg, outdeg = degrees(layout, g)
        return is_hidden & g.node_alive & ((indeg == 0) | (outdeg == 0))

    def body(g):
        dead = orphans(g)
        incident = g.edge_alive & (dead[g.src] | dead[g.dst])
        return remove_edges(g, incident)._replace(node_alive=g.node_alive & ~dead)

    graph = jax.lax.while_loop(lambda g: orphans(g).any(), body, graph)
    return graph, start_edges & ~graph.edge_alive, (start_nodes & ~graph.node_alive).sum()


def _relays(cfg, layout, graph, flagged, key):
    graph, _, inserted, no_free_slot, by_check_cap = grow_relays(cfg, layout, graph, flagged, key)
    return graph, inserted.astype(jnp.int32), no_free_slot.astype(jnp.int32), by_check_cap.astype(jnp.int32)


def _random(cfg, layout, graph, key):
    graph, _, added, no_free_slot, by_check_cap = grow_random(cfg, layout, graph, key)
    return graph, added.astype(jnp.int32), no_free_slot.astype(jnp.int32), by_check_cap.astype(jnp.int32)


def growth_needed(cfg: SPMConfig, graph: Graph, window: Window, key: jax.Array) -> jax.Array:
    """Whether ``growth_step`` with this key can change anything: an unstable edge exists, or random growth
    triggers. When False, ``growth_step`` is the identity, so callers may skip it (O(edges))."""
    _, trigger_key, _ = jax.random.split(key, 3)
    need = jnp.zeros((), bool)
    if cfg.edge_growth:
        need = need | unstable_edges(cfg, graph, window).any()
    if cfg.random_growth:
        need = need | jax.random.bernoulli(trigger_key, cfg.p_rand)
    return need


def growth_step(cfg: SPMConfig, layout: Layout, graph: Graph, window: Window, key: jax.Array):
    """The SPM on a growth step, t mod s != 0 (docs/method/smgrnn.md#structural-clock): relay growth on the
    unstable edges, then random growth with probability p_rand.

    Returns (graph, window, restart mask, events). ``restart`` marks the new edges and the edges just split by
    a relay: their windows are cleared and callers restart their optimizer state
    (docs/method/smgrnn.md#optimizer-state-after-edits).
    """
    relay_key, trigger_key, random_key = jax.random.split(key, 3)
    events = Events.zero()
    before = graph.edge_alive
    flagged = jnp.zeros_like(before)

    if cfg.edge_growth:
        flagged = unstable_edges(cfg, graph, window)
        # lax.cond: skipped when nothing is flagged (unless vmapped, where both branches run and one is selected)
        graph, relays, no_free_slot, by_check_cap = jax.lax.cond(
            flagged.any(), lambda g: _relays(cfg, layout, g, flagged, relay_key),
            lambda g: (g, *(jnp.zeros((), jnp.int32),) * 3), graph)
        events = events._replace(flagged=flagged.sum(), relays=relays, dropped_no_free_slot=no_free_slot,
                                 dropped_by_check_cap=by_check_cap)

    if cfg.random_growth:
        triggered = jax.random.bernoulli(trigger_key, cfg.p_rand)
        grown, added, no_free_slot, by_check_cap = jax.lax.cond(
            triggered, lambda g: _random(cfg, layout, g, random_key),
            lambda g: (g, *(jnp.zeros((), jnp.int32),) * 3), graph)
        graph = grown
        events = events._replace(
            random_edges=jnp.where(triggered, added, 0),
            dropped_no_free_slot=events.dropped_no_free_slot + jnp.where(triggered, no_free_slot, 0),
            dropped_by_check_cap=events.dropped_by_check_cap + jnp.where(triggered, by_check_cap, 0),
        )

    restart = (before != graph.edge_alive) | flagged  # a split edge must earn a new full window
    return graph, clear_edges(window, restart), restart, events


def prune_step(cfg: SPMConfig, layout: Layout, graph: Graph, window: Window, key: jax.Array):
    """The SPM on a pruning step, t mod s = 0 (docs/method/smgrnn.md#structural-clock): prune a fraction
    eta of the candidates W_t, then remove orphans repeatedly.

    Returns (graph, window, removed mask, events); removed edges have their window cleared.
    """
    events = Events.zero()
    if not cfg.prune:
        return graph, window, jnp.zeros_like(graph.edge_alive), events
    before = graph.edge_alive
    candidates = prune_candidates(cfg, graph, window)
    graph, _, pruned, guard = prune_edges(cfg, layout, graph, candidates, key)
    graph, _, orphans = remove_orphans(layout, graph)
    events = events._replace(pruned=pruned, output_guard=guard, orphans=orphans)
    removed = before & ~graph.edge_alive
    return graph, clear_edges(window, removed), removed, events
