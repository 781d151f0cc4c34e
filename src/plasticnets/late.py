"""The "late" part of a training curve: one definition for every family.

A late number is the mean over the last ``fraction`` of a series (episodes of a
distillation run, generations of an evolution), rounded up so that it always
covers at least that fraction and at least one element: with 25 episodes and
10 %, the last 3.
"""

from __future__ import annotations

import math

import numpy as np

LATE_FRACTION = 0.1


def late_count(length: int, fraction: float = LATE_FRACTION) -> int:
    """How many trailing elements of a series of ``length`` count as late (>= 1 when the series is not empty)."""
    if length <= 0:
        return 0
    return max(1, math.ceil(fraction * length))


def late_mean(values, fraction: float = LATE_FRACTION) -> float:
    """Mean of the last ``late_count(len(values), fraction)`` values, in series order."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("late_mean of an empty series")
    return float(values[-late_count(values.size, fraction):].mean())
