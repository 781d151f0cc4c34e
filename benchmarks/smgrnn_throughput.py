"""SMGrNN distillation throughput on CartPole-v1 with the SPM active (the default config's full variant).

Prints training steps per second for one seed, and the aggregate for 8 seeds vmapped in one compiled
program, against the baseline of running those 8 seeds one after another (whose aggregate equals the
one-seed rate), as a ratio. Compilation is excluded (timed separately). The expert is the trained
results/experts/CartPole-v1/seed0/policy.eqx when present, else a freshly initialised network (the
labels then differ, so the graph grows differently; the script says which it used).

The vmapped program shards its seeds over one XLA CPU device per core (set via XLA_FLAGS below).

Usage: python benchmarks/smgrnn_throughput.py [--steps 30000] [--seeds 8]
"""

from __future__ import annotations

import argparse
import os

# One XLA CPU device per core, so the vmapped seeds can be split over both cores.
# Set before JAX is imported; the one-seed program runs on a single device either way.
os.environ.setdefault("XLA_FLAGS", f"--xla_force_host_platform_device_count={os.cpu_count()}")
import platform
import time
from pathlib import Path

import jax
import jax.numpy as jnp

from plasticnets.families import load_project_config
from plasticnets.experts.policy import ActorCritic, load_policy
from plasticnets.smgrnn.distill import DistillConfig, make_gymnax_distiller, shard_over_devices
from plasticnets.smgrnn.run import build_student
from plasticnets.smgrnn.variants import resolve

ROOT = Path(__file__).resolve().parents[1]
TASK = "CartPole-v1"


def expert():
    path = ROOT / "results" / "experts" / TASK / "seed0" / "policy.eqx"
    if path.is_file():
        return load_policy(path)[0], str(path.relative_to(ROOT))
    return ActorCritic(jax.random.PRNGKey(0), 4, 2), "untrained network (no results/experts yet)"


def throughput(student, teacher, seeds: int, steps: int) -> tuple[float, float]:
    """(compile + first chunk seconds, steady-state aggregate steps per second)."""
    init, run = make_gymnax_distiller(TASK, student, DistillConfig(total_steps=steps), teacher)
    carry = shard_over_devices(init(jnp.stack([jax.random.PRNGKey(s) for s in range(seeds)])), seeds)
    blocks = steps // student.check_every
    start = time.perf_counter()
    carry, _ = run(carry, blocks, student.check_every)
    jax.block_until_ready(carry)
    warm = time.perf_counter() - start
    start = time.perf_counter()
    carry, _ = run(carry, blocks, student.check_every)
    jax.block_until_ready(carry)
    return warm, seeds * blocks * student.check_every / (time.perf_counter() - start)


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
          f"{', '.join(str(d) for d in jax.devices())}")
    print(f"SMGrNN full on {TASK}: capacity {student.layout.max_hidden} hidden / {student.layout.max_edges} edges, "
          f"K={student.propagation_steps}, check every {student.check_every} steps; expert: {source}")
    warm1, one = throughput(student, teacher, 1, args.steps)
    warm8, many = throughput(student, teacher, args.seeds, args.steps)
    print(f"1 seed: {one:,.0f} steps/s (compile + first {args.steps:,} steps: {warm1:.1f} s)")
    print(f"{args.seeds} seeds vmapped: {many:,.0f} steps/s aggregate (compile + first chunk: {warm8:.1f} s)")
    print(f"{args.seeds} seeds one after another: {one:,.0f} steps/s aggregate (same as 1 seed)")
    print(f"speed-up vmapped / sequential: {many / one:.2f}x")


if __name__ == "__main__":
    main()
