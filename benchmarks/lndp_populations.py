"""Populations for benchmarks/lndp_throughput.py: what evolution evaluates early and mid-run.

- ``first_generation``: parameters drawn N(0, 1), as CMA-ES's first generation draws them.
  CartPole episodes last tens of steps, so the population loop skips most updates.
- ``balancing``: constructed parameters whose networks balance CartPole for 500 steps in
  every episode, the population late in a successful run, where no update is skipped.
  Node states keep their random initial values (node GRU update gate shut), every allowed
  edge is grown at the first update and none is pruned, and each weight is
  ``tanh(3 h_post[0] + h_pre[1])``: a random two-layer network fixed per lifetime. About
  4 % of lifetime keys give a network that balances in all three episodes; ``BALANCING_KEYS``
  are such keys (indices into ``split(PRNGKey(1), 2048)``, found by ``--screen``). The
  update still does all of its work: its cost does not depend on the parameters' values.
- ``from_checkpoint``: a population sampled from a saved CMA-ES state (read only).
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from plasticnets.lndp.params import GRU, LNDPConfig, LNDPParams, random_params, zero_params

KEY_POOL = 2048
# `python benchmarks/lndp_throughput.py --screen` (83 of the 2,048 keys, 2026-12-02)
BALANCING_KEYS = [
    8, 13, 32, 37, 104, 133, 164, 180, 198, 200, 253, 264, 276, 284, 315, 406, 431, 438, 450, 451,
    458, 506, 512, 559, 569, 581, 600, 611, 633, 667, 714, 758, 763, 792, 864, 911, 916, 951, 954,
    975, 982, 1003, 1004, 1013, 1087, 1105, 1151, 1179, 1195, 1205, 1214, 1215, 1216, 1217, 1294,
    1318, 1349, 1366, 1371, 1375, 1385, 1397, 1420, 1455, 1478, 1503, 1544, 1582, 1706, 1726, 1739,
    1761, 1793, 1811, 1855, 1904, 1934, 1944, 1954, 1989, 1994, 2027, 2032,
]


def first_generation(cfg: LNDPConfig, size: int):
    params = jax.vmap(lambda k: random_params(k, cfg))(jax.random.split(jax.random.PRNGKey(0), size))
    return params, jax.random.split(jax.random.PRNGKey(1), size)


def balancing_params(cfg: LNDPConfig) -> LNDPParams:
    """One parameter vector whose lifetimes balance CartPole for some keys (module docstring)."""
    p = zero_params(cfg)
    e, f = cfg.edge_features, cfg.node_features
    node = p.node_gru._replace(bias=p.node_gru.bias.at[f:2 * f].set(30.0))  # update gate 1: h kept
    edge = p.edge_gru
    weight_ih = edge.weight_ih.at[2 * e, 0].set(3.0).at[2 * e, f + 1].set(1.0)  # candidate e0 <- 3 h_post[0] + h_pre[1]
    bias = edge.bias.at[e:2 * e].set(-30.0)  # update gate 0: e <- candidate
    return p._replace(node_gru=node, edge_gru=GRU(weight_ih, edge.weight_hh, bias, edge.bias_n),
                      add=p.add._replace(b2=jnp.full((1,), 10.0)),  # grow every allowed edge
                      prune=p.prune._replace(b2=jnp.full((1,), -10.0)))  # prune none


def balancing(cfg: LNDPConfig, size: int):
    """``size`` members: the balancing parameters with the screened keys (cycled if too few)."""
    if not BALANCING_KEYS:
        raise RuntimeError("no screened keys: run `python benchmarks/lndp_throughput.py --screen`")
    pool = jax.random.split(jax.random.PRNGKey(1), KEY_POOL)
    keys = pool[np.resize(np.asarray(BALANCING_KEYS), size)]
    params = jax.tree.map(lambda x: jnp.broadcast_to(x, (size,) + x.shape), balancing_params(cfg))
    return params, keys


def screen(cfg: LNDPConfig, evaluate, batch: int = 64) -> list[int]:
    """Indices of the pool keys whose lifetimes with ``balancing_params`` reach 500 in every
    episode; ``evaluate(params, keys)`` returns the lifetimes of a batch."""
    params = jax.tree.map(lambda x: jnp.broadcast_to(x, (batch,) + x.shape), balancing_params(cfg))
    pool = jax.random.split(jax.random.PRNGKey(1), KEY_POOL)
    good = []
    for start in range(0, KEY_POOL, batch):
        returns = np.asarray(evaluate(params, pool[start:start + batch]).episode_returns)
        good += (np.nonzero((returns >= 500).all(axis=1))[0] + start).tolist()
    return good


def from_checkpoint(path: Path, cfg: LNDPConfig, size: int, eigen_every: int = 10):
    """``size`` members sampled from the CMA-ES state saved at ``path`` (es_state.g<generation>.eqx, named in its checkpoint.json), as
    ``evolve.py`` would ask them; the file is only read."""
    import equinox as eqx

    from plasticnets.lndp.evolve import Evolution, EvolutionConfig
    from plasticnets.lndp.model import LNDP
    from plasticnets.lndp.tasks import LifetimeTask

    evolution = Evolution(LifetimeTask("CartPole-v1", LNDP(cfg)),
                          EvolutionConfig(population_size=size, eigen_every=eigen_every), seed=0)
    template = evolution.es.init(jax.random.PRNGKey(0), evolution.template, evolution.es_params)
    template = jax.tree.map(lambda x: jnp.array(x, dtype=jnp.asarray(x).dtype), template)
    state = eqx.tree_deserialise_leaves(path, template)
    params, _ = evolution.es.ask(jax.random.PRNGKey(2), state, evolution.es_params)
    return params, jax.random.split(jax.random.PRNGKey(1), size)
