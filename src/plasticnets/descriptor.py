"""What a family of runs writes and means, in one object per family (``<family>/results.py``).

A *family* is one kind of run folder (experts, smgrnn, lndp, baselines). Its descriptor says which
files a run folder holds, which of its columns become curves in the tidy tables, how one
run becomes a summary row, which summary columns are headline metrics (group statistics,
tests, claims), which variant the others are compared with, and which figures draw it.
``analysis/``, ``figures/`` and the Snakemake rules loop over ``plasticnets.families.FAMILIES``
instead of branching on family names, so a new metric or figure is a change in one file.

This module is a leaf: it imports nothing of the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd

RUN_COLUMNS = ["family", "task", "variant", "seed", "x", "x_name", "metric", "value"]


@dataclass(frozen=True)
class Curve:
    """Rows of a run's ``metrics.parquet`` that become curves: ``record`` selects rows by their ``record``
    column (None: all rows), ``x`` is the x column, named ``x_name`` in the tables; ``metrics`` are the value
    columns, plus every column whose name matches ``metric_pattern`` (sorted), e.g. one per lifetime episode."""

    record: str | None
    x: str
    x_name: str
    metrics: tuple[str, ...]
    metric_pattern: str | None = None

    def metric_columns(self, columns) -> list[str]:
        extra = sorted(c for c in columns if self.metric_pattern and re.fullmatch(self.metric_pattern, c))
        return [*self.metrics, *extra]


@dataclass(frozen=True)
class Figure:
    """A figure drawn by ``plasticnets.figures.<name>.draw(tables, out)`` from ``tables`` (files in
    results/tables), shown under ``category`` in the Snakemake report with ``workflow/report/<name>.rst`` as
    caption. ``planned(config)`` says whether the configured runs can fill it."""

    name: str
    tables: tuple[str, ...]
    category: str
    planned: Callable[[dict[str, Any]], bool] = lambda config: True

    @property
    def module(self) -> str:
        return f"plasticnets.figures.{self.name}"


@dataclass(frozen=True)
class Family:
    """One family of run folders; see the module docstring."""

    name: str
    outputs: tuple[str, ...]
    """Every file a complete run folder holds: what the family's rules write there, each a declared output."""
    run_files: tuple[str, ...]
    """Files of a run folder that collection reads (summary.json and metrics.parquet first)."""
    curves: tuple[Curve, ...]
    summary_row: Callable[[dict[str, Any], pd.DataFrame], dict[str, Any]]
    """(summary.json, metrics.parquet) -> the family-specific columns of the run's summary row."""
    run_dirs: Callable[[dict[str, Any]], list[str]]
    """The merged config -> every run folder it plans, in a fixed order."""
    run_dir: Callable[[str, str, int], str]
    """(task, variant, seed) -> the run folder, relative to the project (``results/<family>/...``)."""
    run_glob: str
    """Every run folder of the family under the project root (``results/<family>/*/seed*``)."""
    variant_names: Callable[[dict[str, Any]], list[str]]
    """The merged config -> the names of every variant it configures (what claims may name)."""
    headline_metrics: tuple[str, ...] = ()
    learning_metrics: tuple[str, ...] = ()
    """Headline metrics that score a policy (returns, fitness): a claim about them is about learning, and is shown
    and judged beside the task's trivial baseline under this family's evaluation."""
    order_metrics: tuple[str, ...] = ()
    """Summary columns that may rank tasks by difficulty for another family's claims (claims' ``order_by``):
    lower is easier, NaN (never got there) is hardest."""
    limit_columns: tuple[str, ...] = ()
    """Summary columns that count what a run's size limits dropped (growth requests beyond its capacity): a run
    with any of them above zero grew less than its rules asked for, and every claim on its group says so."""
    sample_columns: tuple[str, ...] = ()
    """Summary columns that count environment steps a run learned from (claims' ``samples``: what each side of a
    cross-family comparison consumed, stated beside it)."""
    config_section: str | None = None
    """The config section the family's runs are planned from, when not its own name (transfer: ``lndp``)."""
    baseline_protocol: str | None = None
    """The family whose evaluation protocol scores this family's runs, when not its own (the trivial baselines'
    ``variant``): transferred LNDPs are scored as LNDPs."""
    reference_variant: str | None = None
    figures: tuple[Figure, ...] = ()
    extra_curves: Callable[[Path], list[pd.DataFrame]] = lambda run_dir: []
    """A run folder -> more long curve frames (columns x, x_name, metric, value) from files other than
    metrics.parquet."""
    config_problems: Callable[[dict[str, Any]], list[str]] = lambda config: []
    """The merged config (with this family's section) -> problems JSON Schema cannot express (rules between
    keys), as one-line messages."""


def long_curve(rows: pd.DataFrame, x_column: str, x_name: str, metric_names: list[str], source: Path) -> pd.DataFrame:
    """Wide rows -> long (x, x_name, metric, value), dropping missing values; a missing column is an error
    naming ``source``."""
    missing = [c for c in [x_column, *metric_names] if c not in rows.columns]
    if missing:
        raise ValueError(f"{source} lacks column(s) {missing}")
    long = rows.melt(id_vars=[x_column], value_vars=metric_names, var_name="metric", value_name="value")
    return long.dropna(subset=["value"]).rename(columns={x_column: "x"}).assign(x_name=x_name)


def evaluation_columns(summary: dict[str, Any]) -> dict[str, Any]:
    """The greedy-evaluation columns of a policy run's summary row (experts and SMGrNN students share them)."""
    return {"eval_mean": summary["eval"]["mean"], "eval_std": summary["eval"]["std"],
            "eval_episodes": summary["eval"]["episodes"], "env_steps": summary["env_steps"],
            "wall_time_s": summary["wall_time_s"]}
