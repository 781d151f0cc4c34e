"""SMGrNN graph and Structural Plasticity Module on hand-built graphs with known histories."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from plasticnets.smgrnn import graph as g
from plasticnets.smgrnn import spm
from plasticnets.smgrnn.student import GraphState, GraphStudent, edge_adam, reset_edge_moments

# 2 inputs (0, 1), 1 output (2), hidden slots 3..5
LAYOUT = g.Layout(num_inputs=2, num_outputs=1, max_hidden=3, max_edges=12)


def make_graph(edges, hidden_alive=(), layout=LAYOUT):
    """edges: list of (src, dst, weight) placed in the first slots."""
    n = len(edges)
    src = np.zeros(layout.max_edges, np.int32)
    dst = np.zeros(layout.max_edges, np.int32)
    w = np.zeros(layout.max_edges, np.float32)
    for k, (i, j, wk) in enumerate(edges):
        src[k], dst[k], w[k] = i, j, wk
    alive = np.arange(layout.num_nodes) < layout.first_hidden
    alive[list(hidden_alive)] = True
    return g.Graph(jnp.asarray(alive), jnp.asarray(src), jnp.asarray(dst), jnp.asarray(w),
                   jnp.asarray(np.arange(layout.max_edges) < n))


def cfg(**overrides):
    base = dict(window=4, check_every=2, edge_growth=False, random_growth=False, prune=False,
                lambda_edge=1e-3, tau_w=0.01, tau_delta=1e-4, eta_prune=1.0, new_edge_scale=0.05,
                max_relays_per_check=2, max_random_edges_per_check=4)
    base.update(overrides)
    return spm.SPMConfig(**base)


def fill_window(window, updates_per_step, alive):
    """Push a known history of updates (list of per-edge vectors), committing blocks as training does."""
    block = window.updates.pending_new.shape[0]
    for t, delta in enumerate(updates_per_step):
        window = spm.push(window, jnp.asarray(delta, jnp.float32), alive)
        if (t + 1) % block == 0:
            window = spm.end_block(window)
    return window


@pytest.mark.parametrize("dense", [True, False])
def test_forward_matches_hand_computation(dense):
    # in0 -> h3 (0.5), in1 -> h3 (-1), h3 -> out (2), in0 -> out (0.3), h3 -> h3 (0.1, a self-loop)
    graph = make_graph([(0, 3, 0.5), (1, 3, -1.0), (3, 2, 2.0), (0, 2, 0.3), (3, 3, 0.1)], hidden_alive=[3])
    obs = jnp.array([1.0, 0.2])
    h1 = np.tanh(0.5 * 1 - 1 * 0.2)  # step 1: h3 from the inputs, output sees h3 = 0
    out1 = 0.3
    h2 = np.tanh(0.5 - 0.2 + 0.1 * h1)
    out2 = 0.3 + 2.0 * h1  # step 2: output sees h3 after step 1 (identity activation)
    out3 = 0.3 + 2.0 * h2
    for steps, expected in [(1, out1), (2, out2), (3, out3)]:
        logits = g.logits(LAYOUT, graph, graph.weight, obs, steps, dense=dense)
        np.testing.assert_allclose(logits, [expected], rtol=1e-6)


def test_dense_and_sparse_forward_agree_with_gradients():
    layout = g.Layout(4, 2, 16, 64)
    graph = g.initial_graph(jax.random.PRNGKey(0), layout, 0.8, 1.0, initial_hidden=8)
    obs = jnp.array([0.1, -0.4, 0.3, 1.0])
    f = lambda w, dense: g.logits(layout, graph, w, obs, 5, dense=dense).sum()  # noqa: E731
    np.testing.assert_allclose(f(graph.weight, True), f(graph.weight, False), rtol=1e-5)
    np.testing.assert_allclose(jax.grad(f)(graph.weight, True), jax.grad(f)(graph.weight, False), rtol=1e-4, atol=1e-6)


def test_initial_graph_follows_the_seed():
    layout = g.Layout(4, 2, 8, 64)
    graph = g.initial_graph(jax.random.PRNGKey(3), layout, density=0.8, init_scale=1.0)
    alive = np.asarray(graph.edge_alive)
    dst, src = np.asarray(graph.dst)[alive], np.asarray(graph.src)[alive]
    assert g.num_hidden(layout, graph) == 0
    assert np.all(dst >= layout.num_inputs)  # nothing into an input
    assert np.all(src < layout.first_hidden) and np.all(dst < layout.first_hidden)
    assert 0 < alive.sum() <= 4 * 2 + 2 * 2  # allowed pairs: in->out and out->out (self-loops allowed)
    assert np.all(np.abs(np.asarray(graph.weight)[alive]) <= 1.0)


def test_removed_edges_have_zero_weight_and_zero_gradient():
    graph = make_graph([(0, 2, 0.7), (1, 2, -0.4)])
    graph = spm.remove_edges(graph, jnp.asarray(np.arange(12) == 1))
    assert float(graph.weight[1]) == 0.0 and not bool(graph.edge_alive[1])
    grad = jax.grad(lambda w: g.logits(LAYOUT, graph, w + 0.5, jnp.array([1.0, 1.0]), 3).sum())(graph.weight)
    assert float(grad[1]) == 0.0 and float(grad[0]) != 0.0


def test_window_running_sums_equal_the_last_T_updates():
    window = spm.empty_window(LAYOUT, window=4, block=2)
    alive = jnp.asarray(np.arange(12) < 2)
    history = [np.r_[k, -k, np.zeros(10)] * 1.0 for k in range(1, 10)]  # 9 steps, window keeps the last 4
    window = fill_window(window, history, alive)
    mean, var, eligible = spm.statistics(window)
    last = np.array(history[-4:])
    np.testing.assert_allclose(mean[:2], last[:, :2].mean(0), rtol=1e-6)
    np.testing.assert_allclose(var[:2], last[:, :2].var(0), rtol=1e-5)
    assert bool(eligible[0]) and not bool(eligible[5])


def test_an_unstable_edge_gets_exactly_one_relay():
    graph = make_graph([(0, 2, 0.5), (1, 2, 0.5)])
    alive = graph.edge_alive
    # Edge 0 oscillates around zero (unstable); edge 1 moves steadily (stable).
    history = [np.r_[0.01 * (-1) ** t, 0.01, np.zeros(10)] for t in range(4)]
    window = fill_window(spm.empty_window(LAYOUT, 4, 2), history, alive)
    config = cfg(edge_growth=True)
    flagged = spm.unstable_edges(config, graph, window)
    assert np.flatnonzero(np.asarray(flagged)).tolist() == [0]

    new_graph, window, changed, events = spm.growth_step(config, LAYOUT, graph, window, jax.random.PRNGKey(0))
    assert int(events.relays) == 1 and int(events.flagged) == 1
    assert int(g.num_hidden(LAYOUT, new_graph)) == 1
    relay = LAYOUT.first_hidden  # the first free hidden slot
    edges = {(int(s), int(d)): float(w) for s, d, w, a in zip(new_graph.src, new_graph.dst, new_graph.weight, new_graph.edge_alive) if a}
    assert (0, 2) in edges and (1, 2) in edges  # original edges kept
    assert (0, relay) in edges and (relay, 2) in edges  # parallel path i -> relay -> j
    assert abs(edges[(0, relay)]) <= 0.05 and abs(edges[(relay, 2)]) <= 0.05
    # restart: the two new edges and the split edge 0 (new window and fresh optimizer state); edge 1 untouched
    assert np.flatnonzero(np.asarray(changed)).tolist() == [0, 2, 3]
    assert int(window.count[0]) == 0 and int(window.count[1]) == 4

    # Right after, the split edge has no full window, so it cannot trigger again.
    again, _, _, events = spm.growth_step(config, LAYOUT, new_graph, window, jax.random.PRNGKey(1))
    assert int(events.relays) == 0


def test_relay_growth_counts_requests_with_no_free_slot():
    layout = g.Layout(2, 1, max_hidden=1, max_edges=12)
    graph = make_graph([(0, 2, 0.5), (1, 2, 0.5)], layout=layout)
    history = [np.r_[0.01 * (-1) ** t, -0.01 * (-1) ** t, np.zeros(10)] for t in range(4)]
    window = fill_window(spm.empty_window(layout, 4, 2), history, graph.edge_alive)
    _, _, _, events = spm.growth_step(cfg(edge_growth=True), layout, graph, window, jax.random.PRNGKey(0))
    assert int(events.flagged) == 2 and int(events.relays) == 1 and int(events.dropped_no_free_slot) == 1
    assert int(events.dropped_by_check_cap) == 0


def test_relay_growth_counts_requests_beyond_the_check_cap_apart():
    layout = g.Layout(2, 1, max_hidden=1, max_edges=12)
    graph = make_graph([(0, 2, 0.5), (1, 2, 0.5), (2, 2, 0.5)], layout=layout)
    history = [np.r_[0.01 * (-1) ** t, -0.01 * (-1) ** t, 0.01 * (-1) ** t, np.zeros(9)] for t in range(4)]
    window = fill_window(spm.empty_window(layout, 4, 2), history, graph.edge_alive)
    _, _, _, events = spm.growth_step(cfg(edge_growth=True), layout, graph, window, jax.random.PRNGKey(0))
    # 3 requests, cap 2: one is beyond the cap; of the two tried, one finds the only hidden slot taken
    assert int(events.flagged) == 3 and int(events.relays) == 1
    assert int(events.dropped_by_check_cap) == 1 and int(events.dropped_no_free_slot) == 1


def test_a_weak_stalled_edge_is_pruned_and_others_survive():
    # edge 0: weak and stalled -> pruned; edge 1: weak but moving; edge 2: strong and stalled
    graph = make_graph([(0, 2, 0.005), (1, 2, 0.005), (0, 2, 0.8)])
    history = [np.r_[0.0, 0.01, 0.0, np.zeros(9)] for _ in range(4)]
    window = fill_window(spm.empty_window(LAYOUT, 4, 2), history, graph.edge_alive)
    new_graph, _, _, events = spm.prune_step(cfg(prune=True), LAYOUT, graph, window, jax.random.PRNGKey(0))
    assert int(events.pruned) == 1
    assert np.asarray(new_graph.edge_alive)[:3].tolist() == [False, True, True]
    assert float(new_graph.weight[0]) == 0.0


def test_pruning_never_disconnects_an_output():
    graph = make_graph([(0, 2, 0.005)])  # the output's only incoming edge, weak and stalled
    window = fill_window(spm.empty_window(LAYOUT, 4, 2), [np.zeros(12)] * 4, graph.edge_alive)
    new_graph, _, _, events = spm.prune_step(cfg(prune=True), LAYOUT, graph, window, jax.random.PRNGKey(0))
    assert int(events.pruned) == 0 and int(events.output_guard) == 1 and bool(new_graph.edge_alive[0])


def test_an_orphan_chain_is_removed():
    # in0 -> h3 -> h4, and h4 has no outgoing edge: h4 is an orphan, then h3 becomes one.
    # h5 has a self-loop only: self-loops do not count as degree.
    graph = make_graph([(0, 2, 1.0), (0, 3, 1.0), (3, 4, 1.0), (5, 5, 1.0), (5, 2, 1.0)], hidden_alive=[3, 4, 5])
    new_graph, removed, orphans = spm.remove_orphans(LAYOUT, graph)
    assert int(orphans) == 3
    assert np.asarray(new_graph.node_alive).tolist() == [True, True, True, False, False, False]
    assert np.asarray(new_graph.edge_alive)[:5].tolist() == [True, False, False, False, False]
    assert np.asarray(removed)[:5].tolist() == [False, True, True, True, True]


def test_random_growth_never_adds_a_forbidden_or_duplicate_edge():
    layout = g.Layout(3, 2, max_hidden=4, max_edges=40)
    graph = make_graph([(0, 3, 1.0), (3, 5, 1.0), (5, 4, 1.0)], hidden_alive=[5, 6], layout=layout)
    config = cfg(random_growth=True, p_rand=1.0, rho_rand=0.5, allow_self_loops=False, max_random_edges_per_check=8)
    key = jax.random.PRNGKey(0)
    for _ in range(12):
        key, sub = jax.random.split(key)
        graph, _, added, _, _ = spm.grow_random(config, layout, graph, sub)
        alive = np.asarray(graph.edge_alive)
        src, dst = np.asarray(graph.src)[alive], np.asarray(graph.dst)[alive]
        assert np.all(dst >= layout.num_inputs), "an edge into an input node"
        assert np.all(src != dst), "a self-loop although they are disallowed"
        assert len(set(zip(src, dst))) == len(src), "a duplicate edge"
        node_alive = np.asarray(graph.node_alive)
        assert node_alive[src].all() and node_alive[dst].all(), "an edge to a dead node"
    # 7 alive nodes, 3 inputs: 7*4 allowed targets minus 4 self-loops = 24 possible edges, all added by now
    assert int(graph.edge_alive.sum()) == 24


def test_optimizer_state_restarts_only_for_changed_edges():
    weight = jnp.ones(6)
    opt = edge_adam(1e-3)
    state = opt.init(weight)
    _, state = opt.update(jnp.arange(6.0), state, weight)
    changed = jnp.asarray([False, True, False, False, True, False])
    new = reset_edge_moments(state, changed)
    assert float(new.mu[1]) == float(new.nu[4]) == 0.0 and new.count.tolist() == [1, 0, 1, 1, 0, 1]
    assert float(new.mu[2]) == float(state.mu[2]) and float(new.nu[5]) == float(state.nu[5])


def test_edge_adam_is_optax_adam_while_nothing_restarts():
    grads = jax.random.normal(jax.random.PRNGKey(0), (20, 5))
    ours, ref = edge_adam(1e-3), optax.adam(1e-3)
    w = jnp.zeros(5)
    s1, s2 = ours.init(w), ref.init(w)
    for grad in grads:
        u1, s1 = ours.update(grad, s1, w)
        u2, s2 = ref.update(grad, s2, w)
        np.testing.assert_allclose(u1, u2, rtol=1e-5, atol=1e-12)


def test_a_new_edge_is_bias_corrected_from_its_own_first_step():
    lr = 1e-3
    opt = edge_adam(lr)
    w = jnp.zeros(3)
    state = opt.init(w)
    for grad in jax.random.normal(jax.random.PRNGKey(1), (3000, 3)):  # a long history for every edge
        _, state = opt.update(grad, state, w)
    state = reset_edge_moments(state, jnp.asarray([False, True, False]))  # slot 1 now holds a new edge
    update, _ = opt.update(jnp.asarray([0.3, 0.3, 0.3]), state, w)
    # Fresh Adam's first step is lr * g / (|g| + eps) = lr; with the global count (3001) it would be about
    # lr * 0.1 / sqrt(0.001) = 3.2 lr.
    np.testing.assert_allclose(float(update[1]), -lr, rtol=1e-4)
    stale = optax.adam(lr)
    s = stale.init(w)
    for grad in jax.random.normal(jax.random.PRNGKey(1), (3000, 3)):
        _, s = stale.update(grad, s, w)
    s = (s[0]._replace(mu=s[0].mu.at[1].set(0.0), nu=s[0].nu.at[1].set(0.0)), *s[1:])
    assert abs(float(stale.update(jnp.full(3, 0.3), s, w)[0][1])) > 2.5 * lr  # what the global count did


def test_growth_restarts_the_optimizer_state_of_new_and_split_edges():
    graph = make_graph([(0, 2, 0.5), (1, 2, 0.5)])
    history = [np.r_[0.01 * (-1) ** t, 0.01, np.zeros(10)] for t in range(4)]
    window = fill_window(spm.empty_window(LAYOUT, 4, 2), history, graph.edge_alive)
    student = GraphStudent(LAYOUT, cfg(edge_growth=True))
    opt = student.optimizer.init(graph.weight)
    opt = opt._replace(count=jnp.full(12, 50), mu=jnp.full(12, 0.1), nu=jnp.full(12, 0.2))
    new, events = student.growth_step(GraphState(graph, window, opt), jax.random.PRNGKey(0))
    assert int(events.relays) == 1
    assert np.asarray(new.opt_state.count)[:4].tolist() == [0, 50, 0, 0]  # split edge 0, new 2 and 3
    assert np.asarray(new.opt_state.mu)[:4].tolist() == pytest.approx([0.0, 0.1, 0.0, 0.0])


def test_window_larger_than_block_is_required():
    with pytest.raises(ValueError, match="check_every"):
        GraphStudent(LAYOUT, cfg(window=4, check_every=8)).init(jax.random.PRNGKey(0))


def test_pruning_candidates_W_t_on_both_sides_of_each_threshold():
    # tau_w = 0.01, tau_delta = 1e-4; slot: (weight, steady update per step)
    cases = [(-0.005, 0.5e-4, True),  # weak, stalled
             (0.005, -0.5e-4, True),  # |mu| with a negative mean
             (0.02, 0.0, False),  # |w| > tau_w
             (-0.02, 0.0, False),  # |w| > tau_w with a negative weight
             (0.005, 2e-4, False),  # |mu| > tau_delta
             (0.005, -2e-4, False)]  # |mu| > tau_delta with a negative mean
    graph = make_graph([(0, 2, w) for w, _, _ in cases])
    steady = np.r_[[mu for _, mu, _ in cases], np.zeros(12 - len(cases))]
    window = fill_window(spm.empty_window(LAYOUT, 4, 2), [steady] * 4, graph.edge_alive)
    found = np.asarray(spm.prune_candidates(cfg(), graph, window))[: len(cases)]
    assert found.tolist() == [expected for _, _, expected in cases]
    # Not eligible before a full window: three samples are not enough
    short = fill_window(spm.empty_window(LAYOUT, 4, 2), [steady] * 3, graph.edge_alive)
    assert not np.asarray(spm.prune_candidates(cfg(), graph, short)).any()


def _weak_stalled(n_candidates, layout):
    """n weak, stalled edges into the output plus one strong edge (so the output guard never fires)."""
    graph = make_graph([(0, 2, 0.005)] * n_candidates + [(1, 2, 0.8)], layout=layout)
    window = fill_window(spm.empty_window(layout, 4, 2), [np.zeros(layout.max_edges)] * 4, graph.edge_alive)
    return graph, window


@pytest.mark.parametrize("n,eta,expected", [(10, 0.8, 8), (10, 0.7, 7), (10, 0.5, 5), (5, 0.8, 4), (2, 0.8, 1),
                                            (1, 0.8, 0), (10, 1.0, 10), (10, 0.0, 0)])
def test_pruning_removes_exactly_floor_eta_of_the_candidates(n, eta, expected):
    layout = g.Layout(2, 1, 3, 24)
    graph, window = _weak_stalled(n, layout)
    config = cfg(prune=True, eta_prune=eta)
    counts = jax.vmap(lambda k: spm.prune_step(config, layout, graph, window, k)[3].pruned)(
        jax.random.split(jax.random.PRNGKey(0), 50))
    assert set(np.asarray(counts).tolist()) == {expected}  # every draw: the fraction, never a random number


def test_pruned_candidates_are_chosen_uniformly():
    layout = g.Layout(2, 1, 3, 24)
    graph, window = _weak_stalled(10, layout)
    config = cfg(prune=True, eta_prune=0.5)
    alive = jax.vmap(lambda k: spm.prune_step(config, layout, graph, window, k)[0].edge_alive)(
        jax.random.split(jax.random.PRNGKey(1), 4000))
    removed = 1 - np.asarray(alive)[:, :10].mean(0)
    np.testing.assert_allclose(removed, 0.5, atol=0.04)  # each candidate equally likely
    assert np.asarray(alive)[:, 10].all()  # the strong edge is never pruned


def _oscillating(mean, spread):
    """A T = 4 history per edge with the given mean and population standard deviation: mean +- spread."""
    return [np.r_[mean + spread * (-1) ** t, np.zeros(11)] for t in range(4)]


@pytest.mark.parametrize("mean,lambda_edge,unstable", [
    (0.0, 1e-3, True),  # pure oscillation
    (0.004, 1e-3, True),  # |mu| = 0.4 sigma < 0.5 sigma
    (0.006, 1e-3, False),  # |mu| = 0.6 sigma
    (-0.004, 1e-3, True),  # |mu| uses the absolute value
    (-0.006, 1e-3, False),  # a negative mean is not automatically unstable
    (0.004, 0.02, True),  # sigma^2 = 1e-4 > lambda |mu| = 8e-5
    (0.004, 0.03, False),  # sigma^2 = 1e-4 < lambda |mu| = 1.2e-4, although |mu| < 0.5 sigma
    (-0.004, 0.03, False),  # the same with a negative mean: lambda * |mu|, not lambda * mu
])
def test_instability_criterion_on_both_sides_of_each_inequality(mean, lambda_edge, unstable):
    graph = make_graph([(0, 2, 0.5)])
    window = fill_window(spm.empty_window(LAYOUT, 4, 2), _oscillating(mean, 0.01), graph.edge_alive)
    mu, var, _ = spm.statistics(window)
    np.testing.assert_allclose([float(mu[0]), float(var[0])], [mean, 1e-4], rtol=1e-3, atol=1e-9)
    flagged = spm.unstable_edges(cfg(lambda_edge=lambda_edge), graph, window)
    assert bool(flagged[0]) == unstable
    assert int(spm.growth_step(cfg(edge_growth=True, lambda_edge=lambda_edge), LAYOUT, graph, window,
                               jax.random.PRNGKey(0))[3].relays) == int(unstable)


def test_an_edge_without_a_full_window_is_never_unstable():
    graph = make_graph([(0, 2, 0.5)])
    window = fill_window(spm.empty_window(LAYOUT, 4, 2), _oscillating(0.0, 0.01)[:3], graph.edge_alive)
    assert not bool(spm.unstable_edges(cfg(), graph, window)[0])


@pytest.mark.parametrize("hidden,rho,m", [(0, 0.02, 1), (0, 0.5, 1), (0, 0.7, 2), (7, 0.35, 3), (7, 0.29, 2)])
def test_random_growth_adds_m_equal_max_floor_rho_n_and_1(hidden, rho, m):
    layout = g.Layout(2, 1, max_hidden=8, max_edges=60)
    graph = make_graph([], hidden_alive=range(3, 3 + hidden), layout=layout)  # N = 3 + hidden alive nodes
    config = cfg(random_growth=True, rho_rand=rho, max_random_edges_per_check=8)
    _, new_edges, added, _, _ = spm.grow_random(config, layout, graph, jax.random.PRNGKey(0))
    assert int(added) == int(new_edges.sum()) == m


@pytest.mark.parametrize("p_rand", [0.0, 0.25, 1.0])
def test_random_growth_fires_with_probability_p_rand_per_growth_step(p_rand):
    graph = make_graph([(0, 2, 0.5)])
    window = spm.empty_window(LAYOUT, 4, 2)
    config = cfg(random_growth=True, p_rand=p_rand)
    added = jax.vmap(lambda k: spm.growth_step(config, LAYOUT, graph, window, k)[3].random_edges)(
        jax.random.split(jax.random.PRNGKey(2), 4000))
    assert set(np.asarray(added).tolist()) <= {0, 1}
    np.testing.assert_allclose(np.asarray(added).mean(), p_rand, atol=0.02)


def test_initial_density_is_0_8_over_many_draws():
    from plasticnets.families import load_project_config
    from plasticnets.smgrnn.run import build_student
    from plasticnets.smgrnn.variants import resolve
    from tests.test_config import DEFAULT

    student = build_student("CartPole-v1", resolve(load_project_config([DEFAULT])["smgrnn"], "CartPole-v1", "full"))
    graphs = jax.vmap(lambda k: student.init(k).graph)(jax.random.split(jax.random.PRNGKey(4), 2000))
    pairs = 4 * 2 + 2 * 2  # input -> output, output -> output (self-loops included): 12 allowed pairs
    edges = np.asarray(graphs.edge_alive).sum(1)
    assert edges.max() <= pairs and not np.asarray(graphs.node_alive)[:, student.layout.first_hidden:].any()
    # mean of 2,000 binomial(12, 0.8) counts / 12: standard error 0.0026
    np.testing.assert_allclose(edges.mean() / pairs, 0.8, atol=0.012)
    assert (edges < pairs).mean() > 0.9  # P(all 12 present) = 0.8^12 = 0.07


def test_pruning_thresholds_are_inclusive():
    # Powers of two, so |w| = tau_w and |mu| = tau_delta hold exactly in float32.
    tau_w, tau_delta = 2.0**-7, 2.0**-14
    graph = make_graph([(0, 2, tau_w), (0, 2, -tau_w), (0, 2, 2 * tau_w), (0, 2, tau_w)])
    steady = np.r_[tau_delta, -tau_delta, 0.0, 2 * tau_delta, np.zeros(8)]
    window = fill_window(spm.empty_window(LAYOUT, 4, 2), [steady] * 4, graph.edge_alive)
    found = np.asarray(spm.prune_candidates(cfg(tau_w=tau_w, tau_delta=tau_delta), graph, window))[:4]
    assert found.tolist() == [True, True, False, False]


def test_a_relay_node_with_one_input_and_one_output_is_not_an_orphan():
    # in0 -> h3 -> out: in- and out-degree 1 each; h4 -> h4 -> out has only a self-loop in: an orphan
    graph = make_graph([(0, 3, 1.0), (3, 2, 1.0), (4, 4, 1.0), (4, 2, 1.0)], hidden_alive=[3, 4])
    new_graph, removed, orphans = spm.remove_orphans(LAYOUT, graph)
    assert int(orphans) == 1
    assert np.asarray(new_graph.node_alive)[3:5].tolist() == [True, False]
    assert np.asarray(removed)[:4].tolist() == [False, False, True, True]


def test_random_growth_step_adds_its_edges_and_counts_its_drops_only_when_triggered():
    graph = make_graph([(0, 2, 0.5)])
    window = spm.empty_window(LAYOUT, 4, 2)
    new, _, restart, events = spm.growth_step(cfg(random_growth=True, p_rand=1.0), LAYOUT, graph, window,
                                              jax.random.PRNGKey(0))
    assert int(events.random_edges) == 1 and int(new.edge_alive.sum()) == 2 and int(restart.sum()) == 1
    # Every edge slot taken (12 distinct pairs, 12 more absent): the triggered request is dropped for want of a
    # slot, and counted once
    full = make_graph([(i, j, 0.5) for i in range(6) for j in (2, 3)], hidden_alive=[3, 4, 5])
    for p_rand, dropped in [(1.0, 1), (0.0, 0)]:
        _, _, _, events = spm.growth_step(cfg(random_growth=True, p_rand=p_rand), LAYOUT, full, window,
                                          jax.random.PRNGKey(0))
        assert (int(events.random_edges), int(events.dropped_no_free_slot), int(events.dropped_by_check_cap)) == (0, dropped, 0)
    # More wanted than the per-step cap: m = floor(0.9 * 3) = 2, cap 1
    _, _, _, events = spm.growth_step(cfg(random_growth=True, p_rand=1.0, rho_rand=0.9, max_random_edges_per_check=1),
                                      LAYOUT, graph, window, jax.random.PRNGKey(0))
    assert (int(events.random_edges), int(events.dropped_no_free_slot), int(events.dropped_by_check_cap)) == (1, 0, 1)


def test_prune_step_with_pruning_off_changes_nothing():
    graph = make_graph([(0, 2, 0.005), (1, 2, 0.005)])
    window = fill_window(spm.empty_window(LAYOUT, 4, 2), [np.zeros(12)] * 4, graph.edge_alive)
    new, new_window, removed, events = spm.prune_step(cfg(prune=False, eta_prune=1.0), LAYOUT, graph, window,
                                                      jax.random.PRNGKey(0))
    assert np.array_equal(new.edge_alive, graph.edge_alive) and not np.asarray(removed).any()
    assert all(int(e) == 0 for e in events) and np.array_equal(new_window.count, window.count)


def test_initial_graph_defaults_allow_output_self_loops_and_check_capacity():
    layout = g.Layout(4, 2, 8, 64)
    edges = jax.vmap(lambda k: g.initial_graph(k, layout, 0.8, 1.0).edge_alive.sum())(
        jax.random.split(jax.random.PRNGKey(5), 300))
    assert int(edges.max()) == 12  # all 12 allowed pairs, the two output self-loops included
    assert int(g.num_hidden(layout, g.initial_graph(jax.random.PRNGKey(0), layout, 0.8, 1.0, initial_hidden=8))) == 8
    with pytest.raises(ValueError, match="initial_hidden"):
        g.initial_graph(jax.random.PRNGKey(0), layout, 0.8, 1.0, initial_hidden=9)


def test_initial_graph_at_density_one_holds_every_allowed_pair_once():
    layout = g.Layout(4, 2, 8, 64)
    graph = g.initial_graph(jax.random.PRNGKey(0), layout, 1.0, 1.0)
    alive = np.asarray(graph.edge_alive)
    pairs = sorted(zip(np.asarray(graph.src)[alive].tolist(), np.asarray(graph.dst)[alive].tolist()))
    assert pairs == [(i, j) for i in range(6) for j in (4, 5)]  # every source (inputs, outputs) to every output
