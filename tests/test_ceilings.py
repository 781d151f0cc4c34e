"""Task ceilings: the best achievable expected fitness, known answers on short Foraging lifetimes."""

import pytest

from plasticnets.envs.ceilings import foraging_ceiling, foraging_constant_action_value, task_ceiling
from plasticnets.envs.foraging import ForagingParams

STATIONARY, SWITCHING = ForagingParams(), ForagingParams(p_switch=0.5)


@pytest.mark.parametrize("steps, expected", [
    (1, 0.0),    # one step from the middle reaches no end
    (2, 5.0),    # walk to one end: the food is there half the time
    (4, 10.0),   # found (p=1/2): back in the middle, two steps to the known side again; not found: 2 steps back
    (6, 20.0),   # not found at t=2: four steps to the other end, reward at t=6; found: rewards at t=2, 4, 6
    (100, 490.0),  # 50 rewards if the first guess is right, else 48: (50 + 48) / 2
])
def test_stationary_foraging_known_answers(steps, expected):
    assert foraging_ceiling(STATIONARY, steps) == expected


def test_switching_food_halves_what_can_be_known():
    # After every reset the side is a coin flip: 2 steps when the guess is right, 6 when it is not.
    assert foraging_ceiling(SWITCHING, 2) == 5.0
    assert foraging_ceiling(SWITCHING, 100) == pytest.approx(248.75, abs=1e-6)
    assert foraging_ceiling(SWITCHING, 100) < foraging_ceiling(STATIONARY, 100)


def test_sub_episode_time_limit_matters():
    # With a 1-step limit the agent is sent back to the middle before it can reach an end.
    assert foraging_ceiling(ForagingParams(max_steps=0), 100) == 0.0


def test_task_ceilings():
    assert task_ceiling("CartPole-v1") == 500.0
    assert task_ceiling("Pendulum-v1") == 0.0
    assert task_ceiling("Foraging-stationary") == 490.0
    assert task_ceiling("Acrobot-v1") is None and task_ceiling("LunarLander-v3") is None


def test_always_right_on_stationary_foraging():
    # Food on the right: reached every 2 steps from the middle, 50 rewards in 100 steps; on the left: never.
    assert foraging_constant_action_value(0, STATIONARY, 100, q_right=1) == 500.0
    assert foraging_constant_action_value(0, STATIONARY, 100, q_right=0) == 0.0
    assert foraging_constant_action_value(0, STATIONARY, 100) == 250.0
    assert foraging_constant_action_value(1, STATIONARY, 100) == 250.0  # always left: the mirror image
    assert foraging_constant_action_value(2, STATIONARY, 100) == 0.0  # staying in the middle reaches no end


@pytest.mark.parametrize("steps, q_right, expected", [
    (2, 0.5, 5.0),    # the food is right at t=2 with probability 1/2
    (4, 0.5, 7.5),    # found at t=2 (1/2): back in the middle, the food stays right with probability 1/2
    (6, 0.5, 8.75),   # found at t=2: 10 + 1/2 (10 + 1/2 10); on the left it is still walking
    (12, 0.0, 0.0),   # food left: the sub-episode ends at its 11th step (the counter, checked first, is 10)...
    (13, 0.0, 5.0),   # ... then it switches to the right with probability 1/2, reached at t=13
])
def test_always_right_on_switching_foraging_known_answers(steps, q_right, expected):
    assert foraging_constant_action_value(0, SWITCHING, steps, q_right=q_right) == expected


def test_always_right_on_switching_foraging_sits_between_the_two_sides():
    value = foraging_constant_action_value(0, SWITCHING, 100)
    right = foraging_constant_action_value(0, SWITCHING, 100, q_right=1)
    left = foraging_constant_action_value(0, SWITCHING, 100, q_right=0)
    assert value == pytest.approx((right + left) / 2) and left < value < right
    assert value == pytest.approx(79.5352245, abs=1e-6)  # the trivial baseline's expectation (docs/decisions.md)
