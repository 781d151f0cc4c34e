"""Run folders -> tidy tables.

``<family>_runs.parquet`` is long: one row per (family, task, variant, seed, x,
metric) with ``value``; ``<family>_summary.csv`` has one row per run with its
headline numbers. What a family's run folder holds and which of it becomes a
curve or a summary column is the family's descriptor (``<family>/results.py``).
Figures and statistics read only these tables. A missing or corrupt run file
stops the collection with an error naming it: a silent gap would bias every
mean computed downstream.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from plasticnets.descriptor import RUN_COLUMNS, Family, long_curve
from plasticnets.families import get_family
from plasticnets.io import read_csv, read_json, read_parquet, write_csv, write_parquet

ID_COLUMNS = ["family", "task", "variant", "seed"]


def _curves(family: Family, metrics: pd.DataFrame, source: Path) -> list[pd.DataFrame]:
    parts = []
    for curve in family.curves:
        rows = metrics if curve.record is None else metrics[metrics["record"] == curve.record]
        parts.append(long_curve(rows, curve.x, curve.x_name, curve.metric_columns(rows.columns), source))
    return parts


def collect_run(family_name: str, run_dir: Path) -> tuple[pd.DataFrame, dict]:
    """One run folder -> (long curve rows, summary row)."""
    family = get_family(family_name)
    summary_path = run_dir / "summary.json"
    summary = read_json(summary_path)
    # a family without curves (baselines) has no metrics.parquet
    metrics = read_parquet(run_dir / "metrics.parquet") if "metrics.parquet" in family.run_files else pd.DataFrame()
    try:
        ids = {"family": family.name, **{key: summary[key] for key in ID_COLUMNS[1:]}}
        row = {**ids, **family.summary_row(summary, metrics)}
    except KeyError as err:
        raise ValueError(f"{summary_path} lacks key {err} (not a complete {family.name} run?)") from None
    parts = _curves(family, metrics, run_dir / "metrics.parquet") + family.extra_curves(run_dir)
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RUN_COLUMNS)
    long = long.assign(**ids)
    return long[RUN_COLUMNS], row


def collect_family(family: str, run_dirs: list[Path], out_runs: Path, out_summary: Path) -> None:
    curves, rows = zip(*(collect_run(family, Path(d)) for d in run_dirs))
    runs = pd.concat(curves, ignore_index=True)
    runs["x"] = runs["x"].astype(float)
    runs["value"] = runs["value"].astype(float)
    write_parquet(out_runs, runs)
    write_csv(out_summary, pd.DataFrame(rows).sort_values(["task", "variant", "seed"]))


def combine_tables(runs_tables: list[Path], summary_tables: list[Path], out_runs: Path, out_summary: Path) -> None:
    """Family tables -> ``runs.parquet`` (every curve) and ``summary.csv`` (one row per run, the union of the
    families' columns), the tables statistics and claims read."""
    runs = pd.concat([read_parquet(p) for p in runs_tables], ignore_index=True)
    missing = [c for c in RUN_COLUMNS if c not in runs.columns]
    if missing:
        raise ValueError(f"family tables lack column(s) {missing}: {', '.join(map(str, runs_tables))}")
    write_parquet(out_runs, runs[RUN_COLUMNS])
    summaries = [read_csv(p) for p in summary_tables]
    write_csv(out_summary, pd.concat(summaries, ignore_index=True).sort_values(["family", "task", "variant", "seed"]))
