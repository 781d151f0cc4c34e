"""PPO pieces: GAE by hand, loss sanity, policy save/load, config checks, a short real training run."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from plasticnets.experts.policy import ActorCritic, greedy_action, load_policy, save_policy
from plasticnets.experts.ppo import PPOConfig, compute_gae, truncation_bonus


def test_gae_matches_hand_computation():
    gamma, lam = 0.9, 0.8
    rewards = jnp.array([[1.0], [0.0], [2.0]])
    values = jnp.array([[0.5], [1.0], [0.2]])
    dones = jnp.array([[0.0], [1.0], [0.0]])  # episode ends after step 1
    last_value = jnp.array([0.4])
    # step 2: delta = 2 + .9*.4 - .2 = 2.16; A2 = 2.16
    # step 1 (done): delta = 0 - 1 = -1; A1 = -1 (no bootstrap across the boundary)
    # step 0: delta = 1 + .9*1.0 - .5 = 1.4; A0 = 1.4 + .9*.8*(-1) = 0.68
    adv, targets = compute_gae(rewards, values, dones, last_value, gamma, lam)
    np.testing.assert_allclose(adv[:, 0], [0.68, -1.0, 2.16], rtol=1e-6)
    np.testing.assert_allclose(targets[:, 0], [1.18, 0.0, 2.36], rtol=1e-6)


def test_truncation_bootstraps_only_time_limits():
    model = ActorCritic(jax.random.PRNGKey(0), 4, 2)
    final_obs = jnp.ones((3, 4))
    terminated = jnp.array([False, True, True])
    truncated = jnp.array([True, True, False])
    bonus = truncation_bonus(model, final_obs, terminated, truncated, 0.99)
    expected0 = 0.99 * model.value(final_obs)[0]
    np.testing.assert_allclose(bonus, [expected0, 0.0, 0.0], rtol=1e-6)


def test_policy_round_trip_gives_identical_actions(tmp_path):
    model = ActorCritic(jax.random.PRNGKey(3), 6, 3, (16, 8))
    path = tmp_path / "policy.eqx"
    save_policy(path, model, {"obs_size": 6, "num_actions": 3, "hidden": [16, 8], "task": "Acrobot-v1"})
    loaded, header = load_policy(path)
    obs = jax.random.normal(jax.random.PRNGKey(4), (256, 6))
    np.testing.assert_array_equal(greedy_action(model, obs), greedy_action(loaded, obs))
    np.testing.assert_array_equal(model.logits(obs), loaded.logits(obs))
    assert header["task"] == "Acrobot-v1"


def test_corrupt_policy_file_is_reported_by_name(tmp_path):
    path = tmp_path / "policy.eqx"
    model = ActorCritic(jax.random.PRNGKey(0), 4, 2)
    save_policy(path, model, {"obs_size": 4, "num_actions": 2, "hidden": [64, 64]})
    path.write_bytes(path.read_bytes()[:200])  # truncated
    with pytest.raises(ValueError, match="policy.eqx"):
        load_policy(path)
    with pytest.raises(FileNotFoundError, match="missing.eqx"):
        load_policy(tmp_path / "missing.eqx")


def test_ppo_config_rejects_bad_settings():
    with pytest.raises(ValueError, match="unknown PPO setting"):
        PPOConfig.from_dict({"learning_rate": 1e-3})
    with pytest.raises(ValueError, match="smaller than one rollout"):
        PPOConfig(total_steps=100, num_envs=4, num_steps=128)
    with pytest.raises(ValueError, match="not divisible"):
        PPOConfig(num_envs=3, num_steps=5, num_minibatches=4, total_steps=1000)


def test_short_cartpole_training_beats_random_and_is_deterministic():
    from plasticnets.experts.train import train_expert

    cfg = PPOConfig(total_steps=40_960, num_envs=8, num_steps=128, lr=1e-3, num_evals=2, eval_episodes=5)
    run_a = train_expert("CartPole-v1", 0, cfg)
    run_b = train_expert("CartPole-v1", 0, cfg)
    # A uniform random policy averages 22 on CartPole; 40 updates of PPO clearly beat it.
    assert run_a.best_selection_return > 60
    np.testing.assert_array_equal(run_a.metrics["loss"].to_numpy(), run_b.metrics["loss"].to_numpy())
    assert len(run_a.metrics) == cfg.num_updates
