"""scripts/mutate.py: the mutants it generates on a tiny module, and that the mutated file always comes back."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
mutate = sys.modules["mutate"] = importlib.util.module_from_spec(_spec)  # dataclasses look the module up
_spec.loader.exec_module(mutate)

SOURCE = '''"""Module docstring: x < 1."""


def f(x, y):
    """Docstring: x < y and not y."""
    # a comment: x < y
    if x < y and not y:
        return abs(x) + 1
    z = min(x, y) * 2
    if x is not None and y not in (0, 2):
        z -= 0.5
    label = f"{x + 1}"
    return True
'''

EXPECTED = {
    (7, "if x <= y and not y:"), (7, "if x > y and not y:"), (7, "if x < y or not y:"), (7, "if x < y and y:"),
    (8, "return (x) + 1"), (8, "return abs(x) - 1"), (8, "return abs(x) + 0"), (8, "return None"),
    (9, "z = max(x, y) * 2"), (9, "z = min(x, y) / 2"), (9, "z = min(x, y) * 3"), (9, "pass"),
    (10, "if x is None and y not in (0, 2):"), (10, "if x is not None or y not in (0, 2):"),
    (10, "if x is not None and y in (0, 2):"), (10, "if x is not None and y not in (1, 2):"),
    (10, "if x is not None and y not in (0, 3):"),
    (11, "z += 0.5"), (11, "z -= 1.5"), (11, "pass"),
    (12, "pass"),  # nothing inside the f-string
    (13, "return False"), (13, "return None"),
}


def test_generator_mutates_code_only_and_every_mutant_compiles():
    mutants = mutate.generate(SOURCE)
    assert {(m.line, m.mutated.strip()) for m in mutants} == EXPECTED
    assert [m.id for m in mutants] == list(range(1, len(mutants) + 1))
    assert [m.line for m in mutants] == sorted(m.line for m in mutants)
    for m in mutants:
        assert m.original == SOURCE.split("\n")[m.line - 1]
        compile(mutate.apply(SOURCE, m), "<mutant>", "exec")
    assert next(m for m in mutants if m.mutated.strip() == "if x <= y and not y:").kind == "< -> <="


def test_line_selection_by_range_and_name():
    assert mutate.select_lines(SOURCE, "7-8,11") == {7, 8, 11}
    assert mutate.select_lines(SOURCE, "f") == set(range(4, 14))
    assert mutate.select_lines(SOURCE, None) is None
    with pytest.raises(SystemExit, match="'g' is neither"):
        mutate.select_lines(SOURCE, "g")
    assert [m.id for m in mutate.spread(list(mutate.generate(SOURCE)), 3)] == [1, 8, 16]


def test_run_applies_each_mutant_and_restores_the_file(tmp_path):
    path = tmp_path / "module.py"
    path.write_text(SOURCE)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = path.read_bytes(), path.stat().st_mtime_ns
    mutants = mutate.generate(SOURCE)[:4]
    seen = []

    def fake(command, timeout):
        seen.append(path.read_text())
        return ["passed", "failed", "timeout", "failed"][len(seen) - 1], 0.0

    results = mutate.run_mutants(path, mutants, "unused", 1, run=fake)
    assert [status for _, status, _ in results] == ["survived", "killed", "timeout", "killed"]
    assert seen == [mutate.apply(SOURCE, m) for m in mutants]
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before

    def interrupted(command, timeout):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        mutate.run_mutants(path, mutants, "unused", 1, run=interrupted)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_command_line_run_and_report(tmp_path):
    path = tmp_path / "module.py"
    path.write_text(SOURCE)
    out = tmp_path / "report.md"
    # passes unless the mutant changed line 13 (`return True`)
    check = f"{sys.executable} -c \"import sys; sys.exit('return True' not in open('{path}').read())\""
    assert mutate.main(["--file", str(path), "--tests", check, "--lines", "11-13", "--out", str(out)]) == 0
    report = out.read_text()
    assert path.read_text() == SOURCE
    assert "6 selected, 6 run: 2 killed, 4 survived, 0 timeout" in report
    # a floor on the kill rate (2 of 6 killed: 33.3 %)
    lines = ["--file", str(path), "--tests", check, "--lines", "11-13", "--out", str(out)]
    assert mutate.main([*lines, "--fail-under", "34"]) == 1 and path.read_text() == SOURCE
    assert mutate.main([*lines, "--fail-under", "33"]) == 0
    assert "| `return True` → `return False` | killed |" in report
    assert "| `z -= 0.5` → `z += 0.5` | **survived** |" in report
    slow = f"{sys.executable} -c \"import time; time.sleep('z -= 1.5' in open('{path}').read() and 10)\""
    assert mutate.main(["--file", str(path), "--tests", slow, "--lines", "11", "--timeout", "2",
                        "--out", str(out)]) == 0
    assert "0 killed, 2 survived, 1 timeout" in out.read_text() and path.read_text() == SOURCE
    # the test command must pass on the unmutated file
    assert mutate.main(["--file", str(path), "--tests", "exit 1", "--out", str(out)]) == 2
