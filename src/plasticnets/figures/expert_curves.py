"""Expert learning curves: training episode return per task, mean and 95% CI across seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from plasticnets.envs import get_task
from plasticnets.figures.style import DOUBLE_COLUMN_IN, TASK_ORDER, VARIANT_COLORS, apply_style, save_figure
from plasticnets.io import read_parquet

TABLE = "experts_runs.parquet"
BINS = 40  # points per curve: one PPO update is too noisy to read


def binned_returns(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean training return per seed in ``BINS`` equal slices of env steps (per task)."""
    curves = runs[runs["metric"] == "episode_return"].copy()
    parts = []
    for _, task_rows in curves.groupby("task"):
        edges = np.linspace(0, task_rows["x"].max(), BINS + 1)
        task_rows = task_rows.assign(x=edges[1:][np.clip(np.searchsorted(edges, task_rows["x"], side="left") - 1, 0, BINS - 1)])
        parts.append(task_rows.groupby(["task", "seed", "x"], as_index=False)["value"].mean())
    return pd.concat(parts, ignore_index=True)


def draw(tables: Path, out: Path) -> None:
    apply_style()
    curves = binned_returns(read_parquet(Path(tables) / TABLE))
    tasks = [t for t in TASK_ORDER if t in set(curves["task"])]
    fig, axes = plt.subplots(1, len(tasks), figsize=(DOUBLE_COLUMN_IN, 2.3), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        rows = curves[curves["task"] == task]
        sns.lineplot(rows, x="x", y="value", ax=ax, color=VARIANT_COLORS["ppo"], errorbar=("ci", 95), seed=0)
        ax.axhline(get_task(task).reward_threshold, color="0.4", linestyle="--", linewidth=0.8, label="solved")
        n_seeds = rows["seed"].nunique()
        ax.set(title=f"{task} ({n_seeds} seed{'s' * (n_seeds != 1)})", xlabel="environment steps", ylabel="")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 0))
    axes[0][0].set_ylabel("training episode return")
    axes[0][-1].legend(loc="lower right")
    fig.tight_layout()
    save_figure(fig, out)
