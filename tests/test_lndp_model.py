"""LNDP model: pieces against hand/numpy computations, the structural mask, the done
freeze, and population rollouts. The fast model against the official code's transcription
(reference.py): tests/test_lndp_parity.py."""

import functools
import subprocess
import sys
import textwrap

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from plasticnets.lndp.model import LNDP, gru_gates
from plasticnets.lndp.params import GRU, LNDPConfig, num_params, random_params, zero_params
from plasticnets.lndp.reference import Graph, graph_transformer, gru_cell, mlp_probability
from plasticnets.lndp.tasks import LifetimeTask, chunk_sizes, model_config

SMALL = LNDPConfig(obs_size=2, num_actions=2, n_nodes=7)  # 3 hidden nodes


def test_parameter_count_matches_the_official_model():
    # docs/method/lndp.md#evolved-parameters: 1918 without spontaneous activity, +O^2+3O with it.
    assert num_params(model_config("CartPole-v1")) == 1918
    assert num_params(model_config("CartPole-v1", dev_steps=5)) == 1946
    assert num_params(model_config("Acrobot-v1", dev_steps=5)) == 1972
    assert num_params(model_config("CartPole-v1", pruning=False)) == 1918 - 97
    assert num_params(model_config("CartPole-v1", synaptogenesis=False)) == 1918 - 289


def test_structural_mask_allows_only_input_hidden_hidden_output_edges():
    mask = SMALL.structural_mask()
    inputs, hidden, outputs = [0, 1], [2, 3, 4], [5, 6]
    expected = np.zeros((7, 7))
    for i in inputs + hidden:
        for j in hidden + outputs:
            expected[i, j] = 1.0
    for i in hidden:
        expected[i, i] = 0.0
    expected[np.ix_(inputs, outputs)] = 0.0
    np.testing.assert_array_equal(mask, expected)


def test_gru_matches_equinox_gru_cell():
    cell = eqx.nn.GRUCell(5, 3, key=jax.random.PRNGKey(0))
    params = GRU(cell.weight_ih, cell.weight_hh, cell.bias, cell.bias_n)
    x, h = jnp.arange(5.0) / 5 - 0.3, jnp.array([0.2, -0.5, 0.9])
    expected = cell(x, h)
    np.testing.assert_allclose(gru_cell(params, x, h), expected, rtol=1e-6)
    fast = gru_gates(params.weight_ih @ x + params.bias, params.weight_hh @ h, params.bias_n, h, axis=-1)
    np.testing.assert_allclose(fast, expected, rtol=1e-6)


def test_decision_mlp_against_numpy():
    p = random_params(jax.random.PRNGKey(1), SMALL).prune
    e = np.array([0.3, -0.2, 0.5, 0.1], dtype=np.float32)
    hidden = np.maximum(np.asarray(p.w1) @ e + np.asarray(p.b1), 0.0)
    expected = 1 / (1 + np.exp(-(np.asarray(p.w2) @ hidden + np.asarray(p.b2))[0]))
    np.testing.assert_allclose(mlp_probability(p, jnp.asarray(e)), expected, rtol=1e-5)


def _numpy_graph_transformer(gt, x, e, adjacency):
    """The official layer written with explicit loops: heads are strided slices,
    scores multiplied by the edge term, softmax over j, node j receives sum_i a_ij v_i."""
    gt = jax.tree.map(np.asarray, gt)
    n, heads = x.shape[0], 3
    q, k, v = x @ gt.query.T, x @ gt.key.T, x @ gt.value.T
    out = np.zeros((n, 8, heads))
    for h in range(heads):
        qh, kh, vh = q[:, h::heads], k[:, h::heads], v[:, h::heads]
        scores = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                feats = np.concatenate([e[i, j], [adjacency[i, j], adjacency[j, i], float(i == j)]])
                scores[i, j] = (qh[i] @ kh[j]) / 2.0 * (gt.edge.weight[h] @ feats + gt.edge.bias[h])
        alpha = np.exp(scores - scores.max(axis=1, keepdims=True))
        alpha /= alpha.sum(axis=1, keepdims=True)
        for j in range(n):
            out[j, :, h] = sum(alpha[i, j] * vh[i] for i in range(n))
    return out.reshape(n, -1) @ gt.out.weight.T + gt.out.bias


