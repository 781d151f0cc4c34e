"""Best achievable expected fitness (the ceiling) of a task, where it can be computed exactly.

A result means something only between the trivial baseline and the ceiling: a band the claims check
against must lie between the two, and a learner's gap to the ceiling says how much is left to learn.

- Control tasks with a reward of 1 per step until a time limit (CartPole-v1): the time limit.
- Pendulum-v1: 0, an upper bound (every reward is <= 0), not attainable from most starts.
- Foraging (envs/foraging.py): exact, by dynamic programming over what an agent can know: its
  position, the sub-episode's step counter, and its belief that the food is at the right end
  (the food side is hidden; reaching an end reveals it; at each reset the food switches side with
  probability p_switch). The agent that acts optimally on this belief scores the ceiling.
- Acrobot-v1, LunarLander-v3: no exact value (None).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from plasticnets.envs.foraging import MOVES, ForagingParams
from plasticnets.envs.registry import get_task


def foraging_ceiling(params: ForagingParams = ForagingParams(), steps: int = 100) -> float:
    """Expected summed reward of the Bayes-optimal agent over one lifetime of ``steps`` steps."""
    right, middle = params.size - 1, params.size // 2
    switch, food = Fraction(params.p_switch), Fraction(params.food_reward)  # exact: no rounding in the recursion

    def after_reset(q_right: Fraction) -> Fraction:
        """Belief that the food is right after a reset, when it was right with probability ``q_right``."""
        return q_right * (1 - switch) + (1 - q_right) * switch

    @lru_cache(maxsize=None)
    def value(left: int, position: int, counter: int, q_right: Fraction) -> Fraction:
        if left == 0:
            return Fraction(0)
        best = None
        for move in MOVES.tolist():
            new = min(max(position + move, 0), right)
            if new in (0, right):
                p_food = q_right if new == right else 1 - q_right
                outcomes = [(p_food, True, Fraction(new == right)),        # food here: reward, side known
                            (1 - p_food, False, Fraction(new != right))]  # not here: it is at the other end
            else:
                outcomes = [(Fraction(1), False, q_right)]
            expected = Fraction(0)
            for probability, reached, q_post in outcomes:
                if probability == 0:
                    continue
                done = reached or counter == params.max_steps
                rest = (value(left - 1, middle, 0, after_reset(q_post)) if done
                        else value(left - 1, new, counter + 1, q_post))
                expected += probability * ((food if reached else 0) + rest)
            best = expected if best is None else max(best, expected)
        return best

    return float(value(steps, middle, 0, Fraction(1, 2)))


def task_ceiling(name: str) -> float | None:
    """The best achievable expected fitness of an LNDP lifetime episode on ``name`` (None: not computable)."""
    spec = get_task(name)
    if name == "CartPole-v1":
        return float(spec.max_episode_steps)
    if name == "Pendulum-v1":
        return 0.0
    if name.startswith("Foraging"):
        return foraging_ceiling(ForagingParams(**dict(spec.env_kwargs)), spec.max_episode_steps)
    return None
