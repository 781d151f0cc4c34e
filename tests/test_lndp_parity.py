"""Parity of the fast LNDP (model.py, development.py) with the official code's transcription
(reference.py, which shares no code with them), and of Foraging with the official task.

- Known answers, hand-computed on tiny hand-built inputs: node features, the OU process
  and a developmental step, the update-before-act order of a step, the continuous read-out.
- Teacher forcing: the reference lives whole lifetimes (parameters drawn as CMA-ES draws
  them, N(0, 1)); at every developmental and environment step the fast model's step is
  applied to the reference's state with the same key. Adjacency must be identical (a
  mismatch is allowed only at a decision within a small distance of its threshold), actions
  identical (a mismatch is allowed only where the reference's two largest outputs are
  within a small distance), states within a tolerance; in float32 and in float64, with and
  without development. Free-running lifetimes are not compared: the dynamics are chaotic,
  so rounding differences of one step grow to O(1) within a few steps in float32.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from plasticnets.envs import make_jax_env
from plasticnets.envs.foraging import Foraging, ForagingParams
from plasticnets.lndp import development, reference
from plasticnets.lndp.model import LNDP, NetState
from plasticnets.lndp.params import GRU, LNDPConfig, OUParams, zero_params
from plasticnets.lndp.reference import DirectLNDP, Graph, PolicyState, double_vmap, mlp
from plasticnets.lndp.tasks import model_config

SMALL = LNDPConfig(obs_size=2, num_actions=2, n_nodes=7)  # inputs 0-1, hidden 2-4, outputs 5-6


def jit(f):
    """jax.jit without LLVM's optimisation passes: compilation dominates these tests' time and
    halves this way; both models run under the same options (no fast-math either way)."""
    return jax.jit(f, compiler_options={"xla_backend_optimization_level": 0})


def to_net(s: PolicyState) -> NetState:
    """The reference's state in model.py's layout (edge features first)."""
    return NetState(A=s.G.A, h=s.G.h, e=jnp.moveaxis(s.G.e, -1, 0), w=s.w, a=s.a, a_seq=s.a_seq,
                    r=s.r, d=s.d, t=s.t)


def to_reference(n: NetState) -> PolicyState:
    return PolicyState(G=Graph(A=n.A, h=n.h, e=jnp.moveaxis(n.e, 0, -1)), a=n.a, w=n.w, r=n.r, d=n.d, t=n.t,
                       a_seq=n.a_seq)


# ---- known answers -------------------------------------------------------------------------

EDGES = [(0, 2), (0, 3), (1, 2), (2, 3), (3, 2), (2, 5), (3, 5), (4, 6)]


def test_node_features_known_answer():
    adjacency = np.zeros((7, 7), np.float32)
    for i, j in EDGES:
        adjacency[i, j] = 1.0
    # [row sum / 10, column sum / 10, row/10 + column/10/20 (the official precedence), is_input, is_output]
    expected = np.array([
        [0.2, 0.0, 0.2, 1, 0],
        [0.1, 0.0, 0.1, 1, 0],
        [0.2, 0.3, 0.2 + 0.015, 0, 0],
        [0.2, 0.2, 0.2 + 0.010, 0, 0],
        [0.1, 0.0, 0.1, 0, 0],
        [0.0, 0.2, 0.010, 0, 1],
        [0.0, 0.1, 0.005, 0, 1],
    ])
    A = jnp.asarray(adjacency)  # noqa: N806
    graph = Graph(A=A, h=jnp.zeros((7, 8)), e=jnp.zeros((7, 7, 4)))
    np.testing.assert_allclose(LNDP(SMALL).node_features(A), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(DirectLNDP(SMALL).get_node_features(graph), expected, rtol=1e-6, atol=1e-7)


def test_initial_graph_draws_as_the_official_code_where_the_truncation_binds():
    """model.py's initial graph against the reference's ``meta_reservoir`` on 32 keys, with
    probabilities whose distributions reach past [0, 1]: hidden->hidden truncated to [0, 1]
    (mean 0.9, std 0.5), input->hidden and hidden->output plain normals around 0 and 1."""
    cfg = LNDPConfig(obs_size=3, num_actions=2, n_nodes=12, p_hh=0.9, s_hh=0.5, p_ih=0.0, s_ih=0.3,
                     p_ho=1.0, s_ho=0.3)
    params = zero_params(cfg)

    @jit
    def both(key):
        return to_net(DirectLNDP(cfg).init(params, key)), LNDP(cfg).init(params, key)

    ref, fast = jax.vmap(both)(jr.split(jr.PRNGKey(0), 32))
    for name in ("A", "h", "e", "w"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(ref, name), err_msg=name)
    hidden = slice(3, 10)
    hh = np.asarray(ref.A)[:, hidden, hidden].mean(axis=(1, 2)) * 7 / 6  # off-diagonal fraction
    assert hh.max() <= 1.0 and hh.mean() > 0.6
    assert 0.0 in np.asarray(ref.A)[:, :3, hidden].mean(axis=(1, 2))  # p_ih < 0: no input edges
    assert 1.0 in np.asarray(ref.A)[:, hidden, 10:].mean(axis=(1, 2))  # p_ho > 1: every output edge


# x, mu, alpha, dt and Sigma chosen so that every clip matters: alpha[1] < 0 -> 0, dt[2] > 1 -> 1,
# dt[3] < 0.01 -> 0.01, Sigma[0, 0] > 1 -> 1 (Sigma diagonal and decreasing: its SVD factor is
# diag(+-sqrt(Sigma_ii)), so the noise is +-sqrt(Sigma_ii) z_i with z = normal(key, (4,))).
OU_X = jnp.array([1.0, 2.0, 3.0, 4.0])
OU = OUParams(mu=jnp.array([0.0, -1.0, 1.0, 0.0]), sigma=jnp.diag(jnp.array([4.0, 0.25, 0.09, 0.01])),
              alpha=jnp.array([0.5, -3.0, 2.0, 1.0]), dt=jnp.array([0.2, 1.0, 5.0, 0.001]))
OU_DRIFT = np.array([1.0 + 0.5 * (0.0 - 1.0) * 0.2,  # 0.9
                     2.0,  # alpha clipped to 0
                     3.0 + 2.0 * (1.0 - 3.0) * 1.0,  # dt clipped to 1: -1
                     4.0 + 1.0 * (0.0 - 4.0) * 0.01])  # dt clipped to 0.01: 3.96
OU_NOISE_SCALE = np.array([1.0, 0.5, 0.3, 0.1])  # sqrt of the clipped diagonal, not scaled by sqrt(dt)


@pytest.mark.parametrize("step, start", [(development.ou_step, development.ou_start),
                                         (reference.ou_call, reference.ou_initialize)],
                         ids=["development.py", "reference.py"])
def test_ou_process_known_answer(step, start):
    key = jr.PRNGKey(5)
    z = np.asarray(jr.normal(key, (4,)))
    # Without noise (Sigma = 0) one step is the clipped mean reversion exactly.
    np.testing.assert_allclose(step(OU._replace(sigma=jnp.zeros((4, 4))), OU_X, key), OU_DRIFT, rtol=1e-6)
    # With noise: the same drift plus one N(0, clip(Sigma)) draw from the step's own key.
    x = np.asarray(step(OU, OU_X, key))
    np.testing.assert_allclose(np.abs(x - OU_DRIFT), OU_NOISE_SCALE * np.abs(z), rtol=1e-5, atol=1e-6)
    # The process starts from one noise draw (not from mu).
    np.testing.assert_allclose(np.abs(start(OU, key)), OU_NOISE_SCALE * np.abs(z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x - OU_DRIFT, start(OU, key), rtol=1e-5, atol=1e-6)


def _small_state(cfg: LNDPConfig, seed: int) -> NetState:
    """A hand-built network on SMALL's layout: EDGES, with random node and edge states."""
    rng = np.random.default_rng(seed)
    adjacency = np.zeros((7, 7), np.float32)
    adjacency[tuple(np.array(EDGES).T)] = 1.0
    e = rng.uniform(-1, 1, (4, 7, 7)).astype(np.float32) * adjacency
    return NetState(A=jnp.asarray(adjacency), h=jnp.asarray(rng.uniform(-1, 1, (7, 8)), jnp.float32),
                    e=jnp.asarray(e), w=jnp.asarray(e[0]), a=jnp.zeros(7), a_seq=jnp.zeros((7, cfg.trace_len)),
                    r=jnp.zeros(1), d=jnp.zeros(1), t=jnp.zeros(()))


