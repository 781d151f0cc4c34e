"""LNDP evaluation throughput: policy steps per second for one generation's lifetimes.

Setting (issue 4): N=32 nodes, population 64, CartPole-v1, 3 episodes x 500 steps per
lifetime, synaptogenesis and pruning on, parameters drawn as CMA-ES's first generation
draws them (N(0, 1)). Policy steps = population x episodes x steps (every step costs the
same under vmap: frozen steps are selects, not skips). Compilation is excluded.

Compared in the same run, on the same parameters and keys:
- ``direct``: the direct transcription (plasticnets.lndp.reference: per-edge concatenated
  inputs, (N, N, E) layout, double vmap), ``vmap`` over the population, one XLA device
  (one core);
- ``fast``: plasticnets.lndp.model (per-node projections, features-first layout), ``vmap``
  over the population, one device;
- ``fast + skip``: the same model stepped as a population (``LifetimeTask.population``),
  which skips the update when every member's episode is over (under ``vmap`` the
  done-freeze is a select, so frozen steps cost a full update); one device, then sharded
  over one XLA CPU device per core. Its gain depends on how long episodes last: first-
  generation parameters end CartPole episodes early. ``--task Acrobot-v1`` shows the case
  where no episode ends early (random networks never reach the goal), so nothing is skipped.

The script also reports how far the two formulations' fitness values are apart in
float32: free-running lifetimes diverge once rounding flips a decision or an action (the
dynamics are chaotic); step by step they agree (tests/test_lndp_parity.py).

Usage: python benchmarks/lndp_throughput.py [--population 64] [--repeats 2] [--task CartPole-v1]
"""

from __future__ import annotations

import argparse
import os

# One XLA CPU device per core (before JAX is imported), so the population can be sharded.
os.environ.setdefault("XLA_FLAGS", f"--xla_force_host_platform_device_count={os.cpu_count()}")
import platform
import time

import jax
import numpy as np

from plasticnets.envs import get_task
from plasticnets.devices import batch_sharding
from plasticnets.lndp.model import LNDP
from plasticnets.lndp.params import random_params
from plasticnets.lndp.reference import DirectLNDP
from plasticnets.lndp.tasks import LifetimeTask, model_config


def measure(model, task_name: str, population, keys, sharding, repeats: int, skip: bool):
    """(compile seconds, best steady-state seconds, fitness) for one generation's lifetimes."""
    task = LifetimeTask(task_name, model, n_episodes=3)
    evaluate = jax.jit(task.population if skip else jax.vmap(task))
    if sharding is not None:
        population, keys = jax.device_put((population, keys), sharding)
    start = time.perf_counter()
    fitness = jax.block_until_ready(evaluate(population, keys).fitness)
    compile_s = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(evaluate(population, keys).fitness)
        times.append(time.perf_counter() - start)
    return compile_s, min(times), np.asarray(fitness)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--population", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per variant (best is reported)")
    parser.add_argument("--task", default="CartPole-v1")
    parser.add_argument("--skip-direct", action="store_true", help="only the fast model (e.g. large populations)")
    args = parser.parse_args()

    cfg = model_config(args.task)  # N=32, F=8, E=4, R=3, pruning and synaptogenesis on
    population = jax.vmap(lambda k: random_params(k, cfg))(jax.random.split(jax.random.PRNGKey(0), args.population))
    keys = jax.random.split(jax.random.PRNGKey(1), args.population)
    steps = args.population * 3 * get_task(args.task).max_episode_steps

    devices = jax.devices()
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores; "
          f"jax {jax.__version__}, devices: {len(devices)} x {devices[0].platform}")
    print(f"setting: {args.task}, N={cfg.n_nodes}, population {args.population}, 3 episodes, "
          f"{steps:,} policy steps per generation (frozen steps included)")

    runs = []
    if not args.skip_direct:
        runs.append(("direct, 1 device", DirectLNDP(cfg), None, False))
    runs.append(("fast, 1 device", LNDP(cfg), None, False))
    runs.append(("fast + skip, 1 device", LNDP(cfg), None, True))
    sharding = batch_sharding(args.population)
    if sharding is not None:
        runs.append((f"fast + skip, {len(devices)} devices", LNDP(cfg), sharding, True))

    results = {}
    for name, model, shard, skip in runs:
        compile_s, seconds, fitness = measure(model, args.task, population, keys, shard, args.repeats, skip)
        results[name] = (steps / seconds, fitness)
        print(f"{name:>26}: {steps / seconds:>10,.0f} policy steps/s  ({seconds:.2f} s per generation, "
              f"compile {compile_s:.1f} s)")

    fast_name = runs[-1][0]
    if "direct, 1 device" in results:
        direct_rate, direct_fitness = results["direct, 1 device"]
        for name in results:
            if name != "direct, 1 device":
                print(f"ratio {name} / direct, 1 device: {results[name][0] / direct_rate:.2f}x")
        fitness = results[fast_name][1]
        same = np.isclose(fitness, direct_fitness, rtol=1e-5, atol=1e-5)
        print(f"float32 fitness, fast vs direct: {same.sum()}/{len(same)} members equal (rtol 1e-5); "
              f"max |difference| {np.abs(fitness - direct_fitness).max():.3g}, "
              f"mean fitness {fitness.mean():.2f} vs {direct_fitness.mean():.2f}")


if __name__ == "__main__":
    main()
