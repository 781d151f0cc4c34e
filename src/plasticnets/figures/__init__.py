"""Paper figures: one module per figure, each drawing from results/tables only. Which figures exist, what
tables they read and when they are planned is said by the families' descriptors (``plasticnets.families``)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable


def make_figure(name: str, tables: Path, out: Path) -> None:
    """Draw figure ``name`` from the tables folder into ``out`` (PDF) and its PNG twin."""
    from plasticnets.families import all_figures

    figures = all_figures()
    if name not in figures:
        raise ValueError(f"unknown figure {name!r}; known figures: {', '.join(sorted(figures))}")
    draw: Callable[[Path, Path], None] = importlib.import_module(figures[name].module).draw
    draw(tables, out)
