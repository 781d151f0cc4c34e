"""Low sensitivity to the initial topology: late reward and final hidden nodes per start, per task. The seed's start
(`full`: edge density 0.8, no hidden node) beside the initial densities 0.2, 0.5 and 1.0 and 16 initial hidden
nodes; mean with 95% CI across seeds, and each seed."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.style import (DOUBLE_COLUMN_IN, TASK_ORDER, apply_style, read_baselines, reference_lines,
                                      save_figure)
from plasticnets.io import read_csv
from plasticnets.smgrnn.results import TOPOLOGY_PREFIX as PREFIX
from plasticnets.smgrnn.results import TOPOLOGY_REFERENCE as REFERENCE

TABLE = "smgrnn_summary.csv"
LABELS = {"full": "density 0.8\n(seed)", "init_density_0_2": "density 0.2", "init_density_0_5": "density 0.5",
          "init_density_1_0": "density 1.0", "init_hidden_16": "16 hidden"}
METRICS = (("late_reward", "late reward"), ("final_hidden", "final hidden nodes"))


def starts(variants) -> list[str]:
    """The seed's start, then the other initial topologies in name order."""
    return [REFERENCE] + sorted(v for v in set(variants) if v.startswith(PREFIX))


def draw(tables: Path, out: Path) -> None:
    apply_style()
    summary = read_csv(Path(tables) / TABLE)
    order = starts(summary["variant"])
    summary = summary[summary["variant"].isin(order)]
    baselines = read_baselines(tables)
    tasks = [t for t in TASK_ORDER if t in set(summary["task"])]
    if len(order) < 2 or not tasks:
        raise ValueError(f"{tables}/{TABLE}: no initial-topology runs (variants {PREFIX}*) beside {REFERENCE}")
    fig, axes = plt.subplots(len(METRICS), len(tasks), figsize=(DOUBLE_COLUMN_IN, 4.6), squeeze=False)
    for row, (metric, label) in enumerate(METRICS):
        for ax, task in zip(axes[row], tasks):
            data = summary[summary["task"] == task]
            sns.stripplot(data, x="variant", y=metric, order=order, color="0.6", size=2.5, ax=ax, jitter=False)
            sns.pointplot(data, x="variant", y=metric, order=order, color="#1b9e77", errorbar=("ci", 95), seed=0,
                          ax=ax, linestyle="none", markers="D", markersize=4, err_kws={"linewidth": 1.2})
            if metric == "late_reward":
                reference_lines(ax, baselines, task, "smgrnn")
            ax.set(title=task if row == 0 else "", xlabel="", ylabel=label if ax is axes[row][0] else "")
            ax.set_xticks(range(len(order)), [LABELS.get(v, v) for v in order] if row == len(METRICS) - 1 else [])
            ax.tick_params(axis="x", rotation=45, labelsize=6)
    fig.tight_layout()
    save_figure(fig, out)
