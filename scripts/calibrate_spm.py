"""Calibrate the SPM values the SMGrNN paper leaves open (docs/decisions.md, "Calibration protocol: SMGrNN").

Distils the full SMGrNN (default config, overridden per grid point) on one task for the calibration seeds, vmapped
in one program per grid point, and writes one row per grid point and seed to a CSV table: late reward, final and
largest hidden-node count, edges, SPM event totals, capacity misses. The table is written as it goes: a rerun skips
the grid points already in it. With --select, the protocol's rule then picks the winner and prints it.

Needs the task's expert (results/experts/<task>/seed0/policy.eqx: `snakemake results/experts/<task>/seed0/policy.eqx`).

Usage (the protocol's run):
    python scripts/calibrate_spm.py --task CartPole-v1 --seeds 100 101 102 \
        --grid lambda_edge=0.1,0.3,1,3,10 tau_w=0.01,0.05 tau_delta=1e-5,1e-4 rho_rand=0.02,0.1 \
        --tie new_edge_scale=tau_w --out docs/calibration/smgrnn_spm_grid.csv --select
One grid point: --grid lambda_edge=1e-3 (a single value per key).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import time
from pathlib import Path

import pandas as pd
import yaml

from plasticnets.experts.policy import load_policy
from plasticnets.families import load_project_config
from plasticnets.progress import Progress
from plasticnets.smgrnn.distill import distill
from plasticnets.smgrnn.run import build_student, distill_config, late_reward
from plasticnets.smgrnn.variants import resolve

ROOT = Path(__file__).resolve().parents[1]
HIDDEN_TARGET = (20, 40)  # the seed: "~30 hidden nodes"
HIDDEN_CENTRE = 30
LATE_REWARD_TARGET = 492  # the seed: late reward ~497; the claims band's lower edge
FAR_HIDDEN, FAR_REWARD = 10.0, 8.0  # units of the out-of-target distance when no grid point meets both targets


def parse_value(text: str, current):
    """An override's value, typed like the key's current value. YAML 1.1 reads ``1e-3`` (no dot) as a
    string, so numbers are parsed by Python, not by YAML."""
    if isinstance(current, bool):
        value = yaml.safe_load(text)
        if not isinstance(value, bool):
            raise SystemExit(f"expected true or false, got {text!r}")
        return value
    if isinstance(current, (int, float)):
        try:
            number = float(text)
        except ValueError:
            raise SystemExit(f"expected a number, got {text!r}") from None
        return int(number) if isinstance(current, int) and number.is_integer() else number
    return yaml.safe_load(text)


def grid_points(spm: dict, grid: list[str], ties: list[str]) -> list[dict]:
    """The cartesian product of ``KEY=V1,V2,...`` items, typed like the config's values; ``A=B`` ties set key A
    to key B's value at every point."""
    axes = {}
    for item in grid:
        key, _, values = item.partition("=")
        if key not in spm:
            raise SystemExit(f"unknown spm key {key!r}; known: {', '.join(spm)}")
        axes[key] = [parse_value(v, spm[key]) for v in values.split(",")]
    tied = {}
    for item in ties:
        key, _, source = item.partition("=")
        if key not in spm or source not in axes:
            raise SystemExit(f"--tie {item!r}: the left side must be an spm key and the right side a --grid key")
        tied[key] = source
    points = [dict(zip(axes, values)) for values in itertools.product(*axes.values())]
    return [{**point, **{key: point[source] for key, source in tied.items()}} for point in points]


def point_id(point: dict) -> str:
    return " ".join(f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"
                    for key, value in sorted(point.items()))


def run_point(task: str, base: dict, point: dict, seeds: list[int], steps: int | None, expert) -> list[dict]:
    settings = {**base, "spm": {**base["spm"], **point}}
    if steps is not None:
        settings["steps"] = steps
    runs = distill(task, build_student(task, settings), distill_config(settings), expert, seeds)
    rows = []
    for seed, run in zip(seeds, runs):
        returns = run.steps["finished_return"][run.steps["done"]]
        c = run.checks
        rows.append({
            "point": point_id(point), **point, "seed": seed, "steps": settings["steps"],
            "late_reward": late_reward(returns), "hidden": int(c["hidden"][-1]), "hidden_max": int(c["hidden"].max()),
            "edges": int(c["edges"][-1]), "edges_max": int(c["edges"].max()), "relays": int(c["relays"].sum()),
            "random_edges": int(c["random_edges"].sum()), "pruned": int(c["pruned"].sum()),
            "orphans": int(c["orphans"].sum()), "dropped_no_free_slot": int(c["dropped_no_free_slot"].sum()),
            "dropped_by_check_cap": int(c["dropped_by_check_cap"].sum()),
        })
    return rows


