"""What a baseline folder holds and means: one row per (task, protocol) with the trivial score (what a policy
that learns nothing scores under that family's evaluation), the random policy's, the solved threshold and the
ceiling. ``variant`` names the protocol (``smgrnn`` or ``lndp``), ``seed`` the evaluation seed."""

from __future__ import annotations

from typing import Any

import pandas as pd

from plasticnets.descriptor import Family
from plasticnets.lndp import variants as lndp_variants


def run_dir(task: str, protocol: str, seed: int = 0) -> str:
    return f"results/baselines/{protocol}/{task}"


def planned(config: dict[str, Any]) -> list[tuple[str, str]]:
    """(task, protocol) pairs: every SMGrNN task under its protocol, every LNDP task with a ``full`` run under
    the LNDP one."""
    pairs = [(task, "smgrnn") for task in config["smgrnn"]["tasks"]]
    lndp_tasks = [task for task, variant in lndp_variants.runs(config["lndp"]) if variant == "full"]
    return pairs + [(task, "lndp") for task in lndp_tasks]


def run_dirs(config: dict[str, Any]) -> list[str]:
    return [run_dir(task, protocol) for task, protocol in planned(config)]


def _number(value) -> float:
    return float("nan") if value is None else float(value)


def summary_row(summary: dict[str, Any], metrics: pd.DataFrame) -> dict[str, Any]:
    """(``solved_threshold``: the experts' rows already have a boolean ``solved`` in the combined table.)"""
    return {"trivial": summary["trivial"], "trivial_policy": summary["trivial_policy"],
            "random_policy": _number(summary["random_policy"]), "solved_threshold": _number(summary["solved"]),
            "ceiling": _number(summary["ceiling"])}


RESULTS = Family(
    name="baselines",
    outputs=("summary.json",),
    run_files=("summary.json",),
    curves=(),
    summary_row=summary_row,
    run_dirs=run_dirs,
    run_dir=lambda task, variant, seed: run_dir(task, variant),
    run_glob="results/baselines/*/*",
    variant_names=lambda config: ["smgrnn", "lndp"],
    headline_metrics=("trivial",),
)
