"""The registry of run families and figures: what ``analysis/``, ``figures/``, the CLI and the Snakemake
rules loop over. A new family is one entry here plus its ``<family>/results.py``."""

from __future__ import annotations

from typing import Any

from plasticnets.baselines.results import RESULTS as BASELINES
from plasticnets.descriptor import Family, Figure
from plasticnets.experts.results import RESULTS as EXPERTS
from plasticnets.lndp.results import RESULTS as LNDP
from plasticnets.smgrnn.results import RESULTS as SMGRNN
from plasticnets.transfer.results import RESULTS as TRANSFER

FAMILIES: dict[str, Family] = {family.name: family for family in (EXPERTS, SMGRNN, LNDP, TRANSFER, BASELINES)}

# Figures that read the claims table rather than one family's tables.
CLAIMS_FIGURES = (Figure("claims_overview", ("claims.csv",), "Claims"),)


def get_family(name: str) -> Family:
    if name not in FAMILIES:
        raise ValueError(f"unknown family {name!r}; known: {', '.join(FAMILIES)}")
    return FAMILIES[name]


def all_figures() -> dict[str, Figure]:
    """Every figure the project can draw, by name."""
    figures = [f for family in FAMILIES.values() for f in family.figures] + list(CLAIMS_FIGURES)
    return {figure.name: figure for figure in figures}


def planned_figures(config: dict[str, Any]) -> list[Figure]:
    """The figures the configured runs can fill, in registry order."""
    return [figure for figure in all_figures().values() if figure.planned(config)]


def config_problems(config: dict[str, Any]) -> list[str]:
    """Every family's cross-key checks on the merged config (families whose section is present), and that each
    family with a reference variant configures it: statistics compare every other variant with it, and claims
    name it, so without it they would compare nothing."""
    found = []
    for family in FAMILIES.values():
        if (family.config_section or family.name) not in config:
            continue
        found += family.config_problems(config)
        reference = family.reference_variant
        if reference is not None and reference not in family.variant_names(config):
            found.append(f"config key {family.name}.variants: no variant named {reference!r}, the reference every "
                         f"other {family.name} variant is compared with (statistics and claims)")
    return found


def load_project_config(paths) -> dict[str, Any]:
    """Config files merged in order and validated with every family's checks (what the Snakefile does)."""
    from plasticnets.config import load_config

    return load_config(paths, checks=config_problems)