def test_developmental_step_known_answer():
    """With all-zero rule parameters an update halves every node and edge state (GRU gates at
    1/2, candidate 0) and changes no edge (probabilities 1/2 < 0.6); the inputs of the trace
    are the OU sample."""
    cfg = dataclasses.replace(SMALL, dev_steps=2)
    params = zero_params(cfg)._replace(ou=OU._replace(mu=OU.mu[:2], sigma=OU.sigma[:2, :2], alpha=OU.alpha[:2],
                                                      dt=OU.dt[:2]))
    model = LNDP(cfg)
    state = _small_state(cfg, 0)
    x, key = jnp.array([1.0, 2.0]), jr.PRNGKey(1)
    key_next, key_ou, _ = jr.split(key, 3)
    stepped, x1, carried = jit(lambda s, x, k: development.develop_step(
        s, x, k, params.ou, lambda s, k: model.update(params, s, k), model.forward))(state, x, key)
    np.testing.assert_allclose(x1, development.ou_step(params.ou, x, key_ou), rtol=1e-6)
    np.testing.assert_array_equal(carried, key_next)
    np.testing.assert_allclose(stepped.h, state.h / 2, rtol=1e-6)
    np.testing.assert_allclose(stepped.e, state.e / 2, rtol=1e-6)
    np.testing.assert_array_equal(stepped.A, state.A)
    np.testing.assert_allclose(stepped.a_seq[:2, :cfg.rnn_iters], np.repeat(np.asarray(x1)[:, None], 3, 1))
    assert float(stepped.t) == 1.0
    # The reference's developmental step gives the same.
    ref_stepped, ref_x1, ref_key = jit(DirectLNDP(cfg).dev_step)(params, to_reference(state), x, key)
    np.testing.assert_allclose(ref_x1, x1, rtol=1e-6)
    np.testing.assert_array_equal(ref_key, key_next)
    np.testing.assert_allclose(ref_stepped.G.h, state.h / 2, rtol=1e-6)
    np.testing.assert_allclose(ref_stepped.a_seq, stepped.a_seq, rtol=1e-6, atol=1e-7)

    # init: dev_steps = 2 developmental steps from one noise draw (keys as the official code
    # splits them), then the activity is reset.
    key = jr.PRNGKey(2)
    _, _, key_h, key_dev = jr.split(key, 4)
    h0 = jr.uniform(key_h, (7, 8), minval=-1.0, maxval=1.0)
    key_init, k = jr.split(key_dev)
    x = development.ou_start(params.ou, key_init)
    for _ in range(2):
        k, key_ou, _ = jr.split(k, 3)
        x = development.ou_step(params.ou, x, key_ou)
    developed = jit(model.init)(params, key)  # (the reference's init: test_teacher_forced_lifetimes_float64)
    np.testing.assert_allclose(developed.h, h0 / 4, rtol=1e-6)
    np.testing.assert_allclose(developed.a_seq[:2, :3], np.repeat(np.asarray(x)[:, None], 3, 1), rtol=1e-6)
    np.testing.assert_array_equal(developed.a, 0.0)
    assert float(developed.t) == 2.0


