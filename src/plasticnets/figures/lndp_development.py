"""LNDP development: with vs without spontaneous activity (and development without
lifetime learning) on one task: first-episode return over generations, return per
episode within a lifetime, and network density over the lifetime (best parameters,
fresh lifetimes); mean and 95% CI across seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from plasticnets.figures.style import DOUBLE_COLUMN_IN, apply_style, palette, save_figure, variant_order
from plasticnets.io import read_csv, read_parquet

TASK = "CartPole-v1"
VARIANTS = ["full", "no_sa", "sa_only"]


def draw(tables: Path, out: Path) -> None:
    apply_style()
    runs = read_parquet(Path(tables) / "lndp_runs.parquet")
    summary = read_csv(Path(tables) / "lndp_summary.csv")
    runs = runs[(runs["task"] == TASK) & runs["variant"].isin(VARIANTS)]
    summary = summary[(summary["task"] == TASK) & summary["variant"].isin(VARIANTS)]
    if runs.empty:
        raise ValueError(f"no {TASK} runs of variants {VARIANTS} in {tables}/lndp_runs.parquet")
    order = [v for v in variant_order(runs["variant"].unique()) if v in VARIANTS]
    colors = palette(order)
    fig, axes = plt.subplots(1, 3, figsize=(DOUBLE_COLUMN_IN, 2.4))

    first = runs[runs["metric"] == "ep0_mean"]
    sns.lineplot(first, x="x", y="value", hue="variant", hue_order=order, palette=colors, ax=axes[0],
                 errorbar=("ci", 95), seed=0, legend=False)
    axes[0].set(title="first episode (population mean)", xlabel="generation", ylabel="return")

    episodes = summary.melt(id_vars=["variant", "seed"], value_vars=sorted(c for c in summary if c.startswith("eval_best_ep")),
                            var_name="episode", value_name="return")
    episodes["episode"] = episodes["episode"].str.removeprefix("eval_best_ep").astype(int) + 1
    sns.pointplot(episodes, x="episode", y="return", hue="variant", hue_order=order, palette=colors, ax=axes[1],
                  errorbar=("ci", 95), seed=0, dodge=0.3 if len(order) > 1 else False, legend=False)
    axes[1].set(title="within a lifetime (best params)", xlabel="episode", ylabel="")

    density = runs[runs["metric"] == "lifetime_density"]
    sns.lineplot(density, x="x", y="value", hue="variant", hue_order=order, palette=colors, ax=axes[2],
                 errorbar=("ci", 95), seed=0)
    axes[2].set(title="network density", xlabel="lifetime step (episodes end to end)", ylabel="edges / N²")
    axes[2].legend(title=None, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(TASK, y=1.02)
    fig.tight_layout()
    save_figure(fig, out)
