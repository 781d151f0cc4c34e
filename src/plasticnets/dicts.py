"""Dictionary helpers shared by config loading and the families' variant resolution (a leaf: imports nothing
of the project)."""

from __future__ import annotations

import copy
from typing import Any


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base`` (mappings merge, everything else replaces).

    This is how Snakemake combines ``configfile:`` with ``--configfile``, and how a variant's
    overrides apply to its method's settings.
    """
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result
