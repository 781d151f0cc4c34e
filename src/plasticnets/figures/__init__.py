"""Paper figures: one module per figure, each drawing from results/tables only."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

FIGURES: dict[str, str] = {
    "expert_curves": "plasticnets.figures.expert_curves",
    "smgrnn_returns": "plasticnets.figures.smgrnn_returns",
    "smgrnn_size": "plasticnets.figures.smgrnn_size",
    "smgrnn_ablation": "plasticnets.figures.smgrnn_ablation",
    "lndp_fitness": "plasticnets.figures.lndp_fitness",
    "lndp_foraging": "plasticnets.figures.lndp_foraging",
    "lndp_development": "plasticnets.figures.lndp_development",
    "claims_overview": "plasticnets.figures.claims_overview",
}


def make_figure(name: str, tables: Path, out: Path) -> None:
    """Draw figure ``name`` from the tables folder into ``out`` (PDF) and its PNG twin."""
    import importlib

    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; known figures: {', '.join(sorted(FIGURES))}")
    draw: Callable[[Path, Path], None] = importlib.import_module(FIGURES[name]).draw
    draw(tables, out)
