"""The window T the seed asks about (50, 100, 200) on LunarLander: final hidden nodes, how fast the size adapts
(environment steps until the hidden-node count first reached half of its final value) and late reward, against T;
mean with 95% CI across seeds, and each seed. T = 100 is `full`."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.style import DOUBLE_COLUMN_IN, apply_style, read_baselines, reference_lines, save_figure
from plasticnets.io import read_csv

TABLE = "smgrnn_summary.csv"
TASK = "LunarLander-v3"
WINDOWS = {"window_50": 50, "full": 100, "window_200": 200}
METRICS = (("final_hidden", "final hidden nodes"), ("steps_to_half_size", "steps to half the final size"),
           ("late_reward", "late reward"))


def planned(config) -> bool:
    """Needs `full` and a window variant on LunarLander."""
    smgrnn = config["smgrnn"]
    on_task = [v["name"] for v in smgrnn["variants"] if TASK in v.get("tasks", smgrnn["tasks"])]
    return TASK in smgrnn["tasks"] and "full" in on_task and any(name in WINDOWS for name in on_task if name != "full")


def draw(tables: Path, out: Path) -> None:
    apply_style()
    summary = read_csv(Path(tables) / TABLE)
    data = summary[(summary["task"] == TASK) & summary["variant"].isin(list(WINDOWS))].copy()
    if data["variant"].nunique() < 2:
        raise ValueError(f"{tables}/{TABLE}: needs full and a window variant ({', '.join(WINDOWS)}) on {TASK}")
    data["T"] = data["variant"].map(WINDOWS)
    order = sorted(data["T"].unique())
    baselines = read_baselines(tables)
    fig, axes = plt.subplots(1, len(METRICS), figsize=(DOUBLE_COLUMN_IN, 2.3), squeeze=False)
    for ax, (metric, label) in zip(axes[0], METRICS):
        sns.stripplot(data, x="T", y=metric, order=order, color="0.6", size=2.5, ax=ax, jitter=False)
        sns.pointplot(data, x="T", y=metric, order=order, color="#7570b3", errorbar=("ci", 95), seed=0, ax=ax,
                      markers="D", markersize=4, err_kws={"linewidth": 1.2})
        if metric == "late_reward":
            reference_lines(ax, baselines, TASK, "smgrnn")
        ax.set(xlabel="window T (steps)", ylabel=label, title=f"{TASK}" if ax is axes[0][0] else "")
    fig.tight_layout()
    save_figure(fig, out)