def select(table: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """The protocol's rule, over seed means per grid point: feasible = mean final hidden in [20, 40], mean late
    reward >= 492 and no capacity miss in any seed; the winner is the feasible point whose mean hidden count is
    closest to 30 (ties: higher mean late reward). Without a feasible point, the smallest out-of-target distance
    max(0, |hidden - 30| - 10) / 10 + max(0, 492 - late) / 8 wins, and the second value returned is False."""
    per_point = table.groupby("point").agg(
        late_reward=("late_reward", "mean"), late_reward_min=("late_reward", "min"), hidden=("hidden", "mean"),
        hidden_min=("hidden", "min"), hidden_max=("hidden", "max"), edges=("edges", "mean"),
        misses=("dropped_no_free_slot", "sum"), seeds=("seed", "count"))
    per_point["feasible"] = (per_point["hidden"].between(*HIDDEN_TARGET) & (per_point["late_reward"] >= LATE_REWARD_TARGET)
                             & (per_point["misses"] == 0))
    per_point["off_centre"] = (per_point["hidden"] - HIDDEN_CENTRE).abs()
    per_point["distance"] = ((per_point["off_centre"] - (HIDDEN_TARGET[1] - HIDDEN_CENTRE)).clip(lower=0) / FAR_HIDDEN
                             + (LATE_REWARD_TARGET - per_point["late_reward"]).clip(lower=0) / FAR_REWARD)
    met = bool(per_point["feasible"].any())
    order = (["feasible", "off_centre", "late_reward"], [False, True, False]) if met else \
        (["distance", "late_reward"], [True, False])
    return per_point.sort_values(order[0], ascending=order[1]), met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="CartPole-v1")
    parser.add_argument("--steps", type=int, default=None, help="env steps per run (default: the config's)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102])
    parser.add_argument("--grid", nargs="*", default=[], metavar="KEY=V1,V2", help="spm values to try")
    parser.add_argument("--tie", nargs="*", default=[], metavar="KEY=GRIDKEY", help="set KEY to GRIDKEY's value")
    parser.add_argument("--out", type=Path, help="CSV table (appended to; grid points already in it are skipped)")
    parser.add_argument("--select", action="store_true", help="apply the protocol's selection rule to the table")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    base = resolve(load_project_config([ROOT / "config" / "config.yaml"])["smgrnn"], args.task, "full")
    points = grid_points(base["spm"], args.grid, args.tie)
    done = pd.read_csv(args.out) if args.out is not None and args.out.is_file() else pd.DataFrame({"point": []})
    todo = [p for p in points if point_id(p) not in set(done["point"])]
    print(f"{args.task}, seeds {args.seeds}: {len(points)} grid points, {len(points) - len(todo)} already in the table")
    expert, _ = load_policy(ROOT / "results" / "experts" / args.task / "seed0" / "policy.eqx")
    progress = Progress("calibration", len(todo), "grid points", every_s=0)
    for i, point in enumerate(todo):
        tic = time.perf_counter()
        rows = run_point(args.task, base, point, args.seeds, args.steps, expert)
        for row in rows:
            row["wall_s"] = round(time.perf_counter() - tic, 1)
            print(f"{row['point']} seed {row['seed']}: late reward {row['late_reward']:6.1f} hidden {row['hidden']:4d} "
                  f"(max {row['hidden_max']:4d}) edges {row['edges']:5d} relays {row['relays']:6d} "
                  f"random {row['random_edges']:6d} pruned {row['pruned']:6d} misses {row['dropped_no_free_slot']}",
                  flush=True)
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(rows).to_csv(args.out, mode="a", header=not args.out.is_file(), index=False)
        progress.update(i + 1)
    if args.select:
        if args.out is None:
            raise SystemExit("--select needs --out (the table it selects from)")
        table = pd.read_csv(args.out)
        ranked, met = select(table[table["point"].isin({point_id(p) for p in points})])
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(ranked.head(10).round(2).to_string())
        winner = ranked.index[0]
        print(f"winner: {winner} ({'meets' if met else 'does NOT meet'} the targets: hidden "
              f"{HIDDEN_TARGET[0]}-{HIDDEN_TARGET[1]}, late reward >= {LATE_REWARD_TARGET}, no capacity miss)")
        if math.isnan(ranked.iloc[0]["late_reward"]):
            raise SystemExit("the winner has no finished episode: check the table")


if __name__ == "__main__":
    main()
