"""Configuration: load, merge and validate against workflow/schemas/config.schema.yaml.

Validation runs in the Snakefile before any job is planned. Every problem is
reported at once, each naming the key (``experts.seeds[1]``), what is allowed
there and the config file that set it, because a researcher fixing a config
wants the full list, not one error per run. Rules between keys that JSON Schema
cannot express belong to the families; the caller passes them in
(``plasticnets.families.config_problems``), so this module knows no family and
imports none.

Beyond the schema: a file that is empty or repeats a key in one mapping is refused
(YAML would silently read it as nothing, or keep the last value), and every number
must be finite (JSON Schema's bounds let NaN through: every comparison with it is
false).
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import jsonschema
import yaml

from plasticnets.dicts import merge
from plasticnets.io import read_artifact

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """An invalid configuration; the message lists every problem found."""


Checks = Callable[[dict[str, Any]], list[str]]
Sources = Sequence[tuple[str, dict[str, Any]]]
"""(label, mapping) pairs in merge order, e.g. ``("config/smoke.yaml", {...})``: which file set which key."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key repeated in one mapping is an error naming it and both lines:
    plain YAML keeps the last value silently, so a pasted block would override an edited one unseen."""

    def construct_document(self, node):
        self._paths: dict[int, tuple[Any, ...]] = {}
        self._index(node, ())
        return super().construct_document(node)

    def _index(self, node, path: tuple[Any, ...]) -> None:
        """Remember each mapping's key path (for the message); first path wins for aliased nodes."""
        if id(node) in self._paths:
            return
        self._paths[id(node)] = path
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                self._index(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._index(item, (*path, i))

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first_line: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` merges; explicit keys override it
                    continue
                key, line = self.construct_object(key_node, deep=True), key_node.start_mark.line + 1
                try:
                    seen = key in first_line
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    continue
                if seen:
                    where = _key_path([*self._paths.get(id(node), ()), key])
                    first = first_line[key]
                    lines = f"twice on line {line}" if first == line else f"on lines {first} and {line}"
                    raise ValueError(f"duplicate key {where} {lines} (YAML would keep only the last; remove one)")
                first_line[key] = line
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(path: Path) -> Any:
    text = path.read_bytes().decode("utf-8")  # UnicodeDecodeError: not a text file
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise ValueError(f"{where}{getattr(err, 'problem', None) or err}") from None


def load_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML mapping from ``path``; a missing file, a file that is not UTF-8 text or not valid YAML, an empty one
    (or only comments: YAML reads it as nothing, so it would silently change nothing) and a key repeated in one
    mapping raise a one-line ConfigError naming the file (and the line and column, or lines, of a YAML error)."""
    path = Path(path)
    try:
        data = read_artifact(path, _parse_yaml, "YAML file", (ValueError,), bad="invalid")
    except (FileNotFoundError, ValueError) as err:
        raise ConfigError(str(err)) from None
    if data is None or data == {}:
        raise ConfigError(f"{path} is empty: no keys")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys, got {type(data).__name__}")
    return data


def file_label(path: str | Path) -> str:
    """A file as messages show it: relative to the working directory when it lies below it."""
    path = Path(path)
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_sources(paths: Iterable[str | Path]) -> list[tuple[str, dict[str, Any]]]:
    """Each file's mapping, labelled with its name, in the order given (see ``Sources``)."""
    return [(file_label(path), load_yaml(path)) for path in paths]


def snakemake_config_files(configfiles: Iterable[str | Path], cli_configfiles: Iterable[str | Path]) -> list[Path]:
    """Snakemake's config files in merge order. ``workflow.configfiles`` lists the ``--configfile`` files first
    and the Snakefile's ``configfile:`` after them, but Snakemake merges the Snakefile's first and the command
    line's over it (then ``--config``)."""
    cli = [Path(f) for f in cli_configfiles]
    cli_abs = {f.absolute() for f in cli}
    return [Path(f) for f in configfiles if Path(f).absolute() not in cli_abs] + cli


def load_config(paths: Iterable[str | Path], checks: Checks) -> dict[str, Any]:
    """Load and merge config files in order, then validate (schema, then ``checks``); returns the config with
    defaults filled. Each problem names the last file that set its key."""
    sources = load_sources(paths)
    config: dict[str, Any] = {}
    for _, data in sources:
        config = merge(config, data)
    return validate_config(config, checks=checks, sources=sources)


def _key_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<top level>"


_MISSING = object()
_KEY_PATH = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_TEXT_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def _parse_key_path(text: str) -> list[Any]:
    """``experts.seeds[1]`` -> ``["experts", "seeds", 1]`` (the inverse of ``_key_path``)."""
    return [int(index) if index else name for name, index in _KEY_PATH.findall(text)]


def set_in(sources: Sources, parts: Sequence[Any]) -> str | None:
    """The label of the last source (in merge order) that sets the key path ``parts``, or its closest parent
    that one does; lists replace when merged, so an item was set where its list was. None: no source sets any
    part of it (the top level)."""
    keys = []
    for part in parts:
        if isinstance(part, int):
            break
        keys.append(str(part))
    for n in range(len(keys), 0, -1):
        for label, data in reversed(sources):
            node: Any = data
            for key in keys[:n]:
                node = next((v for k, v in node.items() if str(k) == key), _MISSING) if isinstance(node, dict) \
                    else _MISSING
            if node is not _MISSING:
                return label
    return None


_LINE_KEY = re.compile(r"^config key (.+?): ")


def _with_source(line: str, sources: Sources) -> str:
    """``line`` (``config key <path>: ...``) with `` (set in <file>)`` appended, when a source sets that key."""
    match = _LINE_KEY.match(line)
    label = set_in(sources, _parse_key_path(match.group(1))) if match and sources else None
    return f"{line} (set in {label})" if label else line


def is_non_finite(value: Any) -> bool:
    """A NaN or infinite float (YAML ``.nan``, ``.inf``)."""
    return isinstance(value, float) and not math.isfinite(value)


def non_finite(data: Any, prefix: str = "config key", path: tuple[Any, ...] = ()) -> list[str]:
    """One line per NaN or infinite number in ``data``, naming its key: JSON Schema's bounds cannot refuse NaN
    (every comparison with it is false), and no setting here means anything infinite."""
    if is_non_finite(data):
        return [f"{prefix} {_key_path(path)}: {data!r} is not a finite number; only finite numbers are allowed"]
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    return [line for key, value in items for line in non_finite(value, prefix, (*path, key))]


def _text_number_hint(value: Any, schema: dict[str, Any]) -> str:
    """How to write a number that YAML read as text. PyYAML (YAML 1.1) reads a float only with a dot and a signed
    exponent, so ``1e-3`` and ``1.0e3`` are strings. A hint, not a loader that accepts them: Snakemake loads the
    config files itself with the same rules, and the values it runs with must be the ones checked here."""
    text = value.strip() if isinstance(value, str) else ""
    if not _TEXT_NUMBER.fullmatch(text):
        return ""
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if "integer" in types and "number" not in types:
        number = Decimal(text)
        if number != number.to_integral_value():
            return ""
        if "maximum" in schema and number > schema["maximum"]:
            return (f" (YAML reads {text} as text; as a number it would be out of range too: "
                    f"it must be <= {schema['maximum']})")
        return f" (YAML reads {text} as text: write the integer in digits, {int(number)})"
    mantissa, exponent = re.split("[eE]", text)
    mantissa = mantissa if "." in mantissa else f"{mantissa}.0"
    mantissa = mantissa.replace(".", "0.", 1) if mantissa.lstrip("+-").startswith(".") else mantissa
    exponent = exponent if exponent[0] in "+-" else f"+{exponent}"
    return f" (YAML reads {text} as text: write {mantissa}e{exponent})"


def describe_schema_error(error: jsonschema.ValidationError, prefix: str = "config key") -> str:
    """One line per problem, naming the key (``experts.seeds[1]``, after ``prefix``) and what is allowed there."""
    where = _key_path(error.absolute_path)
    value, rule, schema = error.instance, error.validator, error.schema
    if rule in ("oneOf", "anyOf") and error.context:
        # None of the alternatives fits: name the element inside that breaks the closest one, if any does.
        best = jsonschema.exceptions.best_match([error])
        if len(best.absolute_path) > len(error.absolute_path):
            return describe_schema_error(best, prefix)
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
        return f"{prefix} {where}: {value!r} must be of type {expected}{_text_number_hint(value, schema)}"
    if rule in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        ops = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}
        return f"{prefix} {where}: {value!r} is out of range; it must be {ops[rule]} {schema[rule]}"
    if rule == "required":
        return f"{prefix} {where}: {error.message}"
    if rule == "not" and set(schema["not"]) == {"required"} and isinstance(value, dict):
        # `if: ... then: {not: {required: [key]}}`: a key that this kind of entry must not have
        keys = [key for key in schema["not"]["required"] if key in value]
        kind = ", ".join(f"{k}: {value[k]!r}" for k in ("check",) if k in value)
        return f"{prefix} {where}: {', '.join(keys)} is not allowed here" + (f" ({kind})" if kind else "")
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


def _raise_if(lines: list[str], sources: Sources) -> None:
    if lines:
        problems = "\n".join(f"  - {_with_source(line, sources)}" for line in lines)
        raise ConfigError(f"invalid configuration ({len(lines)} problem(s)):\n{problems}")


def validate_config(config: dict[str, Any], schema_path: str | Path = SCHEMA_PATH, *, checks: Checks,
                    sources: Sources = ()) -> dict[str, Any]:
    """Validate ``config`` against the schema and for finite numbers, then (defaults filled) with ``checks``, the
    rules between keys (``plasticnets.families.config_problems``); raise ConfigError listing every problem, each
    with the last of ``sources`` that set its key, else return the config with defaults filled."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    # A NaN or infinity is named once, as not finite, not again by whatever bound or type it also breaks.
    lines = [line for e in errors if not is_non_finite(e.instance) for line in describe_schema_error(e).splitlines()]
    _raise_if(sorted(lines + non_finite(config)), sources)
    config = copy.deepcopy(config)
    _fill_defaults(config, schema, schema)
    _raise_if(checks(config), sources)
    return config
