"""One look for every figure: seaborn theme, fixed colours per variant, deterministic files.

Readable at paper column width (3.4 in single, 7 in double). ``save_figure``
writes PDF and PNG without timestamps (SOURCE_DATE_EPOCH, no CreationDate), so
identical data gives byte-identical files and DVC sees no spurious change.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import EngFormatter  # noqa: E402

from plasticnets.io import atomic_path  # noqa: E402

DOUBLE_COLUMN_IN = 7.0

# Fixed colour per variant, so a variant looks the same in every figure.
_PALETTE = sns.color_palette("colorblind", 10)
VARIANT_COLORS = {
    "ppo": _PALETTE[0],
    "full": _PALETTE[0],
    "static": _PALETTE[7],
    "growth_only": _PALETTE[3],
    "no_random_growth": _PALETTE[2],
    "no_sp": _PALETTE[3],  # LNDP without structural plasticity
    "no_sa": _PALETTE[4],  # LNDP without spontaneous activity
    "sa_only": _PALETTE[7],  # LNDP with development but frozen lifetime
    "empty_init": _PALETTE[2],  # not orange: drawn next to no_sp's vermillion
    "random_init": _PALETTE[5],  # not yellow: too faint on white
}
_MLP_COLORS = sns.color_palette("Greys", 7)[2:]


def palette(variants) -> dict:
    """Colour per variant: fixed for known names, greys for MLP baselines (darker = wider)."""
    colors = {}
    mlps = sorted((v for v in variants if v.startswith("mlp_") and v != "mlp_matched"),
                  key=lambda v: [int(x) for x in v[4:].split("x") if x.isdigit()])
    for i, name in enumerate(mlps):
        colors[name] = _MLP_COLORS[min(i, len(_MLP_COLORS) - 1)]
    others = iter([_PALETTE[6], _PALETTE[9]])
    for name in variants:
        if name == "mlp_matched":
            colors[name] = _PALETTE[5]
        elif name not in colors:
            colors[name] = VARIANT_COLORS.get(name) or next(others, (0.5, 0.5, 0.5))
    return colors


def variant_order(variants) -> list:
    """Graph variants first (in their usual order), then MLPs by width."""
    known = list(VARIANT_COLORS)
    graph = sorted((v for v in set(variants) if not v.startswith("mlp_")),
                   key=lambda v: (known.index(v) if v in known else len(known), v))
    mlps = [v for v in palette(set(variants)) if v.startswith("mlp_")]
    return graph + sorted(mlps, key=lambda v: (v == "mlp_matched", [int(x) for x in v[4:].split("x") if x.isdigit()]))


TASK_ORDER = ["CartPole-v1", "Acrobot-v1", "LunarLander-v3", "Pendulum-v1", "Foraging-stationary",
              "Foraging-nonstationary"]


def apply_style() -> None:
    sns.set_theme(context="paper", style="whitegrid", font_scale=0.9)
    plt.rcParams.update(
        {
            "pdf.fonttype": 42,  # embed TrueType: selectable text, editable in Illustrator
            "ps.fonttype": 42,
            "savefig.dpi": 200,
            "savefig.bbox": "tight",
            "axes.titlesize": "medium",
            "legend.frameon": False,
        }
    )


def steps_axis(ax: plt.Axes) -> None:
    """Environment steps as 25k, 1.5M: a scientific offset ("1e5") collides with the axis label."""
    ax.xaxis.set_major_formatter(EngFormatter(sep=""))


def save_figure(fig: plt.Figure, pdf_path: str | Path) -> None:
    """Write ``name.pdf`` and ``name.png`` atomically and reproducibly, then close the figure."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    pdf_path = Path(pdf_path)
    with atomic_path(pdf_path) as tmp:
        fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "ModDate": None})
    with atomic_path(pdf_path.with_suffix(".png")) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)


BASELINE_TABLE = "baselines_summary.csv"
# (column of the baselines table, label, line style): what learning nothing scores, what counts as solved,
# and the best achievable expected score, drawn on every fitness or return axis.
REFERENCE_LINES = (("trivial", "trivial (learns nothing)", ":"), ("solved_threshold", "solved", "--"),
                   ("ceiling", "ceiling", "-."))


def reference_lines(ax: plt.Axes, baselines: pd.DataFrame, task: str, protocol: str) -> None:
    """Horizontal lines at the task's trivial score, solved threshold and ceiling under ``protocol``'s
    evaluation (the family whose runs the axis shows), where the baselines table has them."""
    rows = baselines[(baselines["task"] == task) & (baselines["variant"] == protocol)]
    if rows.empty:
        return
    row = rows.iloc[0]
    for column, label, style in REFERENCE_LINES:
        value = row.get(column)
        if value is not None and np.isfinite(value):
            ax.axhline(value, color="0.35", linestyle=style, linewidth=0.8, label=label, zorder=0)


def reference_handles() -> list:
    """Legend entries for ``reference_lines``."""
    return [plt.Line2D([], [], color="0.35", linestyle=style, linewidth=0.8, label=label)
            for _, label, style in REFERENCE_LINES]


def reference_segments(ax: plt.Axes, baselines: pd.DataFrame, tasks: list[str], protocol: str) -> None:
    """``reference_lines`` for an axis with one category per task (at x = 0, 1, ...): a short line over each."""
    for x, task in enumerate(tasks):
        rows = baselines[(baselines["task"] == task) & (baselines["variant"] == protocol)]
        for column, _, style in REFERENCE_LINES if not rows.empty else ():
            value = rows.iloc[0].get(column)
            if value is not None and np.isfinite(value):
                ax.hlines(value, x - 0.45, x + 0.45, color="0.35", linestyle=style, linewidth=0.8, zorder=0)


def read_baselines(tables) -> pd.DataFrame:
    """The baselines table of a tables folder; empty (no reference lines) where a folder has none, as when a
    figure is drawn from tables made without the baselines rule."""
    from plasticnets.io import read_csv

    path = Path(tables) / BASELINE_TABLE
    if not path.exists():
        return pd.DataFrame(columns=["family", "task", "variant", "trivial", "solved_threshold", "ceiling"])
    return read_csv(path)