def _order_probe(cfg: LNDPConfig):
    """A network whose update flips the action: the edge GRU (update gate shut, candidate
    tanh(10 h_post[0])) sets every weight to +tanh(5) into nodes whose state starts at
    h[0] = 1 (halved by the zero node GRU to 0.5), and to -tanh(5) into nodes starting at -1.
    Before the update: 0 -> 2 (1), 2 -> 5 (-1), 2 -> 6 (+1): action 1 (node 6).
    After it: 0 -> 2 (t), 2 -> 5 (t), 2 -> 6 (-t), t = tanh(5): action 0 (node 5)."""
    params = zero_params(cfg)
    e_dim = cfg.edge_features
    weight_ih = params.edge_gru.weight_ih.at[2 * e_dim, 0].set(10.0)  # candidate of feature 0 <- h_post[0]
    bias = params.edge_gru.bias.at[e_dim:2 * e_dim].set(-30.0)  # update gate ~ 0: e <- candidate
    params = params._replace(edge_gru=GRU(weight_ih, params.edge_gru.weight_hh, bias, params.edge_gru.bias_n))
    h = jnp.zeros((7, 8)).at[2, 0].set(1.0).at[5, 0].set(1.0).at[6, 0].set(-1.0)
    adjacency = jnp.zeros((7, 7)).at[0, 2].set(1.0).at[2, 5].set(1.0).at[2, 6].set(1.0)
    e = jnp.zeros((4, 7, 7)).at[0, 0, 2].set(1.0).at[0, 2, 5].set(-1.0).at[0, 2, 6].set(1.0)
    state = NetState(A=adjacency, h=h, e=e, w=e[0], a=jnp.zeros(7), a_seq=jnp.zeros((7, cfg.trace_len)),
                     r=jnp.zeros(1), d=jnp.zeros(1), t=jnp.zeros(()))
    return params, state


