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

Beside the ceiling, the floor a trivial learner stands on: ``foraging_constant_action_value``, the exact expected
fitness of a Foraging policy that always takes one action (the empty LNDP always takes the first, +1: always right).
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


def foraging_constant_action_value(action: int = 0, params: ForagingParams = ForagingParams(), steps: int = 100,
                                   q_right: Fraction = Fraction(1, 2)) -> float:
    """Expected summed reward over one lifetime of ``steps`` steps of the policy that always takes ``action``
    (0: +1, always right), when the food starts on the right with probability ``q_right`` (1/2: the environment's
    coin, and the stratified evaluation's exact halves; 1 or 0: given the side). Exact, by dynamic programming over
    the environment's state (position, the sub-episode's step counter, the food's side) with the semantics of
    ``Foraging.step``: a sub-episode ends on reaching the food or when the counter, checked before it increments,
    equals ``max_steps``; then the agent is back in the middle and the food switches side with probability
    ``p_switch``."""
    right, middle = params.size - 1, params.size // 2
    switch, food = Fraction(params.p_switch), Fraction(params.food_reward)
    move = int(MOVES[action])

    @lru_cache(maxsize=None)
    def value(left: int, position: int, counter: int, goal: int) -> Fraction:
        if left == 0:
            return Fraction(0)
        new = min(max(position + move, 0), right)
        reached = new == goal
        reward = Fraction(-abs(new - goal)) if params.dense_reward else (food if reached else Fraction(0))
        if not (reached or counter == params.max_steps):
            return reward + value(left - 1, new, counter + 1, goal)
        stay, other = value(left - 1, middle, 0, goal), value(left - 1, middle, 0, right - goal)
        return reward + (1 - switch) * stay + switch * other

    q_right = Fraction(q_right)
    return float(q_right * value(steps, middle, 0, right) + (1 - q_right) * value(steps, middle, 0, 0))


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
