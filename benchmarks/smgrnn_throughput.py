"""SMGrNN distillation throughput on CartPole-v1 with the SPM on its seed clock (a growth step after every
update with t mod s != 0, a pruning step on t mod s = 0).

Prints training steps per second for one seed of the default config's full variant; for the same model with
about 10,000 live edges (128 hidden nodes initialised at density 0.8, 12,288 edge slots); and, for the full
variant, the aggregate rate of N seeds vmapped in one compiled program against N one-seed programs run one
after another, both measured on the same single XLA device. Compilation is excluded (timed separately). The
expert is the trained results/experts/CartPole-v1/seed0/policy.eqx when present, else a freshly initialised
network (the labels then differ, so the graph grows differently; the script says which it used).

Targets (docs/decisions.md, SMGrNN): >= 5,000 steps/s per seed for the full model, >= 1,500 steps/s with
10,000 live edges.

Usage: python benchmarks/smgrnn_throughput.py [--steps 30000] [--seeds 8]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time
from pathlib import Path

import jax
import jax.numpy as jnp

from plasticnets.families import load_project_config
from plasticnets.experts.policy import ActorCritic, load_policy
from plasticnets.smgrnn.distill import DistillConfig, make_gymnax_distiller
from plasticnets.smgrnn.run import build_student
from plasticnets.smgrnn.variants import resolve

ROOT = Path(__file__).resolve().parents[1]
TASK = "CartPole-v1"


def expert():
    path = ROOT / "results" / "experts" / TASK / "seed0" / "policy.eqx"
    if path.is_file():
        return load_policy(path)[0], str(path.relative_to(ROOT))
    return ActorCritic(jax.random.PRNGKey(0), 4, 2), "untrained network (no results/experts yet)"


def throughput(student, teacher, seeds: list[int], steps: int) -> tuple[float, float]:
    """(compile + first run seconds, steady-state aggregate steps per second) for ``seeds`` vmapped in one program
    on one device."""
    init, run = make_gymnax_distiller(TASK, student, DistillConfig(total_steps=steps), teacher)
    carry = init(jnp.stack([jax.random.PRNGKey(s) for s in seeds]))
    blocks = steps // student.block_len
    start = time.perf_counter()
    carry, _ = run(carry, blocks, student.block_len)
    jax.block_until_ready(carry)
    warm = time.perf_counter() - start
    start = time.perf_counter()
    carry, _ = run(carry, blocks, student.block_len)
    jax.block_until_ready(carry)
    return warm, len(seeds) * blocks * student.block_len / (time.perf_counter() - start)


def sequential(student, teacher, seeds: list[int], steps: int) -> float:
    """Aggregate steps per second of one-seed programs run one after another (compiled once, not timed)."""
    init, run = make_gymnax_distiller(TASK, student, DistillConfig(total_steps=steps), teacher)
    blocks = steps // student.block_len
    jax.block_until_ready(run(init(jnp.stack([jax.random.PRNGKey(seeds[0])])), blocks, student.block_len))
    start = time.perf_counter()
    for seed in seeds:
        carry, _ = run(init(jnp.stack([jax.random.PRNGKey(seed)])), blocks, student.block_len)
        jax.block_until_ready(carry)
    return len(seeds) * blocks * student.block_len / (time.perf_counter() - start)


def large(student):
    """The full model with about 10,000 live edges from the start."""
    layout = dataclasses.replace(student.layout, max_hidden=128, max_edges=12_288)
    return dataclasses.replace(student, layout=layout, initial_hidden=108)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30_000, help="timed env steps per seed")
    parser.add_argument("--seeds", type=int, default=8, help="seeds vmapped in one program")
    args = parser.parse_args()
    config = load_project_config([ROOT / "config" / "config.yaml"])
    settings = resolve(config["smgrnn"], TASK, "full")
    student = build_student(TASK, settings)
    teacher, source = expert()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, jax {jax.__version__} on "
          f"{', '.join(str(d) for d in jax.devices())} (every figure on one device)")
    print(f"SMGrNN full on {TASK}: capacity {student.layout.max_hidden} hidden / {student.layout.max_edges} edges, "
          f"K={student.propagation_steps}, s={student.check_every} (growth step after every update but each s-th, "
          f"pruning step then); expert: {source}")
    warm1, one = throughput(student, teacher, [0], args.steps)
    print(f"1 seed: {one:,.0f} steps/s (compile + first {args.steps:,} steps: {warm1:.1f} s)")
    big = large(student)
    edges = int(big.init(jax.random.PRNGKey(0)).graph.edge_alive.sum())
    warm_big, one_big = throughput(big, teacher, [0], args.steps)
    print(f"1 seed, {edges:,} live edges at start ({big.layout.max_hidden} hidden / {big.layout.max_edges:,} edge "
          f"slots): {one_big:,.0f} steps/s (compile + first run: {warm_big:.1f} s)")
    seeds = list(range(args.seeds))
    warm_many, many = throughput(student, teacher, seeds, args.steps)
    seq = sequential(student, teacher, seeds, args.steps)
    print(f"{args.seeds} seeds vmapped: {many:,.0f} steps/s aggregate (compile + first run: {warm_many:.1f} s)")
    print(f"{args.seeds} seeds one after another: {seq:,.0f} steps/s aggregate (measured)")
    print(f"speed-up vmapped / sequential: {many / seq:.2f}x")


if __name__ == "__main__":
    main()
