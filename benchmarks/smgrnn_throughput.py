"""SMGrNN distillation throughput on CartPole-v1 with the SPM on its seed clock (a growth step after every
update with t mod s != 0, a pruning step on t mod s = 0).

Measures, in one process, the current implementation ("new") against the capacity-sized one of commit a1928a2
("old": fixed capacity, dense node-pair propagation, an N x N random-growth pool, loaded from git history):

(a) the default config's full variant, one seed (target >= 5,000 steps/s);
(b) the same model with about 10,000 live edges (128 hidden nodes initialised at density 0.8, at most 12,288
    edge slots; target >= 1,500 steps/s), and the full variant with the growth_only maximum capacity, where
    the old cost follows the capacity and the new one the live graph;
(c) N seeds vmapped in one compiled program against the same N seeds run one after another as one-seed
    programs, both measured on the same single XLA device.

Old and new runs alternate (``--rounds`` times; the best of each is reported), so a changing machine load hits
both. Compilation is excluded (timed separately). The expert is the trained
results/experts/CartPole-v1/seed0/policy.eqx when present, else a freshly initialised network (the labels then
differ, so the graph grows differently; the script says which it used).

Usage: python benchmarks/smgrnn_throughput.py [--steps 15000] [--large-steps 3000] [--seeds 8] [--rounds 2]
       [--cases a,b,b',c] [--expert results/experts/CartPole-v1/seed0/policy.eqx]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from plasticnets.experts.policy import ActorCritic, load_policy
from plasticnets.families import load_project_config
from plasticnets.smgrnn import distill as new_distill
from plasticnets.smgrnn.run import build_student
from plasticnets.smgrnn.variants import resolve

ROOT = Path(__file__).resolve().parents[1]
TASK = "CartPole-v1"
OLD_COMMIT = "a1928a2"  # the last capacity-sized implementation
OLD_MODULES = ("graph", "spm", "student", "distill")


def expert(path: Path):
    if path.is_file():
        return load_policy(path)[0], str(path)
    return ActorCritic(jax.random.PRNGKey(0), 4, 2), "untrained network (no results/experts yet)"


def load_old(commit: str):
    """The SMGrNN modules of ``commit`` as a package of their own (``smgrnn_old``), or None without git."""
    folder = Path(tempfile.mkdtemp(prefix="smgrnn_old_"))
    package = folder / "smgrnn_old"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in OLD_MODULES:
        shown = subprocess.run(["git", "show", f"{commit}:src/plasticnets/smgrnn/{name}.py"], cwd=ROOT,
                               capture_output=True, text=True)
        if shown.returncode:
            return None
        text = shown.stdout.replace("from plasticnets.smgrnn import", "from smgrnn_old import")
        (package / f"{name}.py").write_text(text.replace("plasticnets.smgrnn.", "smgrnn_old."))
    sys.path.insert(0, str(folder))
    return {name: importlib.import_module(f"smgrnn_old.{name}") for name in OLD_MODULES}


def old_student(old, new_student):
    """The old implementation's student with the same settings and the new one's largest capacity."""
    graph, spm, student = old["graph"], old["spm"], old["student"]
    layout = graph.Layout(**dataclasses.asdict(new_student.max_layout))
    return student.GraphStudent(layout, spm.SPMConfig(**dataclasses.asdict(new_student.spm)),
                                propagation_steps=new_student.propagation_steps, density=new_student.density,
                                initial_hidden=new_student.initial_hidden, init_scale=new_student.init_scale,
                                lr=new_student.lr)


class Side:
    """One implementation on one workload: compiled once, then timed in runs that continue the same carry.

    A student with capacity buckets moves between runs as the training loop moves it (room for the live graph
    plus twice the last run's growth; a run in which a growth request found a bucket below the maximum full is
    redone in the next bucket up); a move compiles a new program, so an untimed run follows it.
    """

    def __init__(self, distill_module, student, teacher, seeds: list[int], steps: int):
        self.module, self.teacher, self.student, self.seeds, self.steps = distill_module, teacher, student, seeds, steps
        self.compile(student)
        init = self.module.make_gymnax_distiller(TASK, student, self.module.DistillConfig(steps), teacher)[0]
        self.carries = [init(jnp.stack([jax.random.PRNGKey(s) for s in group])) for group in self.groups()]
        self.blocks = steps // student.block_len
        self.misses, self.moves = 0, 0
        start = time.perf_counter()
        self.carries = [self._advance(c) for c in self.carries]  # compile + first run
        self.warm_s = time.perf_counter() - start
        self.rates: list[float] = []

    def groups(self) -> list[list[int]]:
        return [self.seeds]

    def compile(self, student) -> None:
        self.student = student
        self.run = self.module.make_gymnax_distiller(TASK, student, self.module.DistillConfig(self.steps),
                                                     self.teacher)[1]

    def growable(self) -> bool:
        return hasattr(self.student, "can_grow") and self.student.can_grow() and len(self.carries) == 1

    def move(self, carry, layout):
        student, state = self.student.moved(carry.student, layout)
        self.compile(student)
        self.moves += 1
        return carry._replace(student=state)

    def _advance(self, carry):
        while True:
            out, logs = self.run(carry, self.blocks, self.student.block_len)
            jax.block_until_ready(out)
            self.misses = int(np.asarray(logs[1].dropped_no_free_slot).sum())
            if not (self.misses and self.growable()):
                break
            carry = self.move(carry, self.student.next_bucket())  # as the loop does: redo in a larger bucket
        sizes = np.asarray(logs[2])
        self.live_edges = int(sizes[-1, :, 1].max())
        if self.growable():
            live, grown = sizes[-1].max(0), np.maximum(sizes[-1].max(0) - sizes[0].max(0), 0)
            layout = self.student.bucket_for(int(live[0] + 2 * grown[0]), int(live[1] + 2 * grown[1]))
            if layout != self.student.layout:
                out = self.move(out, layout)
        return out

    def time(self) -> float:
        while True:
            moves = self.moves
            start = time.perf_counter()
            self.carries = [self._advance(c) for c in self.carries]
            seconds = time.perf_counter() - start
            if self.moves == moves:
                break  # no compilation inside: a clean measurement
        rate = len(self.seeds) * self.blocks * self.student.block_len / seconds
        self.rates.append(rate)
        return rate

    @property
    def best(self) -> float:
        return max(self.rates)


class OneAfterAnother(Side):
    """The same seeds as one-seed programs run one after another (one compiled program for all of them)."""

    def groups(self) -> list[list[int]]:
        return [[s] for s in self.seeds]


def compare(label: str, sides: dict[str, Side], rounds: int) -> None:
    for _ in range(rounds):
        for side in sides.values():
            side.time()
    for name, side in sides.items():
        layout = side.student.layout
        print(f"  {label} {name}: {side.best:,.0f} steps/s (best of {rounds}: "
              f"{', '.join(f'{r:,.0f}' for r in side.rates)}; {layout.max_hidden} hidden / {layout.max_edges:,} edge "
              f"slots; {side.live_edges:,} live edges at the end; compile + first run {side.warm_s:.1f} s; "
              f"growth requests without a slot in the last run: {side.misses}; bucket moves: {side.moves})")
    names = list(sides)
    if len(names) == 2:
        print(f"  {label} {names[0]} / {names[1]}: {sides[names[0]].best / sides[names[1]].best:.2f}x")


def large(student):
    """The full model with about 10,000 live edges from the start: 128 hidden nodes, at most 12,288 edge slots."""
    limit = dataclasses.replace(student.max_layout, max_hidden=128, max_edges=12_288)
    return dataclasses.replace(student, layout=limit, limit=None, initial_hidden=108).starting_small()


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return (f"{platform.machine()} {model}, {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), "
            f"jax {jax.__version__}, devices {[str(d) for d in jax.devices()]}")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=15_000, help="env steps per timed run (full variant)")
    parser.add_argument("--large-steps", type=int, default=3_000, help="env steps per timed run (large graphs)")
    parser.add_argument("--seeds", type=int, default=8, help="seeds vmapped in one program")
    parser.add_argument("--rounds", type=int, default=2, help="timed runs per side, alternating")
    parser.add_argument("--cases", default="a,b,b',c", help="which of the cases a, b, b', c to run")
    parser.add_argument("--expert", type=Path, default=ROOT / "results" / "experts" / TASK / "seed0" / "policy.eqx")
    args = parser.parse_args()
    config = load_project_config([ROOT / "config" / "config.yaml"])
    full = build_student(TASK, resolve(config["smgrnn"], TASK, "full"))
    growth_limit = build_student(TASK, resolve(config["smgrnn"], TASK, "growth_only")).max_layout
    teacher, source = expert(args.expert)
    old = load_old(OLD_COMMIT)
    print(f"machine: {machine()}; every figure on one device")
    print(f"{load()} at start (other jobs share the cores: compare ratios; absolute figures scale with the load)")
    print(f"SMGrNN full on {TASK}: K={full.propagation_steps}, s={full.check_every} (growth step after every update "
          f"but each s-th, pruning step then); expert: {source}; old = commit {OLD_COMMIT}"
          f"{'' if old else ' (not found: git history missing, old side skipped)'}")

    def pair(student, steps, seeds=(0,)):
        sides = {"new": Side(new_distill, student, teacher, list(seeds), steps)}
        if old:
            sides["old"] = Side(old["distill"], old_student(old, student), teacher, list(seeds), steps)
        return sides

    cases = args.cases.split(",")
    if "a" in cases:
        print("(a) full model, 1 seed, default capacity (target >= 5,000 steps/s):")
        compare("full", pair(full, args.steps), args.rounds)
    if "b" in cases:
        print("(b) about 10,000 live edges, 1 seed (target >= 1,500 steps/s):")
        compare("10k edges", pair(large(full), args.large_steps), args.rounds)
    wide = dataclasses.replace(full, layout=growth_limit, limit=None).starting_small()
    if "b'" in cases:
        print(f"(b') full model with the growth_only maximum ({growth_limit.max_hidden:,} hidden / "
              f"{growth_limit.max_edges:,} edge slots), 1 seed: the old cost follows the capacity, the new the live "
              f"graph:")
        compare("full at the growth_only maximum", pair(wide, args.large_steps), args.rounds)
    if "c" in cases:
        seeds = list(range(args.seeds))
        print(f"(c) {args.seeds} seeds, new implementation, one device each way:")
        compare(f"{args.seeds} seeds", {"vmapped": Side(new_distill, full, teacher, seeds, args.steps),
                                        "one after another": OneAfterAnother(new_distill, full, teacher, seeds,
                                                                             args.steps)}, args.rounds)
    print(f"{load()} at the end")


if __name__ == "__main__":
    main()
