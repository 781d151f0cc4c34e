"""Capacity buckets: a graph that starts small and moves to larger buckets gives the numbers of one started large;
random growth samples the candidate pool without building it."""

import itertools
import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from plasticnets.experts.policy import ActorCritic
from plasticnets.smgrnn import capacity, spm
from plasticnets.smgrnn import graph as g
from plasticnets.smgrnn.distill import DistillConfig, distill
from plasticnets.smgrnn.student import GraphStudent
from tests.test_smgrnn_spm import cfg, make_graph

EXPERT = ActorCritic(jax.random.PRNGKey(7), 4, 2)
# Pruning off and eager random growth: the graph outgrows the first buckets within a few hundred steps.
GROWING = spm.SPMConfig(window=20, check_every=10, lambda_edge=1e-3, tau_w=0.05, prune=False, p_rand=0.5,
                        rho_rand=0.05, max_relays_per_check=2, max_random_edges_per_check=4)
LIMIT = g.Layout(4, 2, 1024, 8192)


def same_runs(a, b):
    for key in a.steps:
        np.testing.assert_array_equal(a.steps[key], b.steps[key], err_msg=key)
    for key in a.checks:
        np.testing.assert_array_equal(a.checks[key], b.checks[key], err_msg=key)
    # The final graphs agree slot by slot; the larger one's extra slots are dead.
    small, large = a.state.graph, b.state.graph
    for name in ("src", "dst", "weight", "edge_alive", "node_alive"):
        x, y = np.asarray(getattr(small, name)), np.asarray(getattr(large, name))
        np.testing.assert_array_equal(x, y[: len(x)], err_msg=name)
        assert not np.asarray(y[len(x):]).any(), name
    alive = np.asarray(small.edge_alive)
    pairs = set(zip(np.asarray(small.src)[alive].tolist(), np.asarray(small.dst)[alive].tolist()))
    assert len(pairs) == alive.sum()  # live edges stay distinct pairs (spm.pool_size relies on it)


def test_a_run_that_moves_to_larger_buckets_equals_one_started_at_the_limit(caplog):
    student = GraphStudent(LIMIT, GROWING, lr=1e-2)
    cfg_ = DistillConfig(total_steps=400, chunk_blocks=8)
    with caplog.at_level(logging.INFO, logger="plasticnets.smgrnn.distill"):
        (grown,) = distill("CartPole-v1", student.starting_small(), cfg_, EXPERT, [1])
    (fixed,) = distill("CartPole-v1", student, cfg_, EXPERT, [1])
    same_runs(grown, fixed)
    moves = grown.capacity["moves"]
    assert len(moves) >= 2 and grown.capacity["start"] == {"hidden_slots": 64, "edge_slots": 512}
    assert grown.student.layout.max_edges == moves[-1]["edge_slots"] < LIMIT.max_edges  # never needed the limit
    assert int(grown.checks["edges"][-1]) > 512  # it did outgrow the first bucket
    assert grown.checks["dropped_no_free_slot"].sum() == 0
    assert sum("capacity bucket ->" in r.getMessage() for r in caplog.records) == len(moves)
    assert fixed.capacity["moves"] == [] and fixed.capacity["chunks_rerun"] == 0


def test_the_host_loop_moves_buckets_ahead_of_one_blocks_worst_case_growth():
    teacher = ActorCritic(jax.random.PRNGKey(0), 8, 4)
    limit = g.Layout(8, 4, 1024, 8192)
    student = GraphStudent(limit, GROWING, lr=1e-2)
    cfg_ = DistillConfig(total_steps=150)
    (grown,) = distill("LunarLander-v3", student.starting_small(), cfg_, teacher, [0])
    (fixed,) = distill("LunarLander-v3", student, cfg_, teacher, [0])
    same_runs(grown, fixed)
    hidden, edges = student.block_reserve()
    assert (hidden, edges) == (9 * 2, 9 * (2 * 2 + 4))
    assert grown.capacity["moves"] and grown.capacity["chunks_rerun"] == 0


def test_buckets_double_from_the_base_up_to_the_limit():
    limit = g.Layout(4, 2, 1000, 5000)
    assert capacity.bucket(limit, 10, 100) == g.Layout(4, 2, 64, 512)
    assert capacity.bucket(limit, 65, 513) == g.Layout(4, 2, 128, 1024)
    assert capacity.bucket(limit, 900, 4097) == g.Layout(4, 2, 1000, 5000)  # capped at the limit
    assert capacity.bucket(limit, 10, 100, fixed_nodes=True).max_hidden == 1000
    assert capacity.larger(g.Layout(4, 2, 64, 4096), g.Layout(4, 2, 100, 5000)) == g.Layout(4, 2, 100, 5000)


def test_padding_a_state_gives_the_state_initialised_in_the_larger_bucket():
    student = GraphStudent(g.Layout(4, 2, 256, 2048), GROWING, initial_hidden=3)
    small = student.starting_small()
    key = jax.random.PRNGKey(11)
    moved, state = small.moved(small.init(key), student.layout)
    assert moved.layout == student.layout
    jax.tree.map(np.testing.assert_array_equal, state, student.init(key))


