"""Shared data preparation for curve figures."""

from __future__ import annotations

import numpy as np
import pandas as pd


def bin_curves(rows: pd.DataFrame, bins: int = 40, by: tuple[str, ...] = ("task", "variant")) -> pd.DataFrame:
    """Mean ``value`` per seed in ``bins`` equal slices of ``x`` (slices per group in ``by``).

    Raw per-episode or per-update curves are too noisy to read and have
    different x positions per seed; binning aligns seeds so that a mean and a
    confidence interval across seeds can be drawn at each x.
    """
    parts = []
    for _, group in rows.groupby(list(by)):
        edges = np.linspace(0, group["x"].max(), bins + 1)
        slot = np.clip(np.searchsorted(edges, group["x"], side="left") - 1, 0, bins - 1)
        binned = group.assign(x=edges[1:][slot])
        parts.append(binned.groupby([*by, "seed", "x"], as_index=False)["value"].mean())
    return pd.concat(parts, ignore_index=True)
