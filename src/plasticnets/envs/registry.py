"""The tasks every stage can name, and where each one comes from.

Later stages ask this registry for sizes and thresholds and never care whether a
task is a JAX (gymnax) environment or a host (gymnasium) one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Backend = Literal["gymnax", "gymnasium"]


@dataclass(frozen=True)
class TaskSpec:
    """Static facts about one task."""

    name: str
    backend: Backend
    obs_size: int
    num_actions: int
    max_episode_steps: int
    reward_threshold: float  # Gymnasium registry's "solved" threshold
    random_return: float  # mean return of a uniform random policy (specs/rl_and_stats.md)


TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec("CartPole-v1", "gymnax", 4, 2, 500, 475.0, 22.4),
        TaskSpec("Acrobot-v1", "gymnax", 6, 3, 500, -100.0, -498.5),
        TaskSpec("LunarLander-v3", "gymnasium", 8, 4, 1000, 200.0, -179.8),
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
