"""The SPM's clock in the training loop: growth on steps with t mod s != 0, pruning on t mod s = 0, never both."""

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from plasticnets.experts.policy import ActorCritic
from plasticnets.smgrnn.distill import DistillConfig, distill
from plasticnets.smgrnn.spm import Events

TOTAL = 70  # not a multiple of S: the last partial block has growth steps only
S = 8


class ProbeState(NamedTuple):
    weight: jax.Array
    opt_state: object
    t: jax.Array  # updates so far
    grew: jax.Array  # bool [TOTAL + 1]: grew[t] after update t
    pruned: jax.Array


@dataclass(frozen=True)
class ClockProbe:
    """A student that records on which update count t the loop calls each SPM step."""

    num_inputs: int
    num_outputs: int
    block_len: int = S
    has_growth: bool = True
    has_pruning: bool = True

    @property
    def optimizer(self):
        return optax.sgd(0.0)

    def init(self, key):
        weight = jnp.zeros((self.num_inputs, self.num_outputs))
        flags = jnp.zeros(TOTAL + 1, bool)
        return ProbeState(weight, self.optimizer.init(weight), jnp.zeros((), jnp.int32), flags, flags)

    def params(self, state):
        return state.weight

    def forward(self, state, weight, obs):
        return obs @ weight

    def after_update(self, state, new_weight, opt_state, old_weight):
        return state._replace(weight=new_weight, opt_state=opt_state, t=state.t + 1)

    def end_block(self, state):
        return state

    def growth_needed(self, state, key):
        return jnp.ones((), bool)

    def growth_step(self, state, key):
        return state._replace(grew=state.grew.at[state.t].set(True)), Events.zero()

    def prune_step(self, state, key):
        return state._replace(pruned=state.pruned.at[state.t].set(True)), Events.zero()

    def size(self, state):
        zero = jnp.zeros((), jnp.int32)
        return zero, zero, zero

    def snapshot(self, state):
        return {}


@pytest.mark.parametrize("task,inputs,outputs", [("CartPole-v1", 4, 2), ("LunarLander-v3", 8, 4)])
def test_growth_on_steps_with_t_mod_s_nonzero_and_pruning_only_on_the_others(task, inputs, outputs):
    expert = ActorCritic(jax.random.PRNGKey(0), inputs, outputs)
    (run,) = distill(task, ClockProbe(inputs, outputs), DistillConfig(total_steps=TOTAL, chunk_blocks=3), expert, [0])
    t = np.arange(TOTAL + 1)
    grew, pruned = np.asarray(run.state.grew), np.asarray(run.state.pruned)
    assert int(run.state.t) == TOTAL
    np.testing.assert_array_equal(grew[1:], t[1:] % S != 0)  # every growth step, none on a pruning step
    np.testing.assert_array_equal(pruned[1:], t[1:] % S == 0)  # every pruning step, none elsewhere
    assert not grew[0] and not pruned[0]
