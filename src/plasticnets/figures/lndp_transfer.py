"""Transfer between tasks (the LNDP seed's proposed experiment): the fresh-lifetime fitness of `full`'s best
parameters evolved on one task (row) and evaluated on another (column), on the target's own evaluation lifetimes.
The diagonal is the in-task score (the LNDP runs themselves), the rest the transfer runs. Each cell: mean across
seeds, its 95% bootstrap CI and the seed count; the colour is the mean minus the target's trivial score, so a cell
that learned nothing transferable is white. A question the seed asks: the rows lndp_transfer_* of the claims table
carry no verdict."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plasticnets.analysis.stats import bootstrap_ci
from plasticnets.figures.style import DOUBLE_COLUMN_IN, apply_style, read_baselines, save_figure
from plasticnets.io import read_csv

TRANSFER, LNDP = "transfer_summary.csv", "lndp_summary.csv"
GROUP = "full"  # the LNDP variant whose parameters transfer


def matrix_values(transfer: pd.DataFrame, lndp: pd.DataFrame) -> tuple[list[str], dict[tuple[str, str], np.ndarray]]:
    """The tasks (sources and targets, sorted) and each (source, target) cell's values across seeds: the LNDP
    run's own evaluation on the diagonal, the transfer runs elsewhere."""
    tasks = sorted(set(transfer["source_task"]) | set(transfer["task"]))
    cells = {}
    for source in tasks:
        for target in tasks:
            if source == target:
                runs = lndp[(lndp["task"] == source) & (lndp["variant"] == GROUP)]["eval_best_fitness"]
            else:
                runs = transfer[(transfer["source_task"] == source) & (transfer["task"] == target)]["eval_fitness"]
            cells[source, target] = runs.to_numpy(dtype=float)
    return tasks, cells


def draw(tables: Path, out: Path) -> None:
    apply_style()
    tables = Path(tables)
    transfer, lndp = read_csv(tables / TRANSFER), read_csv(tables / LNDP)
    if transfer.empty:
        raise ValueError(f"{tables}/{TRANSFER}: no transfer runs")
    tasks, cells = matrix_values(transfer, lndp)
    baselines = read_baselines(tables)
    trivial = {t: float(baselines[(baselines["task"] == t) & (baselines["variant"] == "lndp")]["trivial"].iloc[0])
               if ((baselines["task"] == t) & (baselines["variant"] == "lndp")).any() else np.nan for t in tasks}
    above = np.full((len(tasks), len(tasks)), np.nan)
    size = 1.6 * len(tasks) + 1.4
    fig, ax = plt.subplots(figsize=(min(DOUBLE_COLUMN_IN, size + 1.0), size))
    for i, source in enumerate(tasks):
        for j, target in enumerate(tasks):
            values = cells[source, target]
            if not values.size:
                ax.text(j, i, "not run", ha="center", va="center", fontsize=7, color="0.5")
                continue
            low, high = bootstrap_ci(values)
            above[i, j] = values.mean() - trivial[target]
            ax.text(j, i, f"{values.mean():.1f}\n[{low:.1f}, {high:.1f}]\nn = {values.size}", ha="center",
                    va="center", fontsize=7)
    limit = np.nanmax(np.abs(above)) if np.isfinite(above).any() and np.nanmax(np.abs(above)) > 0 else 1.0
    image = ax.imshow(above, cmap="RdBu", vmin=-limit, vmax=limit)
    fig.colorbar(image, ax=ax, shrink=0.8, label="mean - target's trivial score")
    ax.set_xticks(range(len(tasks)), [f"{t}\n(trivial {trivial[t]:.4g})" for t in tasks], fontsize=7)
    ax.set_yticks(range(len(tasks)), tasks, fontsize=7)
    ax.set(xlabel="evaluated on", ylabel=f"evolved on ({GROUP})")
    ax.grid(False)
    fig.tight_layout()
    save_figure(fig, out)
