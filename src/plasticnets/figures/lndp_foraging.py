"""LNDP on Foraging: stationary vs non-stationary food, with vs without structural
plasticity; population-mean and best fitness per generation (mean, 95% CI across seeds),
and the final evaluation of the best parameters over fresh lifetimes."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.style import (read_baselines, DOUBLE_COLUMN_IN, apply_style, palette, reference_handles,
                                      reference_lines, reference_segments, save_figure)
from plasticnets.io import read_csv, read_parquet

TASKS = ["Foraging-stationary", "Foraging-nonstationary"]
VARIANTS = ["full", "no_sp"]


def draw(tables: Path, out: Path) -> None:
    apply_style()
    runs = read_parquet(Path(tables) / "lndp_runs.parquet")
    summary = read_csv(Path(tables) / "lndp_summary.csv")
    baselines = read_baselines(tables)
    runs = runs[runs["task"].isin(TASKS) & runs["variant"].isin(VARIANTS) & (runs["x_name"] == "generation")]
    summary = summary[summary["task"].isin(TASKS) & summary["variant"].isin(VARIANTS)]
    if runs.empty:
        raise ValueError(f"no Foraging runs of variants {VARIANTS} in {tables}/lndp_runs.parquet")
    tasks = [t for t in TASKS if t in set(runs["task"])]
    colors = palette(VARIANTS)
    fig, axes = plt.subplots(1, len(tasks) * 2 + 1, figsize=(DOUBLE_COLUMN_IN, 2.4), squeeze=False)
    axes = axes[0]
    for i, task in enumerate(tasks):
        for j, (metric, label) in enumerate([("mean", "population mean"), ("best", "best")]):
            ax = axes[2 * i + j]
            data = runs[(runs["task"] == task) & (runs["metric"] == metric)]
            sns.lineplot(data, x="x", y="value", hue="variant", hue_order=VARIANTS, palette=colors, ax=ax,
                         errorbar=("ci", 95), seed=0, legend=False)
            reference_lines(ax, baselines, task, "lndp")
            ax.set(title=f"{task.split('-')[1]}:\n{label}", xlabel="generation", ylabel="fitness" if ax is axes[0] else "")
    ax = axes[-1]
    sns.barplot(summary, x="task", y="eval_best_fitness", hue="variant", hue_order=VARIANTS, palette=colors,
                order=tasks, ax=ax, errorbar=("ci", 95), seed=0)
    reference_segments(ax, baselines, tasks, "lndp")
    ax.set(title="best params,\nfresh lifetimes", xlabel="", ylabel="")
    ax.set_xticks(range(len(tasks)), [t.split("-")[1] for t in tasks], rotation=20)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + reference_handles(), title=None, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    save_figure(fig, out)
