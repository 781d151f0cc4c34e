"""LNDP run folders: evolve from a variant's resolved settings, evaluate, write artifacts.

Per task x variant x seed:
- ``metrics.parquet``: one row per generation (best, mean, worst fitness, density,
  per-episode returns, CMA-ES step size, wall time);
- ``best.eqx`` / ``mean.eqx``: the best member found and the final CMA-ES mean
  (what the official code checkpoints), as equinox leaves (no pickle);
- ``lifetime.parquet``: the best parameters in ``eval_lifetimes`` fresh lifetimes (``evaluation_keys``), one
  row per lifetime x episode x step (density after the step's update, reward);
- ``summary.json``: the variant's settings, best fitness, evaluation of best and mean parameters
  (fitness, per-episode returns, final density), sizes, versions and wall time;
The resumable state goes to a checkpoint folder outside the run folder (the rule passes
``checkpoints/lndp/<task>/<variant>/seed<k>``): every file of a run folder is a declared output, which
Snakemake deletes before it reruns a job, and a checkpoint must survive exactly that rerun.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from plasticnets.envs import get_task
from plasticnets.io import atomic_path, environment_info, write_json, write_parquet
from plasticnets.lndp.evolve import Evolution, EvolutionConfig, run_evolution
from plasticnets.lndp.model import LNDP
from plasticnets.lndp.params import LNDPConfig, LNDPParams, num_params, zero_params
from plasticnets.lndp.tasks import Lifetime, LifetimeTask, foraging_initial_goal, model_config

log = logging.getLogger(__name__)


def build_task(task: str, variant_settings: dict[str, Any]) -> LifetimeTask:
    """The lifetime task a variant's resolved settings describe (its ``model`` and ``lifetime`` parts)."""
    lifetime = variant_settings["lifetime"]
    return LifetimeTask(task, LNDP(model_config(task, **variant_settings["model"])),
                        n_episodes=lifetime["n_episodes"], l1_penalty=lifetime["l1_penalty"])


def _food_side_halves(task_name: str, n: int) -> int | None:
    """How many of ``n`` evaluation lifetimes start with the food on each side: n/2 on a Foraging task (a
    ValueError for an odd n), None on a control task (a gymnax task: ``LifetimeTask.uses_own_env`` is False)."""
    if get_task(task_name).backend != "jax":
        return None
    if n % 2:
        raise ValueError(f"{task_name}: {n} evaluation lifetimes cannot start with the food on each side in exactly "
                         "half of them; use an even number")
    return n // 2


def evaluation_keys(task_name: str, n: int, seed: int) -> jax.Array:
    """The keys of the ``n`` evaluation lifetimes from ``seed``: the same for every variant, run and baseline of a
    task (common random numbers).

    Control tasks: ``split(PRNGKey(seed), n)``.

    Foraging: the food's initial side is one fair coin per lifetime and sets most of a lifetime's score (always
    walking right scores 500 with the food on the right and 0 on the left of the stationary task), so ``n``
    independent coins add a sampling error that says nothing about the parameters: 16 of ``split(PRNGKey(1000000),
    20)`` put the food on the right, and the always-right policy, whose expected score is 250, scored 400. The side
    is stratified instead: candidates ``fold_in(PRNGKey(seed), i)``, i = 0, 1, 2, ..., are drawn in order, and the
    first n/2 whose lifetime starts with the food on the left and the first n/2 with it on the right are kept, in
    the order drawn. A kept key is an ordinary lifetime key (the lifetime stays a pure function of parameters and
    key, with the official key derivation; ``foraging_initial_goal`` reads the side from the same environment-reset
    key as the lifetime), so given its side every other draw (network, switches) is what it would be in any
    lifetime with that side, and the mean over the n lifetimes weighs the two sides exactly 1/2 each, as their
    probability in evolution. An odd ``n`` cannot be split in halves: a ValueError (and the config check refuses
    an odd ``lndp.eval_lifetimes`` while a Foraging task is configured)."""
    root = jax.random.PRNGKey(seed)
    half = _food_side_halves(task_name, n)
    if half is None:
        return jax.random.split(root, n)
    chunks, sides = [], []
    while min(sum(int((~r).sum()) for r in sides), sum(int(r.sum()) for r in sides)) < half:
        keys, right = _candidate_keys(task_name, root, len(chunks) * _CANDIDATES)
        chunks.append(keys)
        sides.append(np.asarray(right))
    candidates, right = jnp.concatenate(chunks), np.concatenate(sides)
    kept = np.sort(np.concatenate([np.flatnonzero(~right)[:half], np.flatnonzero(right)[:half]]))
    return candidates[kept]


_CANDIDATES = 256  # candidate keys drawn at a time (one compiled shape for every n)


