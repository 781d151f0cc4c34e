"""LNDP evolution: best and population-mean fitness per generation, per task and
variant, mean and 95% CI across seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.style import (read_baselines, DOUBLE_COLUMN_IN, TASK_ORDER, apply_style, palette,
                                      reference_handles, reference_lines, save_figure, variant_order)
from plasticnets.io import read_parquet

TABLE = "lndp_runs.parquet"
ROWS = [("best", "best of generation"), ("mean", "population mean")]


def _title(task: str) -> str:
    """Foraging task names on two lines: five panel titles share 7 inches."""
    return task.replace("-", "\n", 1) if task.startswith("Foraging") else task


def draw(tables: Path, out: Path) -> None:
    apply_style()
    runs = read_parquet(Path(tables) / TABLE)
    runs = runs[runs["x_name"] == "generation"]
    baselines = read_baselines(tables)
    tasks = [t for t in TASK_ORDER if t in set(runs["task"])]
    order = variant_order(runs["variant"].unique())
    fig, axes = plt.subplots(len(ROWS), len(tasks), figsize=(DOUBLE_COLUMN_IN, 4.2), squeeze=False, sharex="col")
    for row, (metric, label) in enumerate(ROWS):
        for col, task in enumerate(tasks):
            ax = axes[row][col]
            data = runs[(runs["task"] == task) & (runs["metric"] == metric)]
            sns.lineplot(data, x="x", y="value", hue="variant", hue_order=[v for v in order if v in set(data["variant"])],
                         palette=palette(order), ax=ax, errorbar=("ci", 95), seed=0, legend=False)
            reference_lines(ax, baselines, task, "lndp")
            ax.set(title=_title(task) if row == 0 else "", xlabel="generation" if row == len(ROWS) - 1 else "", ylabel="")
        axes[row][0].set_ylabel(f"fitness\n({label})")
    # One legend for every variant drawn (the last task may not run them all).
    colors = palette(order)
    handles = [plt.Line2D([], [], color=colors[v], label=v) for v in order] + reference_handles()
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), bbox_to_anchor=(0.5, 1.04))
    fig.tight_layout()
    save_figure(fig, out)