@pytest.mark.parametrize("implementation", ["model.py", "reference.py"])
def test_a_step_updates_the_network_before_the_forward_pass(implementation):
    obs, key = jnp.array([1.0, 0.0]), jr.PRNGKey(0)
    t = np.tanh(5.0)

    def step(cfg, done):
        params, probe = _order_probe(cfg)
        probe = probe._replace(d=done)
        if implementation == "model.py":
            return jit(LNDP(cfg).__call__)(params, obs, probe, key)
        action, new = jit(DirectLNDP(cfg).__call__)(params, obs, to_reference(probe), key)
        return action, to_net(new)

    action, new = step(SMALL, jnp.zeros(1))
    assert int(action) == 0
    np.testing.assert_allclose(new.w[[0, 2, 2], [2, 5, 6]], [t, t, -t], rtol=1e-5)
    # The trace comes from the updated weights: node 2 = tanh(t * 1) from the second step on.
    np.testing.assert_allclose(new.a_seq[2], [0.0, np.tanh(t), np.tanh(t), np.tanh(t)], rtol=1e-5)
    np.testing.assert_allclose(new.a_seq[5, 3], np.tanh(t * np.tanh(t)), rtol=1e-5)
    assert float(new.t) == 1.0
    # Frozen (episode over) or blocked: no update, the old weights act.
    for cfg, done in [(SMALL, jnp.ones(1)), (dataclasses.replace(SMALL, block_lt_updates=True), jnp.zeros(1))]:
        action, new = step(cfg, done)
        assert int(action) == 1
        np.testing.assert_allclose(new.a_seq[5, 3], np.tanh(-np.tanh(1.0)), rtol=1e-5)
        assert float(new.t) == 0.0


@pytest.mark.parametrize("implementation", ["model.py", "reference.py"])
def test_continuous_read_out_is_scaled_and_nan_free(implementation):
    cfg = LNDPConfig(obs_size=2, num_actions=2, n_nodes=7, continuous=True, action_scale=2.0)
    params, state = _order_probe(cfg)
    state = state._replace(w=jnp.zeros((7, 7)).at[0, 2].set(1.0).at[2, 5].set(0.5).at[2, 6].set(-0.25))

    def act(obs):
        if implementation == "model.py":
            return LNDP(cfg).act(params, obs, state)[0]
        return DirectLNDP(cfg).act(params, obs, to_reference(state))[0]

    hidden = np.tanh(1.0)
    np.testing.assert_allclose(act(jnp.array([1.0, 0.0])), [2 * np.tanh(0.5 * hidden), 2 * np.tanh(-0.25 * hidden)],
                               rtol=1e-6)
    np.testing.assert_array_equal(act(jnp.array([jnp.nan, 0.0])), [0.0, 0.0])  # NaN outputs -> 0


# ---- teacher forcing ---------------------------------------------------------------------


class StepGap(NamedTuple):
    """How far the fast model's step is from the reference's, at one step."""

    updated: jax.Array  # the reference updated the network at this step
    changes: jax.Array  # adjacency entries the reference's step changed
    a_mismatch: jax.Array  # adjacency entries that differ between the two results
    a_unexplained: jax.Array  # ... of which not at a decision within `decision_tol` of its threshold
    h: jax.Array  # max |difference|: node states
    e: jax.Array  # edge states
    w: jax.Array  # weights
    a_seq: jax.Array  # activation traces
    a: jax.Array  # activations carried to the next step (zero unless is_recurrent)
    t: jax.Array  # update counters
    ou: jax.Array  # OU samples (developmental steps; 0 at environment steps)
    key_equal: jax.Array  # the key carried to the next developmental step (True at environment steps)
    action_equal: jax.Array  # same action (True at developmental steps)
    top_gap: jax.Array  # the reference's two largest outputs' difference (inf at developmental steps)


