"""Late reward (mean return over the last 10% of training episodes) per variant and task: mean, 95% CI across
seeds, and each seed."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.style import (read_baselines, DOUBLE_COLUMN_IN, TASK_ORDER, apply_style, palette,
                                      reference_handles, reference_lines, save_figure, variant_order)
from plasticnets.io import read_csv

TABLE = "smgrnn_summary.csv"


def draw(tables: Path, out: Path) -> None:
    apply_style()
    summary = read_csv(Path(tables) / TABLE)
    baselines = read_baselines(tables)
    tasks = [t for t in TASK_ORDER if t in set(summary["task"])]
    order = variant_order(summary["variant"].unique())
    fig, axes = plt.subplots(1, len(tasks), figsize=(DOUBLE_COLUMN_IN, 2.6), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        data = summary[summary["task"] == task]
        # Points, not bars: returns are negative on Acrobot, and a bar from zero hides the differences.
        sns.stripplot(data, x="variant", y="late_reward", order=order, color="0.6", size=2.5, ax=ax, jitter=False)
        sns.pointplot(data, x="variant", y="late_reward", hue="variant", order=order, hue_order=order,
                      palette=palette(order), errorbar=("ci", 95), seed=0, ax=ax, legend=False,
                      linestyle="none", markers="D", markersize=4, err_kws={"linewidth": 1.2})
        reference_lines(ax, baselines, task, "smgrnn")
        ax.set(title=task, xlabel="", ylabel="late reward" if ax is axes[0][0] else "")
        ax.tick_params(axis="x", rotation=60)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    axes[0][-1].legend(handles=reference_handles(), loc="lower right", fontsize=6)
    fig.tight_layout()
    save_figure(fig, out)
