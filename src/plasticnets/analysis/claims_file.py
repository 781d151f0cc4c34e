"""Is the claims file right, before any job runs? Its structure against workflow/schemas/claims.schema.yaml,
then every name it uses against what exists: the family, a headline metric of that family (its descriptor), tasks
and variants of that family in the merged config or in the default one (config/config.yaml, the reference grid:
a smaller config, such as the smoke one, leaves claims about what it does not run inconclusive, but a name that no
config knows is a typo). Each problem is one line naming the file, the claim and the key, with a suggestion when a
known name is close. ``plasticnets validate-config`` and the Snakefile both run it.
"""

from __future__ import annotations

import difflib
import fnmatch
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from plasticnets.config import REPO_ROOT, ConfigError, is_non_finite, describe_schema_error, load_yaml, non_finite
from plasticnets.envs.ceilings import task_ceiling
from plasticnets.envs.registry import TASKS
from plasticnets.families import FAMILIES

SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "claims.schema.yaml"
REFERENCE_CONFIG = Path("config") / "config.yaml"


def _unknown(kind: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {name!r}{hint}; known: {', '.join(known)}"


def _names(config: dict[str, Any], reference: dict[str, Any] | None, family: str) -> tuple[list[str], list[str]]:
    """(tasks, variants) a claim about ``family`` may name."""
    tasks, variants = [], []
    section = FAMILIES[family].config_section or family
    for source in (config, reference):
        if source and section in source:
            tasks += [t for t in source[section].get("tasks", []) if t not in tasks]
            variants += [v for v in FAMILIES[family].variant_names(source) if v not in variants]
    return tasks, variants


def claims_problems(path: str | Path, config: dict[str, Any], reference: dict[str, Any] | None = None,
                    schema_path: str | Path = SCHEMA_PATH) -> list[str]:
    """Every problem of the claims file at ``path`` for the merged ``config`` (``reference``: the default config,
    whose grid names are valid too). A missing or unreadable file is one problem."""
    try:
        data = load_yaml(path)
    except ConfigError as err:
        return [f"claims file (config key analysis.claims): {err}"]
    schema = yaml.safe_load(Path(schema_path).read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(map(str, e.path)))
    lines = [line for e in errors if not is_non_finite(e.instance)
             for line in describe_schema_error(e, prefix="claim key").splitlines()]
    lines += non_finite(data, prefix="claim key")  # a NaN band edge passes the schema and every comparison
    if lines:
        return [f"{path}: {line}" for line in lines]
    problems, seen = [], set()
    for i, claim in enumerate(data["claims"]):
        where = f"{path}: claims[{i}] ({claim['id']})"
        if claim["id"] in seen:
            problems.append(f"{where}.id: used by an earlier claim")
        seen.add(claim["id"])
        family = FAMILIES[claim["family"]]
        for key in ("metric", "earlier"):
            if key in claim and claim[key] not in family.headline_metrics:
                problems.append(f"{where}.{key}: " + _unknown(f"headline metric of {family.name}", claim[key],
                                                               list(family.headline_metrics)))
        tasks, variants = _names(config, reference, family.name)
        for task in claim["tasks"]:
            if task not in tasks:
                problems.append(f"{where}.tasks: " + _unknown(f"{family.name} task", task, tasks))
        versus_from = claim.get("versus_from")
        if versus_from:
            problems += _versus_from_problems(where, claim, config, reference)
        for key in ("group",) if versus_from else ("group", "versus"):
            names = claim.get(key)
            for name in names if isinstance(names, list) else [] if names is None else [names]:
                if not any(fnmatch.fnmatchcase(v, name) for v in variants):
                    problems.append(f"{where}.{key}: " + _unknown(f"{family.name} variant", name, variants))
        order_by = claim.get("order_by")
        if order_by:
            ranking = FAMILIES[order_by["family"]]
            if order_by["family"] == family.name:
                problems.append(f"{where}.order_by.family: the tasks must be ranked by another family than the "
                                f"claim's ({family.name}), independently of what the claim measures")
            elif order_by["metric"] not in ranking.order_metrics:
                problems.append(f"{where}.order_by.metric: " + _unknown(
                    f"difficulty metric of {ranking.name}", order_by["metric"], list(ranking.order_metrics)))
        between = claim.get("between")
        if isinstance(between, dict):
            problems += [f"{where}.between: no band for task {t!r}" for t in claim["tasks"] if t not in between]
            problems += [f"{where}.between: {t!r} is not one of the claim's tasks" for t in between
                         if t not in claim["tasks"]]
        for band in (between.values() if isinstance(between, dict) else [between] if between else []):
            low, high = band
            if low is not None and high is not None and low > high:
                problems.append(f"{where}.between: low {low} above high {high}")
        if claim["check"] == "value" and claim["metric"] in family.learning_metrics:
            problems += _unreachable(where, claim)
    return problems


def _versus_from_problems(where: str, claim: dict[str, Any], config: dict[str, Any],
                          reference: dict[str, Any] | None) -> list[str]:
    """``versus`` taken from another family: a variant of that family, a headline metric of it, and (``samples``)
    columns each family records."""
    other = FAMILIES[claim["versus_from"]["family"]]
    problems = []
    if other.name == claim["family"]:
        problems.append(f"{where}.versus_from.family: the claim's own family ({other.name}); use versus alone")
    if claim["versus_from"]["metric"] not in other.headline_metrics:
        problems.append(f"{where}.versus_from.metric: " + _unknown(
            f"headline metric of {other.name}", claim["versus_from"]["metric"], list(other.headline_metrics)))
    _, variants = _names(config, reference, other.name)
    if not any(fnmatch.fnmatchcase(v, claim["versus"]) for v in variants):
        problems.append(f"{where}.versus: " + _unknown(f"{other.name} variant", claim["versus"], variants))
    for key, value in claim.get("samples", {}).items():
        owner = other if key.startswith("versus") else FAMILIES[claim["family"]]
        if value not in owner.sample_columns:
            problems.append(f"{where}.samples.{key}: " + _unknown(
                f"sample column of {owner.name}", value, list(owner.sample_columns)))
    return problems


def _unreachable(where: str, claim: dict[str, Any]) -> list[str]:
    """A value band on a score that starts above the task's ceiling (the best achievable expected score) can never
    be met: a mistake in the target, not a result."""
    problems = []
    for task in claim["tasks"]:
        between = claim["between"][task] if isinstance(claim["between"], dict) else claim["between"]
        ceiling = task_ceiling(task) if task in TASKS else None
        if ceiling is not None and between and between[0] is not None and between[0] > ceiling:
            problems.append(f"{where}.between: {task}'s band starts at {between[0]}, above the task's ceiling "
                            f"{ceiling:.4g} (the best achievable expected score)")
    return problems


def check_claims_file(config: dict[str, Any]) -> None:
    """Raise ConfigError listing every problem of the claims file the config names (``analysis.claims``)."""
    reference = None
    if REFERENCE_CONFIG.is_file():
        reference = load_yaml(REFERENCE_CONFIG)
    problems = claims_problems(config["analysis"]["claims"], config, reference)
    if problems:
        lines = "\n".join(f"  - {line}" for line in problems)
        raise ConfigError(f"invalid claims file ({len(problems)} problem(s)):\n{lines}")