def _decision_margin(cfg, params, state: PolicyState) -> jax.Array:
    """Per pair, the distance from its threshold of the nearer of the two structural decisions
    the reference's update took (deterministic decisions: |p - threshold|)."""
    n, h = cfg.n_nodes, state.G.h
    margin = jnp.full((n, n), jnp.inf)
    if params.prune is not None:
        p = double_vmap(lambda e: mlp(params.prune, e))(state.G.e)[..., 0]
        margin = jnp.minimum(margin, jnp.abs(p - cfg.decision_threshold))
    if params.add is not None:
        pairs = jnp.concatenate([jnp.repeat(h[None, :], n, axis=0), jnp.repeat(h[:, None], n, axis=1)], axis=-1)
        p = double_vmap(lambda u: mlp(params.add, u))(pairs)[..., 0]
        margin = jnp.minimum(margin, jnp.abs(p - cfg.decision_threshold))
    return margin


def _compare(cfg, params, before: PolicyState, ref_next: PolicyState, net_next: NetState, decision_tol, **extra):
    mismatch = ref_next.G.A != net_next.A
    if cfg.stochastic_decisions:
        unexplained = mismatch  # the coins are the same draws: no threshold to be near
    else:
        unexplained = mismatch & (_decision_margin(cfg, params, ref_next) >= decision_tol)
    dtype = before.w.dtype
    gap = dict(
        updated=ref_next.t != before.t, changes=(ref_next.G.A != before.G.A).sum(),
        a_mismatch=mismatch.sum(), a_unexplained=unexplained.sum(),
        h=jnp.abs(ref_next.G.h - net_next.h).max(), e=jnp.abs(jnp.moveaxis(ref_next.G.e, -1, 0) - net_next.e).max(),
        w=jnp.abs(ref_next.w - net_next.w).max(), a_seq=jnp.abs(ref_next.a_seq - net_next.a_seq).max(),
        a=jnp.abs(ref_next.a - net_next.a).max(),
        t=jnp.abs(ref_next.t - net_next.t), ou=jnp.zeros((), dtype), key_equal=jnp.bool_(True),
        action_equal=jnp.bool_(True), top_gap=jnp.asarray(jnp.inf, dtype))
    gap.update(extra)
    return StepGap(**gap)


