"""The post-evolution evaluation's keys (lndp/run.py ``evaluation_keys``): common random numbers for every run and
baseline, and on Foraging exactly half of the lifetimes with the food on each side, so that the trivial baseline
(the empty network, always +1: always right) scores its exact expectation."""

from functools import partial

import jax
import numpy as np
import pytest

from plasticnets.baselines.run import empty_network_task
from plasticnets.envs.ceilings import foraging_constant_action_value
from plasticnets.envs.foraging import ForagingParams
from plasticnets.families import load_project_config
from plasticnets.lndp.params import zero_params
from plasticnets.lndp.run import evaluate_params, evaluation_keys, run_lndp
from plasticnets.lndp.tasks import foraging_initial_goal
from plasticnets.lndp.variants import resolve

from .conftest import ROOT

DEFAULT = load_project_config([ROOT / "config" / "config.yaml"])["lndp"]
N, SEED = DEFAULT["eval_lifetimes"], DEFAULT["eval_seed"]


@partial(jax.jit, static_argnums=0)
def initial_goals(task: str, keys: jax.Array) -> jax.Array:
    return jax.vmap(partial(foraging_initial_goal, task))(keys)


def food_on_the_right(task: str, keys: jax.Array) -> np.ndarray:
    return np.asarray(initial_goals(task, keys)) != 0


def test_the_default_evaluates_200_lifetimes():
    assert (N, SEED) == (200, 1_000_000)


@pytest.mark.parametrize("n", [2, 20, N])
def test_foraging_keys_put_the_food_on_each_side_in_exactly_half(n):
    keys = evaluation_keys("Foraging-nonstationary", n, SEED)
    assert keys.shape == (n, 2) and len({tuple(k) for k in np.asarray(keys).tolist()}) == n
    assert food_on_the_right("Foraging-nonstationary", keys).sum() == n // 2
    # the same keys on both Foraging tasks (the side is drawn the same way), and for the same seed every time
    assert (evaluation_keys("Foraging-stationary", n, SEED) == keys).all()
    assert (evaluation_keys("Foraging-nonstationary", n, SEED) == keys).all()
    assert not (evaluation_keys("Foraging-nonstationary", n, SEED + 1) == keys).all()


def test_foraging_keys_are_candidates_drawn_in_order():
    """The kept keys are the first n/2 of each side among fold_in(PRNGKey(seed), 0, 1, 2, ...), in that order."""
    root = jax.random.PRNGKey(SEED)
    candidates = jax.vmap(lambda i: jax.random.fold_in(root, i))(np.arange(64, dtype=np.uint32))
    right = food_on_the_right("Foraging-stationary", candidates)
    kept = np.sort(np.concatenate([np.flatnonzero(right)[:10], np.flatnonzero(~right)[:10]]))
    assert (evaluation_keys("Foraging-stationary", 20, SEED) == candidates[kept]).all()


def test_an_odd_count_on_foraging_is_refused_and_control_tasks_keep_their_keys(tmp_path):
    with pytest.raises(ValueError, match="cannot start with the food on each side in exactly half"):
        evaluation_keys("Foraging-stationary", 3, SEED)
    for task in ("CartPole-v1", "Acrobot-v1", "Pendulum-v1"):
        for n in (3, 20):
            assert (evaluation_keys(task, n, SEED) == jax.random.split(jax.random.PRNGKey(SEED), n)).all()
    # a run refuses an odd count before it evolves, not after
    with pytest.raises(ValueError, match="cannot start with the food"):
        run_lndp("Foraging-stationary", "full", 0, resolve(DEFAULT, "Foraging-stationary", "full"), tmp_path, 3, SEED)
    assert not list(tmp_path.iterdir())


# The trivial baseline's network at its smallest: it compiles in seconds instead of half a minute. Its size does not
# change a lifetime: with no edges and zero parameters the network never rewires and always takes action 0 (+1), and
# the environment draws from the lifetime key alone (`plasticnets baselines` on the default config scores the same).
SMALLEST = {"n_nodes": 5, "dev_steps": 0, "rnn_iters": 1, "node_features": 2, "edge_features": 1}


def empty_network_lifetimes(task: str) -> tuple[np.ndarray, np.ndarray]:
    """The trivial baseline's lifetimes on the default evaluation: fitness and whether the food started right."""
    settings = resolve(DEFAULT, task, "full")
    lifetime_task = empty_network_task(task, {**settings, "model": {**settings["model"], **SMALLEST}})
    (result,) = evaluate_params(lifetime_task, [zero_params(lifetime_task.model.cfg)], N, SEED)
    return np.asarray(result.fitness), food_on_the_right(task, evaluation_keys(task, N, SEED))


def test_always_right_scores_exactly_250_on_stationary_foraging():
    fitness, right = empty_network_lifetimes("Foraging-stationary")
    assert (fitness == np.where(right, 500.0, 0.0)).all()  # a reward every 2 steps on the right, none on the left
    assert fitness.mean() == 250.0 == foraging_constant_action_value(0, ForagingParams(p_switch=0.0), 100)


def test_always_right_on_nonstationary_foraging_is_its_exact_expectation_within_sampling_error():
    fitness, right = empty_network_lifetimes("Foraging-nonstationary")
    exact = foraging_constant_action_value(0, ForagingParams(p_switch=0.5), 100)  # 79.535...
    # the standard error of the stratified mean (each side weighs 1/2), from the lifetimes' own spread
    error = 0.5 * np.sqrt(fitness[right].var(ddof=1) / right.sum() + fitness[~right].var(ddof=1) / (~right).sum())
    assert abs(fitness.mean() - exact) < 3 * error, (fitness.mean(), exact, error)
    for side, q_right in ((right, 1), (~right, 0)):  # and each side near its own expectation
        side_exact = foraging_constant_action_value(0, ForagingParams(p_switch=0.5), 100, q_right=q_right)
        assert abs(fitness[side].mean() - side_exact) < 3 * fitness[side].std(ddof=1) / np.sqrt(side.sum())


@pytest.mark.parametrize("task_name", ["CartPole-v1", "Foraging-stationary"])
def test_the_developed_network_is_the_one_the_lifetime_starts_with(task_name):
    """Density after development (the dev_steps question's measure): the network ``LifetimeTask.developed``
    returns is, step for step, the one the lifetime on the same key starts from; with lifetime updates blocked
    it stays so, so the lifetime's first recorded density must be its density. Development changes it."""
    from plasticnets.lndp.model import LNDP
    from plasticnets.lndp.params import random_params
    from plasticnets.lndp.run import development_density
    from plasticnets.lndp.tasks import LifetimeTask, model_config

    def task(dev_steps, block=True):
        return LifetimeTask(task_name, LNDP(model_config(task_name, dev_steps=dev_steps, block_lt_updates=block)),
                            n_episodes=1)

    params = random_params(jax.random.PRNGKey(3), task(20).model.cfg)
    lifetimes = 4
    (result,) = evaluate_params(task(20), [params], lifetimes, SEED)
    developed = development_density(task(20), params, lifetimes, SEED)
    np.testing.assert_array_equal(developed, np.asarray(result.step_density)[:, 0, 0])
    assert not np.array_equal(developed, development_density(task(0), params, lifetimes, SEED))
    # the measure itself does not depend on what the lifetime does after development
    np.testing.assert_array_equal(developed, development_density(task(20, block=False), params, lifetimes, SEED))