@pytest.mark.parametrize("dense", [False, True])
def test_propagation_is_bit_identical_after_padding_the_edge_slots(dense):
    layout = g.Layout(4, 2, 16, 128)
    graph = g.initial_graph(jax.random.PRNGKey(0), layout, 0.8, 1.0, initial_hidden=8)
    wide = g.Layout(4, 2, 16 if dense else 64, 1024)
    padded = capacity.pad_graph(graph, wide)
    obs = jnp.array([0.1, -0.4, 0.3, 1.0])
    f = lambda lay, gr, w: g.logits(lay, gr, w, obs, 5, dense=dense).sum()  # noqa: E731
    np.testing.assert_array_equal(f(layout, graph, graph.weight), f(wide, padded, padded.weight))
    np.testing.assert_array_equal(jax.grad(f, 2)(layout, graph, graph.weight),
                                  jax.grad(f, 2)(wide, padded, padded.weight)[:128])


def _pool(config, layout, graph):
    pool = np.asarray(spm.candidate_pool(config, layout, graph))
    return [tuple(p) for p in np.argwhere(pool).tolist()]


@pytest.mark.parametrize("self_loops", [True, False])
def test_random_growth_draws_uniformly_without_replacement_from_the_pool(self_loops):
    # 2 inputs, 1 output, hidden 3 and 5 alive (4 dead): 5 sources, 3 targets; three live edges; m = 2.
    layout = g.Layout(2, 1, max_hidden=3, max_edges=16)
    graph = make_graph([(0, 2, 0.5), (3, 2, 0.5), (2, 3, 0.5)], hidden_alive=[3, 5], layout=layout)
    config = cfg(random_growth=True, rho_rand=0.5, max_random_edges_per_check=4, allow_self_loops=self_loops)
    pool = _pool(config, layout, graph)
    assert int(spm.pool_size(config, layout, graph)) == len(pool) == 5 * 3 - (0 if self_loops else 3) - 3
    draws = 20000
    grown, new, added, _, _ = jax.vmap(lambda k: spm.grow_random(config, layout, graph, k))(
        jax.random.split(jax.random.PRNGKey(3), draws))
    assert (np.asarray(added) == 2).all() and np.asarray(new)[:, 3:5].all()  # the first free slots: 3 and 4
    pairs = np.stack([np.asarray(grown.src)[:, 3:5], np.asarray(grown.dst)[:, 3:5]], -1)
    subsets = [frozenset(map(tuple, row.tolist())) for row in pairs]
    assert all(len(s) == 2 and s <= set(pool) for s in subsets)  # distinct, allowed, absent, between alive nodes
    counts = np.array([subsets.count(frozenset(c)) for c in itertools.combinations(pool, 2)])
    # Uniform without replacement: every 2-subset of the pool equally likely.
    assert stats.chisquare(counts).pvalue > 1e-3, counts


def test_random_growth_takes_the_last_absent_pair_and_then_stops():
    layout = g.Layout(2, 1, max_hidden=0, max_edges=8)
    config = cfg(random_growth=True, rho_rand=0.0, allow_self_loops=True)
    graph = make_graph([(0, 2, 0.5), (1, 2, 0.5)], layout=layout)  # absent: only 2 -> 2
    graph, new, added, dropped, _ = spm.grow_random(config, layout, graph, jax.random.PRNGKey(0))
    assert int(added) == 1 and (int(graph.src[2]), int(graph.dst[2])) == (2, 2) and int(dropped) == 0
    _, _, added, dropped, capped = spm.grow_random(config, layout, graph, jax.random.PRNGKey(1))
    assert (int(added), int(dropped), int(capped)) == (0, 0, 0)  # an empty pool asks for nothing


@pytest.mark.parametrize("size,p", [(1, 1.0), (63, 0.5), (64, 0.1), (200, 0.02), (1000, 0.9), (12_288, 0.3)])
def test_select_true_finds_the_rank_th_true_entry(size, p):
    mask = np.asarray(jax.random.bernoulli(jax.random.PRNGKey(size), p, (size,)))
    where = np.flatnonzero(mask)
    ranks = np.arange(len(where))
    np.testing.assert_array_equal(np.asarray(spm.select_true(jnp.asarray(mask), jnp.asarray(ranks))), where)
    idx, exists = spm._first_free(jnp.asarray(mask), 40)
    assert np.asarray(exists).sum() == min(40, len(where))
    np.testing.assert_array_equal(np.asarray(idx)[: len(where[:40])], where[:40])


@pytest.mark.parametrize("count", [0, 1, 3, 7, 10])
def test_smallest_keys_equal_a_stable_sort_ties_included(count):
    rng = np.random.default_rng(count)
    mask = rng.random(300) < 0.05
    mask[:10] = True  # enough candidates for every count
    keys = rng.integers(0, 4, 300).astype(np.uint32)  # many ties
    keys[10] = 2**32 - 1  # the largest key
    order = [i for i in np.argsort(keys, kind="stable") if mask[i]][:count]
    expected = np.zeros(300, bool)
    expected[order] = True
    got = spm.smallest(jnp.asarray(mask), jnp.asarray(keys), jnp.int32(count))
    np.testing.assert_array_equal(np.asarray(got), expected)
