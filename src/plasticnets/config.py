"""Configuration: load, merge and validate against workflow/schemas/config.schema.yaml.

Validation runs in the Snakefile before any job is planned. Every problem is
reported at once, each naming the key (``experts.seeds[1]``) and what is allowed
there, because a researcher fixing a config wants the full list, not one error
per run. Rules between keys that JSON Schema cannot express belong to the
families; the caller passes them in (``plasticnets.families.config_problems``),
so this module knows no family and imports none.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any, Callable, Iterable

import jsonschema
import yaml

from plasticnets.dicts import merge
from plasticnets.io import read_artifact

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """An invalid configuration; the message lists every problem found."""


Checks = Callable[[dict[str, Any]], list[str]]


def _parse_yaml(path: Path) -> Any:
    text = path.read_bytes().decode("utf-8")  # UnicodeDecodeError: not a text file
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise ValueError(f"{where}{getattr(err, 'problem', None) or err}") from None


def load_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML mapping from ``path``; a missing file, a file that is not UTF-8 text or not valid YAML raises a
    one-line ConfigError naming the file (and the line and column of a YAML error)."""
    path = Path(path)
    try:
        data = read_artifact(path, _parse_yaml, "YAML file", (ValueError,), bad="invalid") or {}
    except (FileNotFoundError, ValueError) as err:
        raise ConfigError(str(err)) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys, got {type(data).__name__}")
    return data


def load_config(paths: Iterable[str | Path], checks: Checks) -> dict[str, Any]:
    """Load and merge config files in order, then validate (schema, then ``checks``); returns the config with
    defaults filled."""
    config: dict[str, Any] = {}
    for path in paths:
        config = merge(config, load_yaml(path))
    return validate_config(config, checks=checks)


def _key_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<top level>"


def describe_schema_error(error: jsonschema.ValidationError, prefix: str = "config key") -> str:
    """One line per problem, naming the key (``experts.seeds[1]``, after ``prefix``) and what is allowed there."""
    where = _key_path(error.absolute_path)
    value, rule, schema = error.instance, error.validator, error.schema
    if rule == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(set(value) - set(allowed))
        lines = []
        for key in extra:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            lines.append(
                f"{prefix} {_key_path([*error.absolute_path, key])}: unknown key{hint}; "
                f"allowed keys at {where}: {', '.join(allowed)}"
            )
        return "\n".join(lines)
    if rule == "enum":
        allowed = list(map(str, schema["enum"]))
        close = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{prefix} {where}: {value!r} is not allowed{hint}; allowed values: {', '.join(allowed)}"
    if rule == "type":
        expected = schema["type"]
        return f"{prefix} {where}: {value!r} must be of type {expected}"
    if rule in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        ops = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}
        return f"{prefix} {where}: {value!r} is out of range; it must be {ops[rule]} {schema[rule]}"
    if rule == "required":
        return f"{prefix} {where}: {error.message}"
    return f"{prefix} {where}: {error.message}"


def _fill_defaults(instance: Any, schema: dict[str, Any], root: dict[str, Any]) -> None:
    """Insert schema ``default`` values for missing keys (after validation succeeded)."""
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = {**root["$defs"][name], **{k: v for k, v in schema.items() if k != "$ref"}}
    if not isinstance(instance, dict):
        return
    for key, sub in schema.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if key in instance:
            _fill_defaults(instance[key], sub, root)


def validate_config(config: dict[str, Any], schema_path: str | Path = SCHEMA_PATH, *, checks: Checks) -> dict[str, Any]:
    """Validate ``config`` against the schema, then (defaults filled) with ``checks``, the rules between keys
    (``plasticnets.families.config_problems``); raise ConfigError listing every problem, else return the config
    with defaults filled."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        problems = "\n".join(f"  - {line}" for e in errors for line in describe_schema_error(e).splitlines())
        raise ConfigError(f"invalid configuration ({len(errors)} problem(s)):\n{problems}")
    config = copy.deepcopy(config)
    _fill_defaults(config, schema, schema)
    cross = checks(config)
    if cross:
        problems = "\n".join(f"  - {line}" for line in cross)
        raise ConfigError(f"invalid configuration ({len(cross)} problem(s)):\n{problems}")
    return config
