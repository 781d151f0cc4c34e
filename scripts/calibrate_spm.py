"""Pilot runs for the SPM thresholds the paper leaves unknown (docs/decisions.md, "SMGrNN").

Distils the full SMGrNN (default config, with --set overrides of spm keys) on one task for
several seeds vmapped in one program and prints, per seed, the late reward, the final and
largest hidden-node count, the edge count and the SPM event totals. Needs the task's expert
(results/experts/<task>/seed0/policy.eqx: `snakemake experts --cores all`).

Usage: python scripts/calibrate_spm.py --task CartPole-v1 --steps 100000 --seeds 0 1 2 3 \
           --set lambda_edge=1.0 tau_w=0.05
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from plasticnets.families import load_project_config
from plasticnets.experts.policy import load_policy
from plasticnets.smgrnn.distill import DistillConfig, distill
from plasticnets.smgrnn.run import build_student, late_reward
from plasticnets.smgrnn.variants import resolve

ROOT = Path(__file__).resolve().parents[1]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="CartPole-v1")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="spm overrides")
    args = parser.parse_args()
    settings = resolve(load_project_config([ROOT / "config" / "config.yaml"])["smgrnn"], args.task, "full")
    for item in args.set:
        key, value = item.split("=", 1)
        if key not in settings["spm"]:
            raise SystemExit(f"unknown spm key {key!r}; known: {', '.join(settings['spm'])}")
        settings["spm"][key] = parse_value(value, settings["spm"][key])
    expert, _ = load_policy(ROOT / "results" / "experts" / args.task / "seed0" / "policy.eqx")
    student = build_student(args.task, settings)
    runs = distill(args.task, student, DistillConfig(total_steps=args.steps), expert, args.seeds)
    print(f"{args.task}, {args.steps:,} steps, spm overrides: {' '.join(args.set) or 'none'}")
    for seed, run in zip(args.seeds, runs):
        returns = run.steps["finished_return"][run.steps["done"]]
        c = run.checks
        print(f"seed {seed}: late reward {late_reward(returns):7.1f}  hidden {c['hidden'][-1]:4d} "
              f"(max {c['hidden'].max():4d})  edges {c['edges'][-1]:5d}  relays {c['relays'].sum():5d}  "
              f"random {c['random_edges'].sum():5d}  pruned {c['pruned'].sum():5d}  orphans {c['orphans'].sum():4d}  "
              f"capacity misses {c['dropped_no_free_slot'].sum()}  cap misses {c['dropped_by_check_cap'].sum()}")


if __name__ == "__main__":
    main()
