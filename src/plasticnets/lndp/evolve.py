"""Evolve LNDP parameters with CMA-ES (evosax 0.3), checkpointed and resumable.

One generation is two jitted programs: ask; then evaluate the whole population (``vmap``
over members, sharded across ``jax.devices()``) and tell. The update and the statistics see the whole
population, so a run has the same numbers on any number of devices. evosax minimises, so it is told
the negated fitness; CMA-ES starts from the all-zero mean with step size ``std_init``
(docs/method/lndp.md#evolution).

Every member gets its own key. Generation g draws its keys from
``fold_in(PRNGKey(seed), g)``, so a run that is killed and resumed from a checkpoint
(ES state, best-so-far and the metrics so far, in safe formats) ends with exactly the
numbers of an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from evosax.algorithms import CMA_ES
from evosax.algorithms.distribution_based.cma_es import eigen_decomposition

from plasticnets.devices import batch_sharding, replicated
from plasticnets.io import atomic_path, hash_record_path, read_json, read_parquet, write_json, write_parquet
from plasticnets.lndp.cpu_threefry import unroll_threefry_on_cpu
from plasticnets.lndp.params import zero_params
from plasticnets.lndp.tasks import LifetimeTask
from plasticnets.progress import Progress

log = logging.getLogger(__name__)

CHECKPOINT_STATE = "es_state.eqx"  # checkpoints before 2026-12-04: one state file, overwritten in place
CHECKPOINT_META = "checkpoint.json"
CHECKPOINT_METRICS = "metrics.parquet"


def _generation_file(name: str, generation: int) -> str:
    """``es_state.eqx`` -> ``es_state.g000120.eqx``: a checkpoint's files are named by its generation."""
    stem, dot, suffix = name.partition(".")
    return f"{stem}.g{generation:06d}{dot}{suffix}"


@dataclass(frozen=True)
class EvolutionConfig:
    population_size: int = 256
    generations: int = 10_000
    std_init: float = 1.0
    checkpoint_every: int = 100  # generations between checkpoints (and at the end)
    eigen_every: int = 1  # generations between eigendecompositions of C (1: every one, as evosax)

    def __post_init__(self):
        minimum = {"population_size": 4, "generations": 1, "checkpoint_every": 1, "eigen_every": 1}
        for key, low in minimum.items():
            if getattr(self, key) < low:
                raise ValueError(f"evolution.{key} must be >= {low}, got {getattr(self, key)}")


class LazyCMA_ES(CMA_ES):
    """evosax's CMA-ES with the eigendecomposition of C refreshed only every
    ``eigen_every`` generations (Hansen's lazy update, "The CMA Evolution Strategy: A
    Tutorial", B.2). With about 2,000 dimensions C's learning rates are ~1e-5 per
    generation, so a decomposition a few generations old samples practically the same
    distribution, while one decomposition costs seconds on a CPU. ``eigen_every=1`` is
    exactly evosax's CMA_ES."""

    def __init__(self, population_size: int, solution, eigen_every: int = 1):
        super().__init__(population_size=population_size, solution=solution)
        self.eigen_every = eigen_every

    def _ask(self, key, state, params):
        if self.eigen_every == 1:
            return super()._ask(key, state, params)
        C, B, D = jax.lax.cond(state.generation_counter % self.eigen_every == 0,
                               eigen_decomposition, lambda C: (C, state.B, state.D), state.C)
        z = jax.random.normal(key, (self.population_size, self.num_dims))  # x = m + sigma B D z
        population = state.mean + state.std * ((z * D) @ B.T)
        return population, state.replace(C=C, B=B, D=D)


