"""scripts/calibrate_spm.py --set values are typed like the key they override."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "calibrate_spm.py"


def load():
    spec = importlib.util.spec_from_file_location("calibrate_spm", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_set_values_are_parsed_as_numbers_and_booleans():
    parse = load().parse_value
    assert parse("1e-3", 1.0) == pytest.approx(1e-3) and isinstance(parse("1e-3", 1.0), float)  # YAML: a string
    assert parse("0.05", 0.01) == 0.05
    assert parse("16", 32) == 16 and isinstance(parse("16", 32), int)
    assert parse("false", True) is False
    with pytest.raises(SystemExit):
        parse("abc", 1.0)
