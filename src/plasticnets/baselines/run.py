"""Compute a task's trivial baselines under one family's evaluation protocol, and write them.

- ``smgrnn`` protocol (greedy evaluation over ``smgrnn.eval_episodes`` episodes from ``smgrnn.eval_seed``, what
  students and MLPs are scored on): every constant-action policy on the same episodes; the best of them is the
  trivial score. The uniform random policy's mean return is the registry's.
- ``lndp`` protocol (``lndp.eval_lifetimes`` fresh lifetimes from ``lndp.eval_seed``): the network with no edges
  and zero parameters, the ``full`` variant's model otherwise. It never rewires and always takes the same action
  (the first one; no torque on Pendulum): the constant policy as an LNDP.

Beside them: the task's solved threshold (the Gymnasium registry's, where it has one) and its ceiling
(``envs/ceilings.py``, where it is exact).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from plasticnets.dicts import merge
from plasticnets.envs import evaluate, get_task
from plasticnets.envs.ceilings import task_ceiling
from plasticnets.io import environment_info, write_json

log = logging.getLogger(__name__)

PROTOCOLS = ("smgrnn", "lndp")


def constant_action(action: jax.Array, obs: jax.Array) -> jax.Array:
    """A policy that ignores its observation (module level, so the compiled evaluator is reused)."""
    return jnp.full(obs.shape[:1], action, dtype=jnp.int32)


def policy_baselines(task: str, episodes: int, seed: int) -> dict[str, Any]:
    """Every constant action's mean return on the evaluation episodes; the best one is the trivial score."""
    spec = get_task(task)
    returns = {a: float(evaluate(task, constant_action, jnp.int32(a), episodes, seed).mean())
               for a in range(spec.num_actions)}
    best = max(returns, key=returns.get)
    return {"trivial": returns[best], "trivial_policy": f"constant action {best}",
            "constant_action_returns": returns, "random_policy": spec.random_return}


def empty_network_task(task: str, full_settings: dict[str, Any]):
    """The lifetime task of the ``full`` variant's model (its resolved settings) with no initial edges."""
    from plasticnets.lndp.run import build_task

    settings = dict(full_settings)
    settings["model"] = merge(settings["model"], {"p_hh": 0.0, "p_ih": 0.0, "p_ho": 0.0})
    return build_task(task, settings)


def empty_lndp_baseline(task: str, full_settings: dict[str, Any], lifetimes: int, seed: int) -> dict[str, Any]:
    """The ``full`` variant's model (its resolved settings) with no edges and zero parameters, on the evaluation
    lifetimes (``lndp.run.evaluation_keys``: the keys every LNDP run of the task is evaluated on)."""
    from plasticnets.lndp.params import zero_params
    from plasticnets.lndp.run import evaluate_params

    lifetime_task = empty_network_task(task, full_settings)
    (result,) = evaluate_params(lifetime_task, [zero_params(lifetime_task.model.cfg)], lifetimes, seed)
    fitness = np.asarray(result.fitness)
    return {"trivial": float(fitness.mean()), "trivial_std": float(fitness.std()),
            "trivial_policy": "empty network, zero parameters", "random_policy": get_task(task).random_return}


def run_baselines(task: str, protocol: str, settings: dict[str, Any], out: Path) -> dict[str, Any]:
    """Compute and write ``out/summary.json`` for one task under one family's protocol. ``settings``: the
    protocol's evaluation (``eval_episodes`` or ``eval_lifetimes``, ``eval_seed``) and, for ``lndp``, the
    ``full`` variant's resolved settings (``full``)."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown baseline protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
    start = time.perf_counter()
    if protocol == "smgrnn":
        values = policy_baselines(task, settings["eval_episodes"], settings["eval_seed"])
    else:
        values = empty_lndp_baseline(task, settings["full"], settings["eval_lifetimes"], settings["eval_seed"])
    spec = get_task(task)
    summary = {"family": "baselines", "task": task, "variant": protocol, "seed": settings["eval_seed"],
               **values, "solved": spec.reward_threshold, "ceiling": task_ceiling(task), "settings": settings,
               "wall_time_s": time.perf_counter() - start, "environment": environment_info()}
    write_json(Path(out) / "summary.json", summary)
    log.info("%s under the %s protocol: trivial %.2f (%s), solved %s, ceiling %s", task, protocol,
             summary["trivial"], summary["trivial_policy"], summary["solved"], summary["ceiling"])
    return summary