def test_graph_transformer_against_numpy_loops():
    params = random_params(jax.random.PRNGKey(2), SMALL, scale=0.5)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (7, SMALL.node_features)).astype(np.float32)
    adjacency = (rng.uniform(size=(7, 7)) < 0.4).astype(np.float32) * SMALL.structural_mask()
    e = rng.uniform(-1, 1, (7, 7, SMALL.edge_features)).astype(np.float32) * adjacency[..., None]
    expected = _numpy_graph_transformer(params.gt, x, e, adjacency)
    fast = LNDP(SMALL).graph_transformer(params, jnp.asarray(x), jnp.moveaxis(jnp.asarray(e), -1, 0), jnp.asarray(adjacency))
    edge_features = np.concatenate([e, adjacency[..., None], adjacency.T[..., None], np.eye(7)[..., None]], -1)
    direct = graph_transformer(params.gt, Graph(A=jnp.asarray(adjacency), h=jnp.asarray(x),
                                                e=jnp.asarray(edge_features))).h
    np.testing.assert_allclose(fast, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(direct, expected, rtol=1e-4, atol=1e-5)


def test_forward_pass_clamps_inputs_and_records_the_trace():
    model = LNDP(SMALL)
    state = model.init(zero_params(SMALL), jax.random.PRNGKey(0))
    w = jnp.zeros((7, 7)).at[0, 2].set(0.5).at[2, 5].set(-1.0)
    a, trace = model.forward(jnp.array([1.0, 2.0]), state._replace(w=w))
    # step 1: hidden 2 = tanh(0.5); step 2: output 5 = tanh(-tanh(0.5)); step 3 repeats.
    np.testing.assert_allclose(a[2], np.tanh(0.5), rtol=1e-6)
    np.testing.assert_allclose(a[5], np.tanh(-np.tanh(0.5)), rtol=1e-6)
    assert a[0] == 0.0  # inputs are not clamped after the last step
    assert trace.shape == (7, SMALL.trace_len)
    np.testing.assert_allclose(trace[0, :3], 1.0)
    np.testing.assert_allclose(trace[2], [0.0, np.tanh(0.5), np.tanh(0.5), np.tanh(0.5)], rtol=1e-6)


def test_mask_is_never_violated_and_removed_edges_carry_no_state():
    cfg = LNDPConfig(obs_size=2, num_actions=2, n_nodes=9, stochastic_decisions=True, dev_steps=3)
    model = LNDP(cfg)
    params = random_params(jax.random.PRNGKey(3), cfg, scale=1.0)
    mask = cfg.structural_mask()

    def step(state, key):
        key_obs, key_net = jax.random.split(key)
        _, new = model(params, jax.random.normal(key_obs, (2,)), state, key_net)
        return new, (new.A, new.e, state.A)

    state = model.init(params, jax.random.PRNGKey(4))
    _, (adjacency, edges, old_adjacency) = jax.lax.scan(step, state, jax.random.split(jax.random.PRNGKey(5), 300))
    adjacency, edges, old_adjacency = map(np.asarray, (adjacency, edges, old_adjacency))
    assert np.all(adjacency <= mask)
    assert np.all(edges[:, :, mask == 0] == 0.0)
    assert np.all(edges * (1 - old_adjacency[:, None]) == 0.0)  # the edge GRU is masked by the old A
    changes = np.abs(np.diff(adjacency, axis=0)).sum()
    assert changes > 0, "random parameters should add and remove edges"


def test_updates_freeze_when_the_episode_is_done():
    cfg = model_config("CartPole-v1")
    model = LNDP(cfg)
    params = random_params(jax.random.PRNGKey(6), cfg, scale=0.5)
    state = model.init(params, jax.random.PRNGKey(7))
    obs = jnp.array([0.1, 0.0, -0.1, 0.2])
    _, frozen = model(params, obs, state._replace(d=jnp.ones((1,))), jax.random.PRNGKey(8))
    for name in ("A", "h", "e", "w", "t"):
        np.testing.assert_array_equal(getattr(frozen, name), getattr(state, name))
    _, live = model(params, obs, state, jax.random.PRNGKey(8))
    assert live.t == state.t + 1 and not np.allclose(live.h, state.h)


def test_lifetime_updates_stop_the_step_after_termination():
    # CartPole reward is 1 per valid step, so an episode's return is its length L; the
    # network updates on steps 0..L (the step after the done sees the final reward),
    # then stays frozen, and the next episode's first step is frozen too.
    cfg = model_config("CartPole-v1")
    task = LifetimeTask("CartPole-v1", LNDP(cfg), n_episodes=2)
    result = jax.jit(task)(zero_params(cfg), jax.random.PRNGKey(0))
    lengths = np.asarray(result.episode_returns)
    assert lengths.max() < 500, "zero parameters should not balance the pole"
    np.testing.assert_array_equal(np.asarray(result.updates), [lengths[0] + 1, lengths[0] + 1 + lengths[1]])
    assert float(result.fitness) == pytest.approx(lengths.mean())


def varied_population(task_name: str, size: int = 16):
    """(task, parameters, keys) of a population whose CartPole members end their episodes at many different
    steps."""
    cfg = model_config(task_name, dev_steps=2)
    task = LifetimeTask(task_name, LNDP(cfg), n_episodes=2, l1_penalty=0.25)
    params = jax.vmap(lambda k: random_params(k, cfg, scale=0.5))(jax.random.split(jax.random.PRNGKey(21), size))
    return task, params, jax.random.split(jax.random.PRNGKey(22), size)


@functools.lru_cache(maxsize=None)
def population_lifetimes(task_name: str, loop: str, size: int = 16):
    """The lifetimes of ``varied_population(task_name, size)`` by one loop: "vmap" (vmap over members, the
    reference), "skip" (the batched loop that skips updates once every episode is over) or "compacted" (updates
    only on the members still running). Computed once per worker: the tests below compare the same ones."""
    task, params, keys = varied_population(task_name, size)
    if loop == "vmap":
        return jax.jit(jax.vmap(task))(params, keys)
    return jax.jit(functools.partial(task.population, compact={"skip": False, "compacted": True}[loop]))(params, keys)


@pytest.mark.parametrize("loop", ["skip", "compacted"], ids=["skip-when-all-done", "compacted"])
def test_population_rollout_equals_vmapped_lifetimes(loop):
    """The batched step loops (which skip updates once every episode is over, or run them only on the
    members still running) give exactly the lifetimes of vmap over members."""
    batched, mapped = population_lifetimes("CartPole-v1", loop), population_lifetimes("CartPole-v1", "vmap")
    for name in batched._fields:
        np.testing.assert_array_equal(np.asarray(getattr(batched, name)), np.asarray(getattr(mapped, name)), err_msg=name)
    assert np.asarray(batched.episode_returns).max() < 500, "episodes should end early, so updates are skipped"


def test_chunk_sizes_are_powers_of_two_from_4_to_half_the_population():
    assert chunk_sizes(64) == [4, 8, 16, 32]
    assert chunk_sizes(48) == [4, 8, 16]
    assert chunk_sizes(8) == [4]
    assert chunk_sizes(7) == []


@pytest.mark.parametrize("task_name", ["CartPole-v1", "Pendulum-v1"])
def test_compacted_population_is_the_skip_when_all_done_loop_bit_for_bit(task_name):
    """The compacted loop against today's (compact=False), float32, on a population whose members end their
    episodes at different steps, so that every branch runs: all members updated (more than half running),
    chunks of 8 and of 4, and no update at all. Pendulum never ends early: every step takes the full branch."""
    size = 16
    compacted, today = population_lifetimes(task_name, "compacted", size), population_lifetimes(task_name, "skip", size)
    for name in today._fields:
        np.testing.assert_array_equal(np.asarray(getattr(compacted, name)), np.asarray(getattr(today, name)),
                                      err_msg=name)
    if task_name == "CartPole-v1":
        lengths = np.asarray(today.episode_returns)
        running = (lengths[:, :, None] >= np.arange(500)).sum(axis=0)  # members updated at each step
        assert len(np.unique(lengths)) > 4, f"members should end at many different steps: {lengths}"
        for low, high in ((0, 0), (1, 4), (5, 8), (9, size)):
            assert ((running >= low) & (running <= high)).any(), \
                f"no step with {low} to {high} members running: a branch of the compacted update never ran"


POPULATION_VS_MEMBERS = textwrap.dedent("""
    import jax
    jax.config.update("jax_enable_x64", True)  # float64: batched and unbatched rounding cannot flip a decision
    import numpy as np
    from plasticnets.lndp.model import LNDP
    from plasticnets.lndp.params import random_params
    from plasticnets.lndp.tasks import LifetimeTask, chunk_sizes, model_config

    cfg = model_config("CartPole-v1", n_nodes=12, dev_steps=2, stochastic_decisions=True, p_hh=0.5, s_hh=0.1)
    task = LifetimeTask("CartPole-v1", LNDP(cfg), n_episodes=2, l1_penalty=0.5)
    params = jax.vmap(lambda k: random_params(k, cfg, scale=0.4))(jax.random.split(jax.random.PRNGKey(3), 3))
    keys = jax.random.split(jax.random.PRNGKey(4), 3)
    single = jax.jit(task)
    for compact in (False, True):
        population = jax.jit(lambda p, k: task.population(p, k, compact=compact))(params, keys)
        for i in range(3):
            member = single(jax.tree.map(lambda x: x[i], params), keys[i])
            for name in member._fields:
                np.testing.assert_array_equal(np.asarray(getattr(population, name))[i],
                                              np.asarray(getattr(member, name)),
                                              err_msg=f"compact={compact}, member {i}: {name}")
        print(population.fitness)
""")


def test_population_gives_each_members_own_lifetime_in_float64():
    """population(), both loops (skip-when-all-done and compacted), against one unbatched call per member,
    exactly."""
    run = subprocess.run([sys.executable, "-c", POPULATION_VS_MEMBERS], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]


def test_structural_decisions_fire_strictly_above_the_threshold_and_only_where_allowed():
    # The official rule is sigmoid(logit) > threshold; at threshold 0.5 the logit bound is exactly 0.
    model = LNDP(LNDPConfig(obs_size=2, num_actions=2, n_nodes=7, decision_threshold=0.5))
    assert model.cfg.decision_logit == 0.0
    tiny = float(np.finfo(np.float32).tiny)  # the smallest normal float32 (XLA flushes subnormals to zero)
    logits = jnp.zeros((7, 7)).at[0, 2].set(tiny).at[0, 3].set(-tiny).at[0, 5].set(1.0).at[2, 3].set(2.0)
    mask = jnp.asarray(model.cfg.structural_mask())  # forbids 0 -> 5 (input -> output)
    key, fire = model._decide(jax.random.PRNGKey(0), "rule present", lambda: logits, mask)
    expected = np.zeros((7, 7), bool)
    expected[0, 2] = expected[2, 3] = True  # exactly at the bound (0.0) does not fire
    np.testing.assert_array_equal(fire, expected)
    np.testing.assert_array_equal(key, jax.random.split(jax.random.PRNGKey(0))[0])  # one split per rule

    _, off = model._decide(jax.random.PRNGKey(0), None, lambda: logits, mask)  # the rule is not evolved
    assert not np.asarray(off).any()

    # Stochastic mode: a coin with probability 0.5 * sigmoid(logit), drawn from the rule's own key.
    stochastic = LNDP(LNDPConfig(obs_size=2, num_actions=2, n_nodes=7, stochastic_decisions=True))
    logits = jnp.linspace(-3.0, 3.0, 49).reshape(7, 7)
    _, fire = stochastic._decide(jax.random.PRNGKey(3), "rule present", lambda: logits, mask)
    coin = jax.random.uniform(jax.random.split(jax.random.PRNGKey(3))[1], (7, 7)) < 0.5 * jax.nn.sigmoid(logits)
    np.testing.assert_array_equal(fire, np.asarray(coin) & (np.asarray(mask) > 0))


@functools.lru_cache(maxsize=None)
def _compiled_update(pruning: bool, synaptogenesis: bool):
    """(config, jitted update, a state) per pair of switches: the cases share their compiled code."""
    cfg = LNDPConfig(obs_size=2, num_actions=2, n_nodes=7, pruning=pruning, synaptogenesis=synaptogenesis)
    model = LNDP(cfg)
    return cfg, jax.jit(model.update), model.init(zero_params(cfg), jax.random.PRNGKey(0))


def _with_decision_biases(params, add, prune):
    """Zero decision MLPs fire everywhere (bias +10) or nowhere (-10); None leaves a rule as it is."""
    if add is not None and params.add is not None:
        params = params._replace(add=params.add._replace(b2=jnp.full((1,), add)))
    if prune is not None and params.prune is not None:
        params = params._replace(prune=params.prune._replace(b2=jnp.full((1,), prune)))
    return params


@pytest.mark.parametrize("pruning, synaptogenesis, add, prune, expected", [
    (True, True, -10.0, -10.0, "start"),   # neither rule fires: the graph stays
    (True, True, -10.0, 10.0, "empty"),    # pruning removes every edge
    (True, True, 10.0, -10.0, "full"),     # synaptogenesis adds every allowed edge
    (True, True, 10.0, 10.0, "empty"),     # both fire: pruning wins
    (False, True, 10.0, None, "full"),     # pruning off: nothing is removed
    (True, False, None, 10.0, "empty"),    # synaptogenesis off: nothing is added
    (False, True, -10.0, None, "start"),
    (True, False, None, -10.0, "start"),
])
def test_one_update_adds_and_prunes_exactly_where_the_rules_fire(pruning, synaptogenesis, add, prune, expected):
    """Fast: one lifetime update with decision MLPs that fire everywhere or nowhere. Catches either structural
    rule switched off, or the order of the two (pruning wins), in seconds rather than the parity tests' minutes."""
    cfg, update, state = _compiled_update(pruning, synaptogenesis)
    mask = cfg.structural_mask()
    params = _with_decision_biases(zero_params(cfg), add, prune)
    start = (mask * (np.indices(mask.shape).sum(0) % 2)).astype(np.float32)  # every other allowed pair
    updated = np.asarray(update(params, state._replace(A=jnp.asarray(start)), jax.random.PRNGKey(1)).A)
    want = {"start": start, "empty": np.zeros_like(start), "full": mask.astype(np.float32)}[expected]
    assert 0 < start.sum() < mask.sum()
    np.testing.assert_array_equal(updated, want)
