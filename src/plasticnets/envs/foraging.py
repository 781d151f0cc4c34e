"""The LNDP paper's Foraging task: a 1-D line with food at one end, possibly switching sides.

Behaviour follows the official code's ``GridChemotaxis`` (docs/method/lndp.md#foraging), written
against the gymnax 1.x API (``reset(key, params)``, ``step(key, state, action, params)``
returning ``obs, state, reward, terminated, truncated, info``):

- ``size`` cells (default 5); the agent starts in the middle; food sits at one end,
  drawn uniformly at the first reset and not observable.
- Actions ``[+1, -1, 0]``; the position is clipped to the line; the observation is the
  position as a raw number.
- Reward 10 on the step that reaches the food (or ``-|pos - goal|`` with dense rewards).
- A sub-episode ends on reaching the food or when its step counter (checked before it
  increments) equals ``max_steps``; the agent then returns to the middle at once, so the
  food reward arrives together with the middle position. At each such reset the food
  changes side with probability ``p_switch`` (0: stationary, 0.5: the paper's
  non-stationary setting).

Random draws come from the keys as in the official code, so the same key gives the same
food side and the same switches: ``reset`` splits its key in three and draws the side
with ``randint(third, (), 0, 2)`` (1: the far end); ``step`` splits its key in two and
draws the switch as ``uniform(first) < p_switch`` at every step (the official code then
resets the environment with the second key, whose food side the switch overrides, so it
is unused here).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

MOVES = np.array([1, -1, 0], dtype=np.int32)  # numpy: a module-level jax array could leak a tracer


class ForagingParams(NamedTuple):
    size: int = 5
    max_steps: int = 10
    p_switch: float = 0.0
    food_reward: float = 10.0
    dense_reward: bool = False


class ForagingState(NamedTuple):
    position: jax.Array  # int32
    goal: jax.Array  # int32: 0 or size - 1
    steps: jax.Array  # int32: steps taken in the current sub-episode
    time: jax.Array  # int32: steps taken in the lifetime


class Foraging:
    """Functional environment; one lifetime is one ``reset`` followed by many ``step`` calls."""

    num_actions = 3
    obs_size = 1

    @property
    def default_params(self) -> ForagingParams:
        return ForagingParams()

    def reset(self, key: jax.Array, params: ForagingParams | None = None):
        params = params or self.default_params
        _key_pos, _key_target_pos, key_goal = jax.random.split(key, 3)
        goal = jnp.where(jax.random.randint(key_goal, (), 0, 2) == 1, params.size - 1, 0).astype(jnp.int32)
        middle = jnp.int32(params.size // 2)
        state = ForagingState(middle, goal, jnp.int32(0), jnp.int32(0))
        return self.observe(state), state

    def observe(self, state: ForagingState) -> jax.Array:
        return state.position.astype(jnp.float32)[None]

    def step(self, key: jax.Array, state: ForagingState, action, params: ForagingParams | None = None):
        params = params or self.default_params
        position = jnp.clip(state.position + jnp.asarray(MOVES)[action], 0, params.size - 1)
        reached = position == state.goal
        reward = jnp.where(
            params.dense_reward,
            -jnp.abs(position - state.goal).astype(jnp.float32),
            jnp.where(reached, params.food_reward, 0.0),
        )
        done = reached | (state.steps == params.max_steps)
        key_switch, _key_reset = jax.random.split(key)
        switch = done & (jax.random.uniform(key_switch) < params.p_switch)
        goal = jnp.where(switch, params.size - 1 - state.goal, state.goal).astype(jnp.int32)
        new_state = ForagingState(
            position=jnp.where(done, params.size // 2, position).astype(jnp.int32),
            goal=goal,
            steps=jnp.where(done, 0, state.steps + 1).astype(jnp.int32),
            time=state.time + 1,
        )
        info = {"reached": reached, "switched": switch, "sub_episode_done": done}
        # A lifetime never terminates: sub-episodes reset inside the environment.
        return self.observe(new_state), new_state, reward, jnp.bool_(False), jnp.bool_(False), info
