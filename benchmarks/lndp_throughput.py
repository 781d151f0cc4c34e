"""LNDP evaluation throughput: the fast model against the direct transcription, per phase, and the
population loops against each other.

Setting (issue 4, issue 15, issue 21): N=32 nodes, population 64, CartPole-v1, 3 episodes x 500 steps
per lifetime, synaptogenesis and pruning on. Compared in the same process, on the same
parameters, keys and states, with the repeats interleaved (a loaded machine slows all
alike), compilation excluded:

- ``direct``: the direct transcription (plasticnets.lndp.reference: the official code's
  formulation, per-edge concatenated inputs, (N, N, E) layout, double vmap), ``vmap`` over
  the population;
- the fast model (plasticnets.lndp.model), in three population loops:
  ``fast, vmap`` (plain ``vmap(task)``: every member updated at every step), ``today``
  (``LifetimeTask.population(compact=False)``: the update skipped only at steps where every
  member's episode is over) and ``fast`` (``LifetimeTask.population(compact=True)``, as
  evolution runs it on a CPU: the update run only on the members still running, gathered into
  a chunk of 4, 8, 16 or 32; the whole population without gathering when more than half run).
  The three give bit-identical lifetimes: checked on every population before timing.

Two populations (benchmarks/lndp_populations.py):

- ``first generation``: parameters drawn N(0, 1), no development (the issue-4 setting).
  Whole generations only. Episodes end early, so the loops' gain depends on how long they last.
- ``mid-run``: members that balance CartPole for 500 steps in every episode, with 50
  developmental steps (config/config.yaml's ``dev_steps``), where nothing is skipped and the
  update runs at every step: the case where a long run spends its time, and where ``fast``
  must be no slower than ``today``. Per phase (unless ``--no-phases``):
  ``development`` (initial graph and 50 developmental steps), ``update`` (one lifetime
  update, on states taken 100 steps into the first episode), ``act + env`` (forward pass,
  read-out and environment step), and whole generations of every loop.
  ``--checkpoint es_state.g<generation>.eqx`` instead samples the population from a
  saved CMA-ES state (read only) and reports its episode lengths: a real mid-run generation,
  where most episodes end early and a few members balance (``--both``: the balancing
  population first, then the sampled one, in one process).

Threefry (the random bits) is lowered unrolled for both models, as evolution lowers it
(plasticnets.lndp.cpu_threefry; ``--rolled-threefry`` keeps JAX's CPU default).

The distance to this core's limit is on screen: a float32 matmul and three transcendental kernels are timed
first, in the same run, and each per-step phase prints its GFLOP/s per core (XLA's cost analysis of one step,
times the steps of a call, over the call's CPU time) and its fraction of the matmul rate.

Times are per call of the whole population, wall-clock and CPU (this process's threads: on a
shared machine it counts the work, not the wait for a core); ratios are from the medians of the
interleaved repeats: per phase direct / fast model, per generation today / fast and direct / fast
(above 1: fast is faster).

Usage: python benchmarks/lndp_throughput.py [--population 64] [--repeats 3] [--skip-first]
       [--task Acrobot-v1] [--checkpoint PATH [--both]] [--no-phases] [--screen] [--rolled-threefry]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os

from plasticnets.xla_cpu import cpu_device_flags

# One XLA CPU device per core (before JAX is imported), so the population can be sharded.
os.environ.setdefault("XLA_FLAGS", cpu_device_flags(os.cpu_count()))
import platform
import statistics
import time
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import lndp_populations as populations
from plasticnets.devices import batch_sharding
from plasticnets.envs import get_task, make_jax_env
from plasticnets.lndp.cpu_threefry import unroll_threefry_on_cpu
from plasticnets.lndp.model import LNDP, NetState
from plasticnets.lndp.reference import DirectLNDP, Graph, PolicyState
from plasticnets.lndp.tasks import LifetimeTask, model_config

TASK = "CartPole-v1"  # the mid-run populations are CartPole's
PHASE_STEPS = 20  # steps per timed call of a per-step phase (one call costs well above dispatch)
WARM_STEPS = 100  # environment steps before the per-step phases are timed


def blocked(f, *args):
    """(wall, CPU) seconds for one call of the compiled ``f``. CPU time is this process's, all
    threads: on a machine shared with other jobs it counts the work, not the wait for a core."""
    wall, cpu = time.perf_counter(), time.process_time()
    jax.block_until_ready(f(*args))
    return time.perf_counter() - wall, time.process_time() - cpu


def interleaved(calls: dict, repeats: int) -> dict:
    """Median (wall, CPU) seconds per call of each of ``calls`` (name -> (f, args)), compiled
    first, then timed in turn ``repeats`` times."""
    for f, args in calls.values():
        jax.block_until_ready(f(*args))
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, (f, args) in calls.items():
            times[name].append(blocked(f, *args))
    return {name: tuple(statistics.median(x) for x in zip(*t)) for name, t in times.items()}


def peak_rates(repeats: int = 5) -> dict:
    """This core's reference rates, timed in this run (best CPU time of ``repeats``): a float32 matmul (512 x 512
    by 512 x 512, GFLOP/s: what dense arithmetic reaches here) and three transcendental kernels over 2^22 floats
    (tanh, logistic, exp: G values/s, what the GRU gates and the decisions' sigmoids reach)."""
    key_a, key_b = jax.random.split(jax.random.PRNGKey(0))
    n = 512
    a, b = jax.random.normal(key_a, (n, n)), jax.random.normal(key_b, (n, n))
    x = jax.random.normal(key_a, (1 << 22,))
    kernels = {"matmul": (jax.jit(jnp.matmul), (a, b), 2 * n ** 3),
               "tanh": (jax.jit(jnp.tanh), (x,), x.size), "logistic": (jax.jit(jax.nn.sigmoid), (x,), x.size),
               "exp": (jax.jit(jnp.exp), (x,), x.size)}
    rates = {}
    for name, (f, args, work) in kernels.items():
        jax.block_until_ready(f(*args))
        rates[name] = work / min(blocked(f, *args)[1] for _ in range(repeats)) / 1e9
    return rates


def xla_flops(f, *args) -> float:
    """FLOPs of one call of ``f`` by XLA's cost analysis (a loop body counts once: pass unlooped functions)."""
    cost = jax.jit(f).lower(*args).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    return float(cost.get("flops", 0.0))


def step_flops(model, params, net, obs, env_state, keys) -> dict:
    """FLOPs of one step of the population, per phase: ``update`` (the lifetime update) and ``act + env``."""
    env, env_params = make_jax_env(TASK)

    def act(p, n, o, s, k):
        action, n = model.act(p, o, n)
        return env.step(k, s, action, env_params), n

    return {"update": xla_flops(jax.vmap(model.maybe_update), params, net, keys),
            "act + env": xla_flops(jax.vmap(act), params, net, obs, env_state, keys)}


def to_reference(n: NetState) -> PolicyState:
    """A (batched) fast-model state in the direct model's layout."""
    return PolicyState(G=Graph(A=n.A, h=n.h, e=jnp.moveaxis(n.e, -3, -1)), a=n.a, w=n.w, r=n.r, d=n.d,
                       t=n.t, a_seq=n.a_seq)


# ---- whole generations ---------------------------------------------------------------------


LOOPS = {"vmap": "plain vmap over members: every member updated at every step",
         "today": "LifetimeTask.population(compact=False): the update skipped only at steps where every "
                  "member's episode is over",
         "fast": "LifetimeTask.population(compact=True): the update run only on the members still running, "
                 "gathered into chunks of 4, 8, 16, 32 (the whole population, without gathering, when more "
                 "than half run)"}


def generation_fn(model, loop: str, sharding=None, task_name: str = TASK):
    """One generation's lifetimes, jitted, by one of ``LOOPS``."""
    task = LifetimeTask(task_name, model, n_episodes=3)
    if loop == "vmap":
        f = jax.jit(jax.vmap(task))
    else:
        f = jax.jit(partial(task.population, compact=loop == "fast", sharding=sharding))
    if sharding is None:
        return f
    return lambda params, keys: f(*jax.device_put((params, keys), sharding))


def identical(results: dict) -> str:
    """Whether the lifetimes of ``results`` (name -> Lifetime) agree bit for bit, every field; raises if not."""
    names = list(results)
    first = results[names[0]]
    for name in names[1:]:
        for field in first._fields:
            a, b = np.asarray(getattr(first, field)), np.asarray(getattr(results[name], field))
            if not np.array_equal(a, b, equal_nan=True):
                raise AssertionError(f"{name} differs from {names[0]} in {field}: max |diff| "
                                     f"{np.nanmax(np.abs(a - b)):.3g}")
    return f"bit-identical lifetimes (every field, {first.fitness.shape[0]} members): {', '.join(names)}"


def first_generation(task: str, size: int, repeats: int) -> None:
    cfg = model_config(task)
    params, keys = populations.first_generation(cfg, size)
    steps = size * 3 * get_task(task).max_episode_steps
    calls = {"direct, vmap": (generation_fn(DirectLNDP(cfg), "vmap", task_name=task), (params, keys)),
             "fast model, vmap": (generation_fn(LNDP(cfg), "vmap", task_name=task), (params, keys)),
             "today (compact=False)": (generation_fn(LNDP(cfg), "today", task_name=task), (params, keys)),
             "fast (compacted)": (generation_fn(LNDP(cfg), "fast", task_name=task), (params, keys))}
    sharding = batch_sharding(size)
    if sharding is not None:
        calls[f"fast, {len(jax.devices())} devices"] = (
            generation_fn(LNDP(cfg), "fast", sharding, task_name=task), (params, keys))
    results = {name: f(*args) for name, (f, args) in calls.items() if not name.startswith("direct")}
    lengths = episode_lengths(results["today (compact=False)"])
    print(f"\n== first generation, {task}: N(0, 1) parameters, no development; episode returns {lengths}")
    print(identical(results))
    seconds = interleaved(calls, repeats)
    (wall0, cpu0) = seconds["direct, vmap"]
    for name, (wall, cpu) in seconds.items():
        print(f"{name:>34}: wall {wall:7.2f} s, CPU {cpu:7.2f} s per generation "
              f"({steps / wall:>9,.0f} policy steps/s); ratio direct / this: wall {wall0 / wall:5.2f}x, "
              f"CPU {cpu0 / cpu:5.2f}x")
    speedups(seconds, "today (compact=False)", "fast (compacted)", "direct, vmap")


def speedups(seconds: dict, today, fast, direct) -> None:
    """The ratios the issue asks for: today / fast and direct / fast (above 1: fast is faster), wall and CPU."""
    (tw, tc), (fw, fc), (dw, dc) = seconds[today], seconds[fast], seconds[direct]
    print(f"speed-up of fast: over today wall {tw / fw:5.2f}x, CPU {tc / fc:5.2f}x; "
          f"over the direct transcription wall {dw / fw:5.2f}x, CPU {dc / fc:5.2f}x")


def episode_lengths(lifetimes) -> str:
    """Summary of the episode returns (on CartPole, the episode lengths)."""
    r = np.asarray(lifetimes.episode_returns)
    return (f"mean {r.mean():.1f}, median {np.median(r):.0f}, max {r.max():.0f}, "
            f"{(r >= 500).mean():.0%} of episodes at 500")


# ---- mid-run, per phase ----------------------------------------------------------------------


def warm_states(model: LNDP, params, keys, steps: int):
    """Population states ``steps`` environment steps into the first episode (fast model),
    with the observations and environment states there."""
    env, env_params = make_jax_env(TASK)

    def member(p, key):
        net = model.init(p, key)
        obs, env_state = env.reset(key, env_params)

        def step(carry, k):
            net, obs, env_state = carry
            net = model.maybe_update(p, net, k)
            action, net = model.act(p, obs, net)
            obs, env_state, reward, *_ = env.step(k, env_state, action, env_params)
            return (net._replace(r=reward[None]), obs, env_state), None

        return jax.lax.scan(step, (net, obs, env_state), jax.random.split(key, steps))[0]

    return jax.jit(jax.vmap(member))(params, keys)


def phase_fns(model):
    """Jitted population functions of one model: development, updates, act + env."""
    env, env_params = make_jax_env(TASK)

    def updates(p, net, key):
        return jax.lax.scan(lambda n, k: (model.maybe_update(p, n, k), None), net,
                            jax.random.split(key, PHASE_STEPS))[0]

    def acts(p, net, obs, env_state, key):
        def step(carry, k):
            net, obs, env_state = carry
            action, net = model.act(p, obs, net)
            obs, env_state, *_ = env.step(k, env_state, action, env_params)
            return (net, obs, env_state), None

        return jax.lax.scan(step, (net, obs, env_state), jax.random.split(key, PHASE_STEPS))[0]

    return {"development": jax.jit(jax.vmap(model.init)), "update": jax.jit(jax.vmap(updates)),
            "act + env": jax.jit(jax.vmap(acts))}


def mid_run(cfg, params, keys, label: str, repeats: int, phases: bool, peak: dict) -> None:
    size = keys.shape[0]
    fast, direct = LNDP(cfg), DirectLNDP(cfg)
    generation = {"direct": generation_fn(direct, "vmap"), "fast": generation_fn(fast, "fast"),
                  "today": generation_fn(fast, "today"), "fast, vmap": generation_fn(fast, "vmap")}
    results = {name: generation[name](params, keys) for name in ("today", "fast", "fast, vmap")}
    lengths = episode_lengths(results["today"])
    print(f"\n== mid-run: {label}; {cfg.dev_steps} developmental steps; episode returns {lengths}")
    print(identical(results))
    if not phases:
        seconds = interleaved({name: (f, (params, keys)) for name, f in generation.items()}, repeats)
        print_generations(seconds, size)
        return

    net, obs, env_state = warm_states(fast, params, keys, WARM_STEPS)
    step_keys = jax.random.split(jax.random.PRNGKey(3), size)
    states = {"fast": net, "direct": to_reference(net)}
    calls = {}
    for name, model in (("direct", direct), ("fast", fast)):
        fns = phase_fns(model)
        calls[("development", name)] = (fns["development"], (params, keys))
        calls[("update", name)] = (fns["update"], (params, states[name], step_keys))
        calls[("act + env", name)] = (fns["act + env"], (params, states[name], obs, env_state, step_keys))
    for name, f in generation.items():
        calls[("generation", name)] = (f, (params, keys))
    seconds = interleaved(calls, repeats)
    flops = {name: step_flops(model, params, states[name], obs, env_state, step_keys)
             for name, model in (("direct", direct), ("fast", fast))}

    per = {"development": f"{size} members", "update": f"{size} members x {PHASE_STEPS} steps",
           "act + env": f"{size} members x {PHASE_STEPS} steps", "generation": f"{size} lifetimes"}
    print(f"{'phase':>34}  {'wall: direct':>12} {'fast':>9} {'ratio':>6}   {'CPU: direct':>11} {'fast':>9} {'ratio':>6}"
          f"   {'GFLOP/s per core: direct':>24} {'fast':>6} {'of matmul peak':>14}")
    for phase in per:
        (dw, dc), (fw, fc) = seconds[(phase, "direct")], seconds[(phase, "fast")]
        line = (f"{phase + ' (' + per[phase] + ')':>34}  {dw * 1e3:9.1f} ms {fw * 1e3:6.1f} ms {dw / fw:5.2f}x"
                f"   {dc * 1e3:8.1f} ms {fc * 1e3:6.1f} ms {dc / fc:5.2f}x")
        if phase in flops["fast"]:  # XLA's FLOP count of one step, times the steps of a call, per CPU second
            rate = {name: flops[name][phase] * PHASE_STEPS / seconds[(phase, name)][1] / 1e9 for name in flops}
            line += f"   {rate['direct']:24.1f} {rate['fast']:6.1f} {rate['fast'] / peak['matmul']:13.0%}"
        print(line)
    print(f"  (FLOPs per member-step by XLA's cost analysis: update {flops['fast']['update'] / size / 1e3:,.0f} k fast, "
          f"{flops['direct']['update'] / size / 1e3:,.0f} k direct; act + env {flops['fast']['act + env'] / size / 1e3:,.0f} k "
          f"fast; development and generations are loops, whose FLOPs XLA counts once, so they get no rate)")
    print_generations({name: seconds[("generation", name)] for name in generation}, size)


def print_generations(seconds: dict, size: int) -> None:
    """Whole generations of the four loops (``seconds``: name -> (wall, CPU)), and the speed-ups of fast."""
    steps = size * 3 * get_task(TASK).max_episode_steps
    print("generation (whole lifetimes, all members):")
    for name, (wall, cpu) in seconds.items():
        print(f"{name:>34}: wall {wall:7.2f} s, CPU {cpu:7.2f} s ({steps / wall:>9,.0f} policy steps per wall s)")
    speedups(seconds, "today", "fast", "direct")
    (vw, vc), (tw, tc) = seconds["fast, vmap"], seconds["today"]
    print(f"today / plain vmap (no skipping): wall {tw / vw:.2f}, CPU {tc / vc:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--population", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timed runs per variant (median)")
    parser.add_argument("--skip-first", action="store_true", help="only the mid-run population")
    parser.add_argument("--task", default=TASK, help="task of the first generation (Acrobot-v1: no episode ends "
                        "early); the mid-run population runs only on CartPole-v1")
    parser.add_argument("--checkpoint", type=Path, help="sample the mid-run population from this es_state.g<generation>.eqx")
    parser.add_argument("--screen", action="store_true", help="print the keys of balancing lifetimes and exit")
    parser.add_argument("--no-phases", action="store_true", help="mid-run: whole generations only (no per-phase times)")
    parser.add_argument("--both", action="store_true", help="mid-run: the constructed balancing population and then "
                        "the one sampled from --checkpoint, in the same process")
    parser.add_argument("--rolled-threefry", action="store_true",
                        help="keep JAX's rolled threefry lowering (evolution unrolls it, for both models alike)")
    args = parser.parse_args()
    unrolled = not args.rolled_threefry and unroll_threefry_on_cpu()

    devices = jax.devices()
    print(f"{datetime.datetime.now():%Y-%m-%d %H:%M}; machine: {platform.machine()} {platform.processor() or ''}, "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"jax {jax.__version__}, {len(devices)} x {devices[0].platform} devices; "
          f"threefry {'unrolled' if unrolled else 'rolled'} (both models)")
    print(f"setting: N=32, population {args.population}, 3 episodes x 500 steps; population loops of the fast model:")
    for name, text in LOOPS.items():
        print(f"  {name}: {text}")
    peak = peak_rates()
    print(f"this core, timed now (the roofline the phases are measured against): float32 matmul "
          f"{peak['matmul']:.1f} GFLOP/s; transcendentals tanh {peak['tanh']:.2f}, logistic {peak['logistic']:.2f}, "
          f"exp {peak['exp']:.2f} G values/s")
    developed = dataclasses.replace(model_config(TASK), dev_steps=50)  # N=32, F=8, E=4, R=3, SP on
    if args.screen:
        print(populations.screen(developed, generation_fn(LNDP(developed), "fast")))
        return
    if not args.skip_first:
        first_generation(args.task, args.population, args.repeats)
    if args.task != TASK:
        return
    if args.both and not args.checkpoint:
        parser.error("--both needs --checkpoint")
    if args.both or not args.checkpoint:
        params, keys = populations.balancing(developed, args.population)
        label = "constructed members that balance (benchmarks/lndp_populations.py)"
        mid_run(developed, params, keys, label, args.repeats, not args.no_phases, peak)
    if args.checkpoint:
        params, keys = populations.from_checkpoint(args.checkpoint, developed, args.population)
        label = f"sampled from {args.checkpoint}"
        mid_run(developed, params, keys, label, args.repeats, not args.no_phases, peak)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