class Evolution:
    """CMA-ES over one task's LNDP parameters."""

    def __init__(self, task: LifetimeTask, cfg: EvolutionConfig, seed: int):
        self.task, self.cfg, self.seed = task, cfg, seed
        unroll_threefry_on_cpu()  # the same random numbers, computed faster on a CPU (cpu_threefry.py)
        self.template = zero_params(task.model.cfg)
        self.es = LazyCMA_ES(cfg.population_size, self.template, cfg.eigen_every)
        self.es_params = self.es.default_params.replace(std_init=cfg.std_init)
        self.sharding = batch_sharding(cfg.population_size)
        placed = None if self.sharding is None else replicated(self.sharding)
        # Two programs: the sample, then the lifetimes and the update. In one program XLA fused the sampling
        # into what reads it, differently on one device and on several, and the population of generation 1
        # came out 1 ulp apart (measured on a 2-core AMD EPYC, 2026-12-04, though every lifetime of a given
        # population agreed): the run depended on --cpu-devices. On its own the sample is the same program on
        # any number of devices.
        self._sample = jax.jit(self._ask, out_shardings=placed)
        self._evaluate_and_tell = jax.jit(self._evaluate, out_shardings=placed)

    @property
    def num_dims(self) -> int:
        return self.es.num_dims

    def init_state(self):
        state = self.es.init(jax.random.PRNGKey(self.seed), self.template, self.es_params)
        # Strong dtypes and the placement a generation returns (replicated over the
        # devices): otherwise the second generation would compile again.
        state = jax.tree.map(lambda x: jnp.array(x, dtype=jnp.asarray(x).dtype), state)
        return state if self.sharding is None else jax.device_put(state, replicated(self.sharding))

    def generation(self, state, generation: int):
        """Ask, evaluate, tell; returns the new state and this generation's statistics."""
        key = jax.random.fold_in(jax.random.PRNGKey(self.seed), generation)
        key_ask, key_eval, key_tell = jax.random.split(key, 3)
        population, state = self._sample(key_ask, state)
        return self._evaluate_and_tell(population, state, key_eval, key_tell)

    def _ask(self, key, state):
        """CMA-ES's sample. Over several devices each device samples the whole population itself (``shard_map``,
        everything replicated): the one-device program on each, rather than what XLA's partitioner makes of it."""
        if self.sharding is None:
            return self.es.ask(key, state, self.es_params)
        whole = jax.sharding.PartitionSpec()
        return jax.shard_map(lambda k, s: self.es.ask(k, s, self.es_params), mesh=self.sharding.mesh,
                             in_specs=(whole, whole), out_specs=(whole, whole), check_vma=False)(key, state)

    def _evaluate(self, population, state, key_eval, key_tell):
        """The population's lifetimes and CMA-ES's update."""
        keys = jax.random.split(key_eval, self.cfg.population_size)
        if self.sharding is not None:
            population, keys = jax.lax.with_sharding_constraint((population, keys), self.sharding)
        # On a CPU each device compacts its own members' updates (LifetimeTask.population): the same numbers.
        lifetimes = self.task.population(population, keys, sharding=self.sharding)
        if self.sharding is not None:
            # The update reads the whole population on every device: split over devices, its sums would
            # add in another order and the run would depend on how many devices it had.
            population, lifetimes = jax.lax.with_sharding_constraint(
                (population, lifetimes), replicated(self.sharding))
        fitness = lifetimes.fitness
        # A NaN fitness would poison the ES update: rank it worst, and count it (reported on the host).
        state, _ = self.es.tell(key_tell, population, -jnp.nan_to_num(fitness, nan=-jnp.inf), state, self.es_params)
        # Per member, reduced on the host (generation_statistics): a reduction over the population in here
        # would be split over devices, and its float sums would depend on how many.
        members = {"fitness": fitness, "episode_density": lifetimes.episode_density,
                   "episode_returns": lifetimes.episode_returns,
                   "best_so_far": -state.best_fitness, "es_std": state.std}
        return state, members

    def best_params(self, state):
        return self.es._unravel_solution(state.best_solution)

    def mean_params(self, state):
        return self.es.get_mean(state)


def generation_statistics(members: dict[str, np.ndarray]) -> dict[str, float]:
    """One generation's row of metrics from its members' fitnesses, densities and episode returns (float64)."""
    fitness = np.asarray(members["fitness"], dtype=np.float64)
    density = np.asarray(members["episode_density"], dtype=np.float64).mean(axis=1)
    returns = np.asarray(members["episode_returns"], dtype=np.float64)
    stats = {
        "best": fitness.max(), "mean": fitness.mean(), "worst": fitness.min(), "std": fitness.std(),
        "best_so_far": members["best_so_far"], "density_mean": density.mean(), "density_max": density.max(),
        "es_std": members["es_std"], "non_finite": np.sum(~np.isfinite(fitness)),
    }
    for i in range(returns.shape[1]):
        stats[f"ep{i}_mean"] = returns[:, i].mean()
        stats[f"ep{i}_max"] = returns[:, i].max()
    return {name: float(value) for name, value in stats.items()}