def teacher_forced_lifetimes(cfg, task: str, params, keys, develop, n_episodes: int, max_steps: int,
                             decision_tol: float, free_running_init: bool):
    """The reference's lifetimes on a control task (parameters, keys and ``develop`` batched
    over members), keys split as the official ``MultiEpisodeGymnaxTask`` splits them,
    episodes capped at ``max_steps`` steps; members with ``develop`` develop for
    ``cfg.dev_steps`` steps before the first episode, the others start as initialised. At
    every step the fast model's step runs on the reference's state with the same key.

    The loops run in Python over jitted steps (one compilation per step function; a
    single jitted lifetime compiles several times longer). Returns (initial-graph gaps,
    developmental StepGaps, environment-step StepGaps, free-running developed-state gaps or
    None), each stacked as (steps, members, ...) and as numpy arrays."""
    ref, fast = DirectLNDP(cfg), LNDP(cfg)
    env, env_params = make_jax_env(task)
    each = lambda f: jit(jax.vmap(f))  # noqa: E731  (over members)

    @each
    def initialise(params, key):
        def episode_keys(k, _):
            k, k_episode, _k_intervention = jr.split(k, 3)
            return k, jr.split(k_episode, 4)  # reset, steps, model init, dev after episode

        _, episode_key = jax.lax.scan(episode_keys, key, None, n_episodes)
        key_model = episode_key[0, 2]  # the network is built (and developed) with the first episode's model key
        state = DirectLNDP(dataclasses.replace(cfg, dev_steps=0)).init(params, key_model)
        net = LNDP(dataclasses.replace(cfg, dev_steps=0)).init(params, key_model)
        init_gap = jnp.stack([jnp.abs(state.G.A - net.A).max(), jnp.abs(state.G.h - net.h).max(),
                              jnp.abs(jnp.moveaxis(state.G.e, -1, 0) - net.e).max(), jnp.abs(state.w - net.w).max()])
        sa, key_dev = ref.dev_start(params, jr.split(key_model, 4)[3])
        return state, sa, key_dev, episode_key, init_gap

    @each
    def dev_step(params, s, sa, k):
        """One developmental step (the official ``dev`` loop's body), teacher-forced."""
        s_next, sa_next, k_next = ref.dev_step(params, s, sa, k)
        n_next, x_next, kn_next = development.develop_step(
            to_net(s), sa, k, params.ou, lambda st, kk: fast.update(params, st, kk), fast.forward)
        gap = _compare(cfg, params, s, s_next, n_next, decision_tol, ou=jnp.abs(sa_next - x_next).max(),
                       key_equal=jnp.all(k_next == kn_next))
        return (s_next, sa_next, k_next), gap

    @each
    def developed_gap(params, developed, episode_key):
        """model.py's init, developing free-running, against the reference's development."""
        net = fast.init(params, episode_key[0, 2])
        return jnp.stack([jnp.abs(developed.G.A - net.A).max(), jnp.abs(developed.G.h - net.h).max(),
                          jnp.abs(developed.a_seq - net.a_seq).max(), jnp.abs(developed.a - net.a).max()])

    @each
    def reset(s, k):
        obs, env_state = env.reset(k[0], env_params)
        return (s, obs, env_state, k[1], jnp.zeros((1,), s.w.dtype), jnp.ones((1,), s.w.dtype))

    @each
    def policy_step(params, carry):
        """One step of the official ``_rollout`` scan, teacher-forced."""
        s, obs, env_state, rng, last_reward, valid = carry
        rng, rng_step, rng_net = jr.split(rng, 3)
        s = s._replace(r=last_reward)
        action, s_next = ref(params, obs, s, rng_net)
        action_fast, n_next = fast(params, obs, to_net(s), rng_net)
        top2 = jnp.sort(ref.forward_rnn(obs, s_next)[0][-cfg.num_actions:])[-2:]
        gap = _compare(cfg, params, s, s_next, n_next, decision_tol, action_equal=action == action_fast,
                       top_gap=top2[1] - top2[0])
        obs, env_state, reward, terminated, truncated, _ = env.step(rng_step, env_state, action, env_params)
        done = jnp.logical_or(terminated, truncated).astype(valid.dtype)
        return (s_next._replace(d=1 - valid), obs, env_state, rng, reward * valid, valid * (1 - done)), gap

    state, sa, key_dev, episode_key, init_gap = initialise(params, keys)
    dev_gaps, carry = [], (state, sa, key_dev)
    for _ in range(cfg.dev_steps):
        carry, gap = dev_step(params, *carry)
        dev_gaps.append(gap)
    developed = carry[0]._replace(a=np.zeros(carry[0].a.shape, carry[0].a.dtype))  # the official dev's reset
    dev_gap = developed_gap(params, developed, episode_key) if free_running_init else None
    state = each(lambda d, dev, undev: jax.tree.map(lambda x, y: jnp.where(d, x, y), dev, undev))(
        develop, developed, state)
    gaps = []
    for episode in range(n_episodes):
        carry = reset(state, episode_key[:, episode])
        for _ in range(max_steps):
            carry, gap = policy_step(params, carry)
            gaps.append(gap)
        state = carry[0]
    stack = lambda xs: jax.tree.map(lambda *x: np.stack([np.asarray(v) for v in x]), *xs)  # noqa: E731
    return (np.asarray(init_gap), stack(dev_gaps), stack(gaps),
            None if dev_gap is None else np.asarray(dev_gap))


def sample_params(cfg: LNDPConfig, members: int, seed: int):
    """``members`` parameter vectors drawn from N(0, 1), as CMA-ES's first generation draws them
    (numpy's generator: jitting ``random_params`` costs more compilation than the test)."""
    rng = np.random.default_rng(seed)
    dtype = jnp.zeros(()).dtype
    return jax.tree.map(lambda x: jnp.asarray(rng.standard_normal((members,) + x.shape), dtype), zero_params(cfg))