@partial(jax.jit, static_argnums=0)
def _candidate_keys(task_name: str, root: jax.Array, start: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Candidates ``fold_in(root, i)`` for i in [start, start + _CANDIDATES), and whether each one's lifetime
    starts with the food on the right."""
    keys = jax.vmap(partial(jax.random.fold_in, root))(start + jnp.arange(_CANDIDATES, dtype=jnp.uint32))
    return keys, jax.vmap(partial(foraging_initial_goal, task_name))(keys) != 0


def evaluate_params(task: LifetimeTask, params: list[LNDPParams], lifetimes: int, seed: int) -> list[Lifetime]:
    """``lifetimes`` fresh lifetimes of each parameter set, all on the same keys (``evaluation_keys``: common
    random numbers; on Foraging half of them start with the food on each side), in one compiled program."""
    keys = evaluation_keys(task.name, lifetimes, seed)
    evaluate = jax.jit(jax.vmap(task, in_axes=(None, 0)))
    return [evaluate(p, keys) for p in params]


def development_density(task: LifetimeTask, params: LNDPParams, lifetimes: int, seed: int) -> np.ndarray:
    """The density of each evaluation lifetime's network after development, before its first step (the lifetimes
    ``evaluate_params`` runs: the same keys)."""
    density = jax.jit(jax.vmap(lambda p, key: task.model.density(task.developed(p, key)), in_axes=(None, 0)))
    return np.asarray(density(params, evaluation_keys(task.name, lifetimes, seed)))


def _evaluation_summary(result: Lifetime, developed_density: np.ndarray) -> dict[str, Any]:
    fitness = np.asarray(result.fitness)
    returns = np.asarray(result.episode_returns)
    return {
        "fitness_mean": float(fitness.mean()), "fitness_std": float(fitness.std()),
        "episode_returns_mean": returns.mean(axis=0).tolist(),
        "episode_returns_std": returns.std(axis=0).tolist(),
        "final_density_mean": float(np.asarray(result.episode_density)[:, -1].mean()),
        "development_density_mean": float(developed_density.mean()),
    }


def lifetime_table(result: Lifetime) -> pd.DataFrame:
    density = np.asarray(result.step_density)  # (lifetimes, episodes, steps)
    lifetimes, episodes, steps = density.shape
    index = np.indices(density.shape).reshape(3, -1)
    return pd.DataFrame({
        "lifetime": index[0], "episode": index[1], "step": index[2],
        "density": density.reshape(-1), "reward": np.asarray(result.step_reward).reshape(-1),
    })


def load_params(path: str | Path, cfg: LNDPConfig) -> LNDPParams:
    """Parameters saved by a run (``best.eqx``), for the model configuration that made them."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"missing artifact: {path}")
    try:
        return eqx.tree_deserialise_leaves(path, zero_params(cfg))
    except Exception as err:
        raise ValueError(f"cannot read LNDP parameters {path} with this model configuration: {err}") from None


def resumable_identity(task_name: str, variant_settings: dict[str, Any]) -> dict[str, Any]:
    """What a checkpoint must share with the run that resumes it: everything but the generation budget and the
    checkpoint interval, which change no generation's numbers (generation g draws from ``fold_in(seed, g)``), so a
    finished run is extended by raising its generation count and rerunning it."""
    evolution = {k: v for k, v in variant_settings["evolution"].items() if k not in ("generations", "checkpoint_every")}
    return {"task": task_name, **variant_settings, "evolution": evolution}


def run_lndp(task_name: str, variant: str, seed: int, variant_settings: dict[str, Any], out: str | Path,
             eval_lifetimes: int, eval_seed: int, checkpoint: str | Path | None = None) -> dict[str, Any]:
    """Evolve one (task, variant, seed) from the variant's resolved settings and write its run folder; resume from
    and checkpoint into ``checkpoint`` (default: ``<out>/checkpoint``)."""
    out = Path(out)
    checkpoint = Path(checkpoint) if checkpoint is not None else out / "checkpoint"
    _food_side_halves(task_name, eval_lifetimes)  # an odd count on Foraging fails now, not after the evolution
    start = time.perf_counter()
    task = build_task(task_name, variant_settings)
    evolution = Evolution(task, EvolutionConfig(**variant_settings["evolution"]), seed)
    log.info("%s / %s / seed %d: %d parameters, population %d, %d generations, %d device(s)",
             task_name, variant, seed, evolution.num_dims, evolution.cfg.population_size,
             evolution.cfg.generations, len(jax.devices()))
    checkpoint_identity = resumable_identity(task_name, variant_settings)  # a checkpoint of other settings is refused
    state, metrics = run_evolution(evolution, checkpoint, checkpoint_identity)
    write_parquet(out / "metrics.parquet", metrics)

    best, mean = evolution.best_params(state), evolution.mean_params(state)
    for name, params in (("best.eqx", best), ("mean.eqx", mean)):
        with atomic_path(out / name) as tmp:
            eqx.tree_serialise_leaves(tmp, params)
    best_eval, mean_eval = evaluate_params(task, [best, mean], eval_lifetimes, eval_seed)
    write_parquet(out / "lifetime.parquet", lifetime_table(best_eval))

    summary = {
        "task": task_name, "variant": variant, "seed": seed, "settings": variant_settings,
        "num_params": num_params(task.model.cfg),
        "generations": int(len(metrics)),
        # samples: one lifetime at most, and evolution at most (every member's lifetime to its time limit)
        "lifetime_env_steps": task.max_lifetime_steps,
        "evolution_env_steps": int(len(metrics)) * evolution.cfg.population_size * task.max_lifetime_steps,
        "best_fitness": float(metrics["best_so_far"].iloc[-1]),
        "final_generation": metrics.iloc[-1].drop(["generation"]).to_dict(),
        "eval_lifetimes": eval_lifetimes, "eval_seed": eval_seed,
        "eval_best": _evaluation_summary(best_eval, development_density(task, best, eval_lifetimes, eval_seed)),
        "eval_mean": _evaluation_summary(mean_eval, development_density(task, mean, eval_lifetimes, eval_seed)),
        "evolution_wall_s": float(metrics["wall_s"].iloc[-1]),
        "wall_time_s": time.perf_counter() - start,
        "environment": environment_info(),
    }
    write_json(out / "summary.json", summary)
    log.info("best fitness %.2f; best parameters over %d fresh lifetimes: %.2f +- %.2f",
             summary["best_fitness"], eval_lifetimes, summary["eval_best"]["fitness_mean"],
             summary["eval_best"]["fitness_std"])
    return summary
