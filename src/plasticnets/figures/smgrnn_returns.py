"""SMGrNN vs fixed MLPs: training episode return per task, mean and 95% CI across seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.curves import bin_curves
from plasticnets.figures.style import (DOUBLE_COLUMN_IN, TASK_ORDER, apply_style, palette, save_figure, steps_axis,
                                      variant_order)
from plasticnets.io import read_parquet

TABLE = "smgrnn_runs.parquet"


def draw(tables: Path, out: Path) -> None:
    apply_style()
    runs = read_parquet(Path(tables) / TABLE)
    rows = runs[(runs["metric"] == "return") & ((runs["variant"] == "full") | runs["variant"].str.startswith("mlp_"))]
    curves = bin_curves(rows)
    tasks = [t for t in TASK_ORDER if t in set(curves["task"])]
    order = variant_order(curves["variant"].unique())
    fig, axes = plt.subplots(1, len(tasks), figsize=(DOUBLE_COLUMN_IN, 2.5), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        sns.lineplot(curves[curves["task"] == task], x="x", y="value", hue="variant", hue_order=order,
                     palette=palette(order), ax=ax, errorbar=("ci", 95), seed=0, legend=ax is axes[0][-1])
        ax.set(title=task, xlabel="environment steps", ylabel="")
        steps_axis(ax)
    axes[0][0].set_ylabel("training episode return")
    axes[0][-1].legend(title=None, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    save_figure(fig, out)
