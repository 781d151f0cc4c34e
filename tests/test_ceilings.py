"""Task ceilings: the best achievable expected fitness, known answers on short Foraging lifetimes."""

import pytest

from plasticnets.envs.ceilings import foraging_ceiling, task_ceiling
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