def settings_fingerprint(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


def run_evolution(evolution: Evolution, checkpoint_dir: Path, settings: dict[str, Any],
                  on_generation: Callable[[int], None] | None = None):
    """Run (or resume) the evolution; returns the final ES state and the metrics table.

    The checkpoint in ``checkpoint_dir`` is written every ``checkpoint_every``
    generations and at the end. A checkpoint made with other settings is refused with
    a message naming it, never silently mixed in. One made by a shorter run of the same settings
    is continued: raising ``generations`` extends a finished run to exactly the longer run.
    """
    cfg = evolution.cfg
    fingerprint = settings_fingerprint(settings)
    state, rows, start = _load_checkpoint(evolution, checkpoint_dir, fingerprint)
    if start > cfg.generations:
        raise ValueError(f"checkpoint {checkpoint_dir} is at generation {start}, beyond this run's "
                         f"{cfg.generations} generations; raise evolution.generations to at least {start} "
                         f"(or delete {checkpoint_dir} to start over)")
    if start:
        log.info("resuming from %s at generation %d of %d", checkpoint_dir, start, cfg.generations)
    progress = Progress(f"{evolution.task.name} seed {evolution.seed}", cfg.generations, "generations", start=start)
    tic = time.perf_counter() - (rows[-1]["wall_s"] if rows else 0.0)  # wall time carries over a resume
    for gen in range(start, cfg.generations):
        state, members = evolution.generation(state, gen)
        stats = generation_statistics(jax.device_get(members))
        if stats["non_finite"]:
            log.warning("%s seed %d, generation %d: %d member(s) had a non-finite fitness; "
                        "ranked worst (column non_finite)", evolution.task.name, evolution.seed, gen,
                        int(stats["non_finite"]))
        rows.append({"generation": gen, **stats, "wall_s": time.perf_counter() - tic})
        done = gen + 1
        progress.update(done, f"best {stats['best']:.1f}, mean {stats['mean']:.1f}, best so far {stats['best_so_far']:.1f}")
        if done % cfg.checkpoint_every == 0 or done == cfg.generations:
            _save_checkpoint(evolution, checkpoint_dir, fingerprint, state, rows, done)
        if on_generation is not None:
            on_generation(done)
    return state, pd.DataFrame(rows)


def _save_checkpoint(evolution, directory: Path, fingerprint: str, state, rows, generation: int) -> None:
    """Write the state and metrics of ``generation`` under names of their own, then the meta file that names them
    (one atomic rename), then remove older generations' files. A kill at any instant (a SLURM time limit, a
    node failure) leaves either the previous checkpoint or this one, never the state of one generation with the
    meta or metrics of another."""
    directory.mkdir(parents=True, exist_ok=True)
    state_file = _generation_file(CHECKPOINT_STATE, generation)
    metrics_file = _generation_file(CHECKPOINT_METRICS, generation)
    with atomic_path(directory / state_file) as tmp:
        eqx.tree_serialise_leaves(tmp, state)
    write_parquet(directory / metrics_file, pd.DataFrame(rows))
    write_json(directory / CHECKPOINT_META, {
        "generation": generation, "fingerprint": fingerprint, "seed": evolution.seed,
        "num_dims": evolution.num_dims, "config": asdict(evolution.cfg),
        "state_file": state_file, "metrics_file": metrics_file,
    })
    for name in (CHECKPOINT_STATE, CHECKPOINT_METRICS):
        stem, _, suffix = name.partition(".")
        for old in directory.glob(f"{stem}*.{suffix}"):
            if old.name not in (state_file, metrics_file):
                old.unlink(missing_ok=True)
                hash_record_path(old).unlink(missing_ok=True)


def _load_checkpoint(evolution, directory: Path, fingerprint: str):
    meta_path = directory / CHECKPOINT_META
    if not meta_path.is_file():
        return evolution.init_state(), [], 0
    meta = read_json(meta_path)
    if meta.get("fingerprint") != fingerprint or meta.get("seed") != evolution.seed:
        raise ValueError(
            f"checkpoint {meta_path} was made with other settings or seed than this run; "
            f"delete {directory} to start over")
    template = evolution.init_state()
    state_path = directory / meta.get("state_file", CHECKPOINT_STATE)
    try:
        state = eqx.tree_deserialise_leaves(state_path, template)
    except Exception as err:
        raise ValueError(f"corrupt checkpoint {state_path}: {err}; delete {directory} to start over") from None
    rows = read_parquet(directory / meta.get("metrics_file", CHECKPOINT_METRICS)).to_dict("records")
    generation = int(meta["generation"])
    if len(rows) != generation:
        raise ValueError(f"checkpoint {directory} is inconsistent ({len(rows)} metric rows for generation {generation})")
    return state, rows, generation
