"""The tasks every stage can name, and where each one comes from.

Later stages ask this registry for sizes and thresholds and never care whether a
task is a JAX (gymnax) environment or a host (gymnasium) one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Backend = Literal["gymnax", "gymnasium", "jax"]  # jax: this package's own environments


@dataclass(frozen=True)
class TaskSpec:
    """Static facts about one task."""

    name: str
    backend: Backend
    obs_size: int
    num_actions: int
    max_episode_steps: int
    reward_threshold: float | None  # Gymnasium registry's "solved" threshold (None: it has none)
    random_return: float | None  # mean return of a uniform random policy (docs/decisions.md, "Statistics and claims")
    continuous: bool = False  # actions are num_actions real values instead of one index
    action_scale: float = 1.0  # a tanh output in [-1, 1] times this is the action (Pendulum's torque)
    env_kwargs: tuple = ()  # (name, value) pairs for the environment's parameters


TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec("CartPole-v1", "gymnax", 4, 2, 500, 475.0, 22.4),
        TaskSpec("Acrobot-v1", "gymnax", 6, 3, 500, -100.0, -498.5),
        TaskSpec("LunarLander-v3", "gymnasium", 8, 4, 1000, 200.0, -179.8),
        TaskSpec("Pendulum-v1", "gymnax", 3, 1, 200, None, None, continuous=True, action_scale=2.0),
        # The LNDP paper's Foraging task (envs/foraging.py): one 100-step lifetime, food
        # reward 10; the food stays on its side, or switches with probability 0.5 at each
        # sub-episode reset (docs/method/lndp.md#foraging).
        TaskSpec("Foraging-stationary", "jax", 1, 3, 100, None, None, env_kwargs=(("p_switch", 0.0),)),
        TaskSpec("Foraging-nonstationary", "jax", 1, 3, 100, None, None, env_kwargs=(("p_switch", 0.5),)),
    )
}


class UnknownTaskError(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; say it plainly
        return str(self.args[0])


def get_task(name: str) -> TaskSpec:
    """Look a task up by its Gymnasium id, with the allowed ids in the error."""
    try:
        return TASKS[name]
    except KeyError:
        raise UnknownTaskError(
            f"unknown task {name!r}; known tasks: {', '.join(sorted(TASKS))}"
        ) from None