def run_teacher_forced(task, members, state_tol, decision_tol, action_tol, max_steps=100,
                       free_running_init=False):
    """Teacher-forced lifetimes of `members` parameter draws (half of them developed first);
    asserts parity and returns a summary of what was measured."""
    cfg = model_config(task, dev_steps=4)
    params = sample_params(cfg, members, seed=0)
    keys = jr.split(jr.PRNGKey(1), members)
    develop = jnp.arange(members) % 2 == 0
    init_gap, dev, life, dev_gap = teacher_forced_lifetimes(cfg, task, params, keys, develop, 3, max_steps,
                                                            decision_tol, free_running_init)

    np.testing.assert_array_equal(init_gap, 0.0, err_msg="initial graph")
    summary = {}
    for name, gaps in (("development", dev), ("lifetime", life)):
        assert gaps.a_unexplained.sum() == 0, f"{name}: adjacency differs away from any threshold"
        for field in ("h", "e", "w", "a_seq", "a", "ou"):
            worst = getattr(gaps, field).max()
            assert worst <= state_tol, f"{name}: max |difference| of {field} {worst:.3g} > {state_tol:g}"
            summary[f"{name} max |d{field}|"] = float(worst)
        assert gaps.t.max() == 0 and gaps.key_equal.all(), name
        summary[f"{name} steps, updating"] = (gaps.h.size, int(gaps.updated.sum()))
        summary[f"{name} adjacency changes (reference), mismatches at thresholds"] = (
            int(gaps.changes.sum()), int(gaps.a_mismatch.sum()))
    near_tie = life.top_gap < action_tol
    assert np.all(life.action_equal | near_tie), "actions differ away from an argmax near-tie"
    summary["actions: compared, near ties (exact ties), mismatches at near ties, their largest gap"] = (
        life.top_gap.size, int(near_tie.sum()), int((life.top_gap == 0).sum()), int((~life.action_equal).sum()),
        float(life.top_gap[~life.action_equal].max(initial=0.0)))
    # The comparisons must not be vacuous: the lifetimes update, rewire and act on non-zero outputs.
    assert dev.updated.all() and life.updated.sum() >= 100
    assert dev.changes.sum() + life.changes.sum() > 0
    assert (~near_tie).sum() >= 50
    return summary, dev_gap


def test_teacher_forced_lifetimes_float32():
    """Acrobot (episodes never end early with such networks, so every step updates)."""
    summary, _ = run_teacher_forced("Acrobot-v1", members=8, state_tol=2e-3, decision_tol=2e-3, action_tol=1e-3)
    print(summary)


def test_teacher_forced_lifetimes_float64():
    """CartPole (episodes end early: frozen steps and frozen first steps of episodes), and
    model.py's init free-running through development against the reference's."""
    with jax.enable_x64(True):  # float64 for this test only
        summary, dev_gap = run_teacher_forced("CartPole-v1", members=8, state_tol=1e-10, decision_tol=1e-9,
                                              action_tol=1e-9, free_running_init=True)
    assert dev_gap[:, 0].max() == 0 and dev_gap[:, 3].max() == 0, "developed adjacency / activity"
    # Free-running, float64 differences of 1e-14 per step grow about tenfold per step or more.
    assert dev_gap[:, 1:3].max() < 1e-7, "developed node states and traces"
    summary["free-running development: max |dh|, |da_seq|"] = tuple(dev_gap[:, 1:3].max(axis=0).tolist())
    print(summary)


@pytest.mark.parametrize("settings", [
    dict(stochastic_decisions=True, use_bias=True, is_recurrent=True, gnn_iters=2, dev_steps=1),
    dict(pruning=False),
    dict(synaptogenesis=False, continuous=True, action_scale=2.0),
], ids=["stochastic+bias+recurrent+2gnn", "no-pruning", "no-synaptogenesis+continuous"])
def test_teacher_forced_steps_of_the_other_settings(settings):
    """The settings the lifetimes above leave at their defaults, teacher-forced over 30 steps of
    a random walk of observations in float64 (N = 12, parameters N(0, 1), dense start)."""
    with jax.enable_x64(True):
        cfg = LNDPConfig(obs_size=3, num_actions=2, n_nodes=12, p_hh=0.5, s_hh=0.1, p_ih=0.5, p_ho=0.5,
                         **settings)
        params = jax.tree.map(lambda x: x[0], sample_params(cfg, 1, seed=3))
        ref, fast = DirectLNDP(cfg), LNDP(cfg)

        @jit
        def step(state, obs, key):
            action, s_next = ref(params, obs, state, key)
            action_fast, n_next = fast(params, obs, to_net(state), key)
            return s_next, _compare(cfg, params, state, s_next, n_next, 1e-9,
                                    action_equal=jnp.all(jnp.abs(action - action_fast) <= 1e-12))

        state = jit(ref.init)(params, jr.PRNGKey(4))
        np.testing.assert_allclose(to_net(state).h, jit(fast.init)(params, jr.PRNGKey(4)).h, atol=1e-9)
        rng = np.random.default_rng(5)
        obs, gaps = np.zeros(3), []
        for key in jr.split(jr.PRNGKey(6), 30):
            obs = obs + rng.normal(size=3)
            state, gap = step(state, jnp.asarray(obs), key)
            gaps.append(gap)
        gaps = jax.tree.map(lambda *x: np.stack([np.asarray(v) for v in x]), *gaps)
    assert gaps.a_unexplained.sum() == 0 and gaps.action_equal.all() and gaps.updated.all()
    assert gaps.changes.sum() > 0, "the structure should change"
    for field in ("h", "e", "w", "a_seq", "a"):
        assert getattr(gaps, field).max() < 1e-10, field
    if cfg.is_recurrent:
        assert np.abs(np.asarray(state.a)).max() > 0, "activity should be carried"


