"""The duration of spontaneous activity the LNDP seed asks about (dev_steps 0, 10, 50, 100 on CartPole): the best
parameters' first-episode return in fresh lifetimes, beside the trivial score, and the network's density after
development (before the first step), against dev_steps; mean with 95% CI across seeds, and each seed. 0 is `no_sa`,
50 is `full`, the others `dev_<steps>`."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.style import DOUBLE_COLUMN_IN, apply_style, read_baselines, reference_lines, save_figure
from plasticnets.io import read_csv

TABLE = "lndp_summary.csv"
TASK = "CartPole-v1"
VARIANTS = ("full", "no_sa", "dev_*")  # the variants that differ from full only in dev_steps
METRICS = (("eval_best_ep0", "first-episode return"), ("eval_best_dev_density", "density after development"))


def draw(tables: Path, out: Path) -> None:
    apply_style()
    summary = read_csv(Path(tables) / TABLE)
    data = summary[(summary["task"] == TASK)
                   & summary["variant"].map(lambda v: any(fnmatch.fnmatchcase(v, p) for p in VARIANTS))]
    if data.empty:
        raise ValueError(f"{tables}/{TABLE}: no {TASK} runs of {', '.join(VARIANTS)}")
    order = sorted(data["dev_steps"].unique())
    fig, axes = plt.subplots(1, len(METRICS), figsize=(DOUBLE_COLUMN_IN * 0.7, 2.4))
    for ax, (metric, label) in zip(axes, METRICS):
        sns.stripplot(data, x="dev_steps", y=metric, order=order, color="0.6", size=2.5, ax=ax, jitter=False)
        sns.pointplot(data, x="dev_steps", y=metric, order=order, color="#1b9e77", errorbar=("ci", 95), seed=0,
                      ax=ax, markers="D", markersize=4, err_kws={"linewidth": 1.2})
        if metric == "eval_best_ep0":
            reference_lines(ax, read_baselines(tables), TASK, "lndp")
        ax.set(xlabel="spontaneous activity (dev_steps)", ylabel=label)
    fig.suptitle(TASK, y=1.02)
    fig.tight_layout()
    save_figure(fig, out)
