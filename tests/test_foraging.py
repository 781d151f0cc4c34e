"""Foraging task dynamics: reward, reset to the middle, time-outs, goal switching."""

import jax
import jax.numpy as jnp
import numpy as np

from plasticnets.envs.foraging import Foraging, ForagingParams

RIGHT, LEFT, STAY = 0, 1, 2
ENV = Foraging()


def lifetime(actions, params, key=0):
    obs, state = ENV.reset(jax.random.PRNGKey(key), params)
    trace = []
    for t, action in enumerate(actions):
        obs, state, reward, terminated, truncated, info = ENV.step(jax.random.PRNGKey(1000 + t), state, action, params)
        trace.append((float(obs[0]), float(reward), int(state.goal), bool(info["sub_episode_done"])))
    return trace


def goal_of(key, params):
    return int(ENV.reset(jax.random.PRNGKey(key), params)[1].goal)


def test_reset_starts_in_the_middle_with_food_at_an_end():
    goals = {goal_of(k, ForagingParams()) for k in range(20)}
    assert goals == {0, 4}
    obs, state = ENV.reset(jax.random.PRNGKey(0))
    assert obs.shape == (1,) and float(obs[0]) == 2.0 and int(state.steps) == 0


def test_reaching_the_food_pays_10_and_returns_to_the_middle():
    params = ForagingParams(p_switch=0.0)
    key = next(k for k in range(50) if goal_of(k, params) == 4)
    trace = lifetime([RIGHT, RIGHT, RIGHT], params, key)
    assert trace[0] == (3.0, 0.0, 4, False)
    assert trace[1] == (2.0, 10.0, 4, True)  # reward arrives with the middle position
    assert trace[2][0] == 3.0


def test_position_is_clipped_and_sub_episodes_time_out():
    params = ForagingParams(p_switch=0.0)
    key = next(k for k in range(50) if goal_of(k, params) == 4)
    trace = lifetime([STAY] * 12, params, key)
    # the counter is checked before it increments: the 11th step ends the sub-episode
    assert [t[3] for t in trace[:11]] == [False] * 10 + [True]
    assert all(t[1] == 0.0 for t in trace)
    key0 = next(k for k in range(50) if goal_of(k, params) == 4)
    clipped = lifetime([LEFT, LEFT, LEFT], params, key0)
    assert [t[0] for t in clipped] == [1.0, 0.0, 0.0]


def test_stationary_goal_never_switches_and_non_stationary_does_about_half_the_time():
    def switches(p, resets=400):
        params = ForagingParams(p_switch=p)
        obs, state = ENV.reset(jax.random.PRNGKey(0), params)
        step = jax.jit(lambda k, s: ENV.step(k, s, STAY, params))
        count, goal = 0, int(state.goal)
        keys = jax.random.split(jax.random.PRNGKey(1), resets * 11)
        for k in keys:
            _, state, _, _, _, info = step(k, state)
            if bool(info["sub_episode_done"]):
                count += int(state.goal) != goal
                goal = int(state.goal)
        return count
    assert switches(0.0, 60) == 0
    n = switches(0.5, 120)
    assert 35 <= n <= 85  # 120 resets, Binomial(120, 0.5): mean 60


def test_dense_reward_is_minus_distance():
    params = ForagingParams(dense_reward=True)
    key = next(k for k in range(50) if goal_of(k, params) == 0)
    trace = lifetime([RIGHT], params, key)
    assert trace[0][1] == -3.0


def test_step_jits_and_vmaps():
    params = ForagingParams(p_switch=0.5)
    keys = jax.random.split(jax.random.PRNGKey(0), 8)
    obs, states = jax.vmap(ENV.reset, in_axes=(0, None))(keys, params)
    obs, states, rewards, *_ = jax.jit(jax.vmap(ENV.step, in_axes=(0, 0, 0, None)))(keys, states, jnp.zeros(8, int), params)
    assert obs.shape == (8, 1) and rewards.shape == (8,)
    np.testing.assert_array_equal(np.asarray(states.time), 1)