# ---- Foraging ------------------------------------------------------------------------------


class OfficialGridState(NamedTuple):
    obs: jax.Array
    reward: jax.Array
    pos: jax.Array
    goal: jax.Array  # index into the two ends (0: cell 0, 1: the far end)
    steps: jax.Array


class OfficialGridChemotaxis:
    """The official ``utils/foraging.py::GridChemotaxis`` (sparse reward), transcribed."""

    def __init__(self, p_switch: float, env_size: int = 5, max_steps: int = 10):
        self.p_switch, self.env_size, self.max_steps = p_switch, env_size, max_steps

    def reset(self, key):
        kpos, ktpos, kt = jr.split(key, 3)
        pos = jnp.array(self.env_size // 2, dtype=int)
        goal = jr.randint(kt, (), minval=0, maxval=2)
        return OfficialGridState(obs=pos, reward=jnp.zeros(()), pos=pos, goal=goal, steps=jnp.zeros((), dtype=int))

    def step(self, state, action, key):
        goal_pos = jnp.array([0, self.env_size - 1], dtype=int)[state.goal]
        new_pos = jnp.clip(state.pos + jnp.array([1, -1, 0])[action], 0, self.env_size - 1)
        close_to_goal = jnp.abs(new_pos - goal_pos) == 0
        r = close_to_goal.astype(float) * 10
        done = close_to_goal | (state.steps == self.max_steps)
        kp, kres = jr.split(key)
        switch = jr.uniform(kp) < self.p_switch
        new_goal = jax.lax.cond(switch, lambda g: (g + 1) % 2, lambda g: g, state.goal)
        return jax.lax.cond(
            done,
            lambda k: self.reset(kres)._replace(reward=r, goal=new_goal),
            lambda k: state._replace(pos=new_pos, obs=new_pos, reward=r, steps=state.steps + 1),
            key)


@pytest.mark.parametrize("p_switch", [0.0, 0.5])
def test_foraging_draws_food_and_switches_from_the_keys_as_the_official_code(p_switch):
    """Same keys (the official ``GridEpisodicTask``: reset with the third of three, then one
    key per step) and random actions -> the same food sides, positions, rewards and switches."""
    ours, params, official = Foraging(), ForagingParams(p_switch=p_switch), OfficialGridChemotaxis(p_switch)

    @jit
    def lifetimes(keys, actions):
        def one(key, actions):
            _, _, key_env = jr.split(key, 3)
            _, state = ours.reset(key_env, params)
            official_state = official.reset(key_env)

            def step(carry, action):
                state, official_state, key = carry
                key, k = jr.split(key)
                obs, state, reward, *_ = ours.step(k, state, action, params)
                official_state = official.step(official_state, action, k)
                same = jnp.stack([obs[0] == official_state.obs, reward == official_state.reward,
                                  state.goal == jnp.array([0, 4])[official_state.goal]])
                return (state, official_state, key), (same, official_state.goal, official_state.reward)

            first_goal = state.goal == jnp.array([0, 4])[official_state.goal]
            _, out = jax.lax.scan(step, (state, official_state, key), actions)
            return first_goal, *out

        return jax.vmap(one)(keys, actions)

    actions = jnp.asarray(np.random.default_rng(0).integers(0, 3, (64, 100)))
    first_goal, same, goals, rewards = lifetimes(jr.split(jr.PRNGKey(0), 64), actions)
    assert bool(first_goal.all()) and bool(same.all())
    assert 0 < int(goals[:, 0].sum()) < 64, "the food should start on both sides"
    switches = int((np.diff(np.asarray(goals), axis=1) != 0).sum())
    assert (switches > 50) if p_switch else (switches == 0)
    assert float(rewards.sum()) > 0
