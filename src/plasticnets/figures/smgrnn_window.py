"""The window T the seed asks about (50, 100, 200; on LunarLander at default scale): final hidden nodes, how fast the
size adapts (environment steps until the hidden-node count first reached half of its final value) and late reward,
against T, on each task a window variant runs on; mean with 95% CI across seeds, and each seed. T = 100 is `full`."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.style import (DOUBLE_COLUMN_IN, TASK_ORDER, apply_style, read_baselines, reference_lines,
                                      save_figure)
from plasticnets.io import read_csv
from plasticnets.smgrnn.results import WINDOWS

TABLE = "smgrnn_summary.csv"
METRICS = (("final_hidden", "final hidden nodes"), ("steps_to_half_size", "steps to half the final size"),
           ("late_reward", "late reward"))


def draw(tables: Path, out: Path) -> None:
    apply_style()
    summary = read_csv(Path(tables) / TABLE)
    data = summary[summary["variant"].isin(list(WINDOWS))].copy()
    tasks = [t for t in TASK_ORDER if data.loc[data["task"] == t, "variant"].nunique() >= 2]
    if not tasks:
        raise ValueError(f"{tables}/{TABLE}: needs full and a window variant ({', '.join(WINDOWS)}) on one task")
    data["T"] = data["variant"].map(WINDOWS)
    baselines = read_baselines(tables)
    fig, axes = plt.subplots(len(tasks), len(METRICS), figsize=(DOUBLE_COLUMN_IN, 2.3 * len(tasks)), squeeze=False)
    for row, task in enumerate(tasks):
        on_task = data[data["task"] == task]
        order = sorted(on_task["T"].unique())
        for ax, (metric, label) in zip(axes[row], METRICS):
            sns.stripplot(on_task, x="T", y=metric, order=order, color="0.6", size=2.5, ax=ax, jitter=False)
            sns.pointplot(on_task, x="T", y=metric, order=order, color="#7570b3", errorbar=("ci", 95), seed=0,
                          ax=ax, markers="D", markersize=4, err_kws={"linewidth": 1.2})
            if metric == "late_reward":
                reference_lines(ax, baselines, task, "smgrnn")
            ax.set(xlabel="window T (steps)", ylabel=label, title=task if ax is axes[row][0] else "")
    fig.tight_layout()
    save_figure(fig, out)
