"""Fixed-size MLP baselines, trained by the very same distillation loop as SMGrNN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from plasticnets.experts.policy import MLP
from plasticnets.smgrnn.spm import Events


class MLPState(NamedTuple):
    model: MLP
    opt_state: Any


def mlp_parameter_count(num_inputs: int, hidden: tuple[int, ...], num_outputs: int) -> int:
    sizes = (num_inputs, *hidden, num_outputs)
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def size_matched_hidden(num_inputs: int, num_outputs: int, parameters: float) -> int:
    """Width of a one-hidden-layer MLP whose weights + biases come closest to ``parameters``.

    h*(in+1) + out*(h+1) = p  =>  h = (p - out) / (in + 1 + out), rounded, at least 1.
    """
    return max(1, int(round((parameters - num_outputs) / (num_inputs + 1 + num_outputs))))


@dataclass(frozen=True)
class MLPStudent:
    """A tanh MLP with orthogonal init and linear logits (the expert's architecture, other widths)."""

    num_inputs: int
    num_outputs: int
    hidden: tuple[int, ...]
    lr: float = 1e-3
    block_len: int = 100  # env steps per block of the training loop: one logged row of sizes per block
    has_growth: bool = False  # so the loop never runs a growth step
    has_pruning: bool = False  # ... nor a pruning step

    @property
    def optimizer(self) -> optax.GradientTransformation:
        return optax.adam(self.lr)

    def init(self, key) -> MLPState:
        model = MLP(key, self.num_inputs, tuple(self.hidden), self.num_outputs, out_scale=1.0)
        return MLPState(model, self.optimizer.init(eqx.filter(model, eqx.is_array)))

    def params(self, state: MLPState):
        return state.model

    def forward(self, state: MLPState, model: MLP, obs: jax.Array) -> jax.Array:
        return model(obs)

    def after_update(self, state: MLPState, new_model, opt_state, old_model) -> MLPState:
        return MLPState(new_model, opt_state)

    def end_block(self, state: MLPState) -> MLPState:
        return state

    def growth_step(self, state: MLPState, key) -> tuple[MLPState, Events]:
        return state, Events.zero()

    def growth_needed(self, state: MLPState, key) -> jax.Array:
        return jnp.zeros((), bool)

    def prune_step(self, state: MLPState, key) -> tuple[MLPState, Events]:
        return state, Events.zero()

    def size(self, state: MLPState):
        params = mlp_parameter_count(self.num_inputs, self.hidden, self.num_outputs)
        weights = params - sum(self.hidden) - self.num_outputs
        return jnp.asarray(sum(self.hidden)), jnp.asarray(weights), jnp.asarray(params)

    def snapshot(self, state: MLPState) -> dict:
        arrays = {}
        for i, layer in enumerate(state.model.layers):
            arrays[f"weight{i}"], arrays[f"bias{i}"] = np.asarray(layer.weight), np.asarray(layer.bias)
        return arrays

