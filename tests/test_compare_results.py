"""scripts/compare_results.py: what the refactoring check calls "unchanged"."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from .conftest import ROOT


def tree(root, value=1.0, wall=1.0, key="late_reward"):
    (root / "runs").mkdir(parents=True)
    pd.DataFrame({"x": [0, 1], "value": [0.5, value], "wall_s": [wall, wall]}).to_parquet(root / "runs" / "m.parquet")
    (root / "runs" / "summary.json").write_text(json.dumps({key: value, "wall_time_s": wall, "environment": {"a": wall}}))
    np.savez(root / "runs" / "graph.npz", w=np.array([1.0, np.nan]), alive=np.array([True, False]))
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "t.tsv").write_text(f"{wall}\n")
    return root


def compare(old, new, *args):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "compare_results.py"), str(old), str(new), *args],
                          capture_output=True, text=True)


def test_only_times_and_machine_may_differ(tmp_path):
    result = compare(tree(tmp_path / "a"), tree(tmp_path / "b", wall=9.0))
    assert result.returncode == 0 and "3 files compared, 0 difference(s)" in result.stdout


def test_a_changed_number_is_a_difference(tmp_path):
    result = compare(tree(tmp_path / "a"), tree(tmp_path / "b", value=1.0 + 1e-12))
    assert result.returncode == 1
    assert "runs/m.parquet" in result.stdout and "runs/summary.json: .late_reward" in result.stdout


def test_renamed_keys_compare_under_their_new_name(tmp_path):
    old, new = tree(tmp_path / "a"), tree(tmp_path / "b", key="late_return")
    assert compare(old, new).returncode == 1
    assert compare(old, new, "--rename", "late_reward=late_return").returncode == 0
