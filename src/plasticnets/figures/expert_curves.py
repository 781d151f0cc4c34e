"""Expert learning curves: training episode return per task, mean and 95% CI across seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.envs import get_task
from plasticnets.figures.curves import bin_curves
from plasticnets.figures.style import (read_baselines, DOUBLE_COLUMN_IN, TASK_ORDER, VARIANT_COLORS, apply_style,
                                      reference_lines, save_figure, steps_axis)
from plasticnets.io import read_parquet

TABLE = "experts_runs.parquet"


def draw(tables: Path, out: Path) -> None:
    apply_style()
    runs = read_parquet(Path(tables) / TABLE)
    baselines = read_baselines(tables)
    curves = bin_curves(runs[runs["metric"] == "episode_return"])
    tasks = [t for t in TASK_ORDER if t in set(curves["task"])]
    fig, axes = plt.subplots(1, len(tasks), figsize=(DOUBLE_COLUMN_IN, 2.3), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        rows = curves[curves["task"] == task]
        sns.lineplot(rows, x="x", y="value", ax=ax, color=VARIANT_COLORS["ppo"], errorbar=("ci", 95), seed=0)
        if ((baselines["task"] == task) & (baselines["variant"] == "smgrnn")).any():
            reference_lines(ax, baselines, task, "smgrnn")  # greedy constant actions: the students' evaluation
        else:
            ax.axhline(get_task(task).reward_threshold, color="0.35", linestyle="--", linewidth=0.8, label="solved")
        n_seeds = rows["seed"].nunique()
        ax.set(title=f"{task} ({n_seeds} seed{'s' * (n_seeds != 1)})", xlabel="environment steps", ylabel="")
        steps_axis(ax)
    axes[0][0].set_ylabel("training episode return")
    axes[0][-1].legend(loc="lower right")
    fig.tight_layout()
    save_figure(fig, out)
