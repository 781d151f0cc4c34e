"""Sample efficiency, LNDP against PPO (the LNDP paper's "superior sample efficiency compared to traditional RL"):
return against the environment steps it was learned from, on the control tasks that have both. PPO: the experts'
greedy evaluations during training (mean with 95% CI across seeds). LNDP: the evolved `full` network's episodes
within a fresh lifetime (episode k of a lifetime placed at the most steps the lifetime can have used by its end),
mean with 95% CI across seeds. What each consumed in all is written beside it: evolution is not free, and its
samples (generations x population x lifetime, at most) are stated, not hidden. The claims table's
lndp_sample_efficiency rows compare the two at PPO's first evaluation."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import EngFormatter, NullFormatter

from plasticnets.figures.style import (DOUBLE_COLUMN_IN, VARIANT_COLORS, apply_style, read_baselines,
                                       reference_lines, save_figure)
from plasticnets.io import read_csv, read_parquet

LNDP_TABLE, EXPERT_CURVES, EXPERT_SUMMARY = "lndp_summary.csv", "experts_runs.parquet", "experts_summary.csv"
GROUP = "full"
EPISODE = "eval_best_ep"  # eval_best_ep0, eval_best_ep1, ...: the lifetime's episodes in order


def lndp_episodes(summary: pd.DataFrame) -> pd.DataFrame:
    """LNDP ``full`` runs -> one row per (task, seed, episode of the evaluation lifetime): its mean return and the
    environment steps the lifetime can have consumed by the episode's end (``lifetime_env_steps`` split evenly)."""
    runs = summary[(summary["variant"] == GROUP) & summary["lifetime_env_steps"].notna()]
    episodes = sorted((c for c in runs.columns if re.fullmatch(EPISODE + r"\d+", c)), key=lambda c: int(c[len(EPISODE):]))
    long = runs.melt(id_vars=["task", "seed", "lifetime_env_steps"], value_vars=episodes, var_name="episode",
                     value_name="return").dropna(subset=["return"])
    count = long.groupby(["task", "seed"])["episode"].transform("count")
    index = long["episode"].str[len(EPISODE):].astype(int)
    return long.assign(env_steps=long["lifetime_env_steps"] * (index + 1) / count)


def draw(tables: Path, out: Path) -> None:
    apply_style()
    tables = Path(tables)
    lndp_summary = read_csv(tables / LNDP_TABLE)
    lndp = lndp_episodes(lndp_summary)
    curves = read_parquet(tables / EXPERT_CURVES)
    ppo = curves[curves["metric"] == "eval_return"]
    experts = read_csv(tables / EXPERT_SUMMARY)
    tasks = sorted(set(lndp["task"]) & set(ppo["task"]))
    if not tasks:
        raise ValueError(f"{tables}: no task with both LNDP {GROUP} runs (recording lifetime_env_steps) and PPO "
                         "expert learning curves")
    baselines = read_baselines(tables)
    fig, axes = plt.subplots(1, len(tasks), figsize=(DOUBLE_COLUMN_IN * min(1.0, 0.5 * len(tasks)), 2.6),
                             squeeze=False)
    for ax, task in zip(axes[0], tasks):
        sns.lineplot(ppo[ppo["task"] == task], x="x", y="value", errorbar=("ci", 95), seed=0, marker="o",
                     markersize=3, color=VARIANT_COLORS["ppo"], label="PPO (training)", ax=ax)
        sns.lineplot(lndp[lndp["task"] == task], x="env_steps", y="return", errorbar=("ci", 95), seed=0, marker="D",
                     markersize=4, color="#1b9e77", label=f"LNDP {GROUP} (one lifetime)", ax=ax)
        reference_lines(ax, baselines, task, "lndp")
        evolution = lndp_summary[(lndp_summary["task"] == task) & (lndp_summary["variant"] == GROUP)]
        trained = experts[experts["task"] == task]
        ax.text(0.02, 0.98, f"in all: LNDP evolution {_steps(evolution['evolution_env_steps'])}\n"
                f"PPO {_steps(trained['total_env_steps'])}", transform=ax.transAxes, va="top", fontsize=6,
                bbox={"facecolor": "white", "edgecolor": "0.8", "boxstyle": "round,pad=0.3"})
        ax.set(xscale="log", xlabel="environment steps learned from", ylabel="return", title=task)
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    save_figure(fig, out)


def _steps(values: pd.Series) -> str:
    """The median of a samples column, as '1.2e+07 steps' (or 'unknown' where no run recorded it)."""
    values = values.to_numpy(dtype=float) if len(values) else np.array([])
    values = values[np.isfinite(values)]
    return f"{np.median(values):.2g} steps" if values.size else "unknown"
