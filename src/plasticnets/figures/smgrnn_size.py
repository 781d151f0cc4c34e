"""Network size over training: hidden nodes and parameters, full SMGrNN vs growth-only (log scale)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.curves import bin_curves
from plasticnets.figures.style import DOUBLE_COLUMN_IN, TASK_ORDER, apply_style, palette, save_figure, steps_axis
from plasticnets.io import read_parquet

TABLE = "smgrnn_runs.parquet"
VARIANTS = ["full", "growth_only"]
METRICS = {"hidden": "hidden nodes", "params": "parameters (edges)"}


def draw(tables: Path, out: Path) -> None:
    apply_style()
    runs = read_parquet(Path(tables) / TABLE)
    rows = runs[runs["variant"].isin(VARIANTS) & runs["metric"].isin(list(METRICS))]
    curves = bin_curves(rows, by=("task", "variant", "metric"))
    tasks = [t for t in TASK_ORDER if t in set(curves["task"])]
    variants = [v for v in VARIANTS if v in set(curves["variant"])]
    fig, axes = plt.subplots(len(METRICS), len(tasks), figsize=(DOUBLE_COLUMN_IN, 4.2), squeeze=False, sharex="col")
    for row, (metric, label) in enumerate(METRICS.items()):
        for col, task in enumerate(tasks):
            ax = axes[row][col]
            data = curves[(curves["task"] == task) & (curves["metric"] == metric)]
            sns.lineplot(data, x="x", y="value", hue="variant", hue_order=variants, palette=palette(variants),
                         ax=ax, errorbar=("ci", 95), seed=0, legend=(row, col) == (0, len(tasks) - 1))
            ax.set_yscale("symlog", linthresh=1)  # log scale that keeps 0 hidden nodes visible
            ax.set_ylim(bottom=0)  # counts: no negative half of the symlog axis
            ax.set(title=task if row == 0 else "", xlabel="environment steps" if row else "",
                   ylabel=label if col == 0 else "")
            steps_axis(ax)
    axes[0][-1].legend(title=None, loc="lower right")  # below the curves on every task
    fig.tight_layout()
    save_figure(fig, out)
