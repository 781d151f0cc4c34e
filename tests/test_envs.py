"""Task registry: shapes, termination, and the gymnasium host path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from plasticnets.envs import TASKS, HostEnvBatch, evaluate, get_task, make_gymnax


def test_unknown_task_names_the_allowed_ones():
    with pytest.raises(KeyError) as err:
        get_task("CartPole-v0")
    assert "CartPole-v0" in str(err.value) and "LunarLander-v3" in str(err.value)


@pytest.mark.parametrize("name", ["CartPole-v1", "Acrobot-v1"])
def test_gymnax_shapes_match_registry(name):
    spec = get_task(name)
    env, params = make_gymnax(name)
    obs, state = env.reset(jax.random.PRNGKey(0), params)
    assert obs.shape == (spec.obs_size,)
    assert env.num_actions == spec.num_actions
    assert params.max_steps_in_episode == spec.max_episode_steps
    obs, state, reward, terminated, truncated, info = env.step(jax.random.PRNGKey(1), state, 0, params)
    assert obs.shape == (spec.obs_size,) and reward.shape == ()


def always(action):
    return lambda params, obs: jnp.full(obs.shape[:-1], action, dtype=jnp.int32)


PUSH_LEFT = always(0)


def test_cartpole_episodes_terminate_early_under_a_bad_policy():
    returns = evaluate("CartPole-v1", PUSH_LEFT, None, 8, seed=3)
    assert returns.shape == (8,)
    # Always pushing left topples the pole within a few dozen steps.
    assert np.all(returns < 50) and np.all(returns >= 8)


def test_acrobot_times_out_at_500_steps_under_a_passive_policy():
    returns = evaluate("Acrobot-v1", always(1), None, 4, seed=0)  # torque 0: never swings up
    np.testing.assert_array_equal(returns, -500.0)


def test_evaluation_is_reproducible_and_seed_dependent():
    policy = always(1)
    a = evaluate("CartPole-v1", policy, None, 6, seed=11)
    b = evaluate("CartPole-v1", policy, None, 6, seed=11)
    c = evaluate("CartPole-v1", policy, None, 6, seed=12)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_lunarlander_reset_and_step_on_the_host():
    spec = get_task("LunarLander-v3")
    assert spec.backend == "gymnasium"
    envs = HostEnvBatch("LunarLander-v3", num_envs=3, seed=0)
    obs = envs.reset()
    assert obs.shape == (3, spec.obs_size) and obs.dtype == np.float32
    ended = 0
    for _ in range(400):  # doing nothing, the lander falls and crashes or lands
        obs, reward, terminated, truncated, final_obs = envs.step(np.zeros(3, int))
        assert obs.shape == final_obs.shape == (3, spec.obs_size)
        assert reward.shape == (3,)
        ended += int((terminated | truncated).sum())
        if (terminated | truncated).any():
            # same-step reset: the returned observation starts a new episode
            i = int(np.argmax(terminated | truncated))
            assert not np.allclose(obs[i], final_obs[i])
    envs.close()
    assert ended >= 3


def test_lunarlander_evaluate_runs_exact_episode_count_reproducibly():
    a = evaluate("LunarLander-v3", always(0), None, 3, seed=5)
    b = evaluate("LunarLander-v3", always(0), None, 3, seed=5)
    assert a.shape == (3,)
    np.testing.assert_array_equal(a, b)
    assert np.all(a < 0)  # a free-falling lander crashes


def test_registry_lists_the_three_smgrnn_tasks():
    assert set(TASKS) >= {"CartPole-v1", "Acrobot-v1", "LunarLander-v3"}
