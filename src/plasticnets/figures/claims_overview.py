"""Every paper claim at a glance: our estimate with its 95 % CI against the paper's target.

One small panel per claim row (claim x task x compared variant), each on its own scale:
the shaded band is the target the claim must land in (value, ratio and difference
checks) or the side of zero it must be on (tests: the difference in means); the dot is
our estimate, the bar its CI across seeds, the colour the verdict. Reads only
results/tables/claims.csv.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from plasticnets.figures.style import DOUBLE_COLUMN_IN, apply_style, save_figure
from plasticnets.io import read_csv

VERDICT_COLORS = {"reproduced": "#1b9e77", "not reproduced": "#d95f02", "inconclusive": "#7570b3",
                  "answered": "#444444"}  # a question a paper asks: measured, no target (check: measure)
COLUMNS = 3


def _band(row) -> tuple[float, float]:
    if row["check"] in ("test", "order", "within"):
        return (0.0, math.inf) if row["direction"] == "greater" else (-math.inf, 0.0)
    if row["check"] == "spread":
        return -math.inf, 0.0
    return row["target_low"], row["target_high"]


def _title(row) -> str:
    versus = f" vs {row['versus']}" if isinstance(row["versus"], str) and row["versus"] else ""
    return f"{row['claim']}\n{row['task']}: {row['group']}{versus}"


def draw(tables: Path, out: Path) -> None:
    apply_style()
    claims = read_csv(Path(tables) / "claims.csv")
    if claims.empty:
        raise ValueError(f"{tables}/claims.csv has no claims")
    claims = claims.fillna({"versus": "", "direction": ""})
    rows = math.ceil(len(claims) / COLUMNS)
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(DOUBLE_COLUMN_IN, 1.05 * rows + 0.4), squeeze=False)
    for ax, (_, row) in zip(axes.flat, claims.iterrows()):
        low, high = _band(row)
        points = [v for v in (row["estimate"], row["ci_low"], row["ci_high"], low, high) if np.isfinite(v)]
        span = (max(points) - min(points)) if points else 1.0
        pad = 0.15 * span if span > 0 else max(1.0, 0.1 * abs(points[0])) if points else 1.0
        x_min, x_max = (min(points) - pad, max(points) + pad) if points else (-1.0, 1.0)
        ax.axvspan(max(low, x_min), min(high, x_max), color="0.85", lw=0)
        color = VERDICT_COLORS.get(row["verdict"], "0.3")
        if np.isfinite(row["estimate"]):
            xerr = None
            if np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"]):
                xerr = [[row["estimate"] - row["ci_low"]], [row["ci_high"] - row["estimate"]]]
            ax.errorbar([row["estimate"]], [0], xerr=xerr, fmt="o", color=color, ms=4, capsize=2)
        else:
            ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color=color)
        ax.set_xlim(x_min, x_max)
        ax.set_yticks([])
        ax.grid(False)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_title(_title(row), fontsize=5.5, color=color)
        ax.tick_params(axis="x", labelsize=5.5)
        ax.set_xlabel(f"{row['metric']} ({row['check']})", fontsize=5.5)
    for ax in list(axes.flat)[len(claims):]:
        ax.axis("off")
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=v) for v, c in VERDICT_COLORS.items()]
    handles.append(plt.Rectangle((0, 0), 1, 1, color="0.85", label="paper's target"))
    fig.legend(handles=handles, loc="upper center", ncol=4, bbox_to_anchor=(0.5, 1.0), fontsize=6)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (1.05 * rows + 0.4)))
    save_figure(fig, out)
