"""SMGrNN vs fixed MLPs: training episode return per task, mean and 95% CI across seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.curves import bin_curves
from plasticnets.figures.style import (read_baselines, DOUBLE_COLUMN_IN, TASK_ORDER, apply_style, palette,
                                      reference_handles, reference_lines, save_figure, steps_axis, variant_order)
from plasticnets.io import read_parquet

TABLE = "smgrnn_runs.parquet"


def draw(tables: Path, out: Path) -> None:
    apply_style()
    runs = read_parquet(Path(tables) / TABLE)
    baselines = read_baselines(tables)
    rows = runs[(runs["metric"] == "return") & ((runs["variant"] == "full") | runs["variant"].str.startswith("mlp_"))]
    curves = bin_curves(rows)
    tasks = [t for t in TASK_ORDER if t in set(curves["task"])]
    order = variant_order(curves["variant"].unique())
    fig, axes = plt.subplots(1, len(tasks), figsize=(DOUBLE_COLUMN_IN, 2.5), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        sns.lineplot(curves[curves["task"] == task], x="x", y="value", hue="variant", hue_order=order,
                     palette=palette(order), ax=ax, errorbar=("ci", 95), seed=0, legend=ax is axes[0][-1])
        reference_lines(ax, baselines, task, "smgrnn")
        ax.set(title=task, xlabel="environment steps", ylabel="")
        steps_axis(ax)
    axes[0][0].set_ylabel("training episode return")
    handles = [h for h in axes[0][-1].get_legend_handles_labels()[0] if not h.get_label().startswith(("trivial",
               "solved", "ceiling"))]
    axes[0][-1].legend(handles=handles + reference_handles(), title=None, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    save_figure(fig, out)
