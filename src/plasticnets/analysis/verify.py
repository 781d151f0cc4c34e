"""Is a results tree complete and undamaged? ``plasticnets verify`` / ``make verify``.

Every run folder under ``results/`` is checked against its family's descriptor (``<family>/results.py``):
every declared output present and not empty, the run collectable (summary.json with every key the tables read,
parquet files readable with the columns the curves read: the same code as ``plasticnets collect``), headline
metrics finite, the folder's path matching the run it holds, npz archives readable without pickle, and an
expert's policy matching the hash its summary recorded. The tables under ``results/tables`` must be readable.
Where a ``dvc.lock`` exists, DVC's own hashes decide whether the tracked outputs still match it (``dvc status``).
Every problem is one line naming the file; the command exits non-zero when there is any, so ``make publish``
refuses to push an incomplete or damaged tree.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np

from plasticnets.analysis.collect import collect_run
from plasticnets.descriptor import Family
from plasticnets.families import FAMILIES
from plasticnets.io import read_csv, read_json, read_parquet


def _run_problems(family: Family, root: Path, run: Path) -> list[str]:
    relative = run.relative_to(root)
    missing = [name for name in family.outputs if not (run / name).is_file()]
    problems = [f"{relative / name}: missing (declared output of a {family.name} run)" for name in missing]
    problems += [f"{relative / name}: empty file" for name in family.outputs
                 if name not in missing and (run / name).stat().st_size == 0]
    if "summary.json" in missing or "metrics.parquet" in missing:
        return problems
    try:
        _, row = collect_run(family.name, run)
    except (ValueError, FileNotFoundError) as err:
        return problems + [str(err).replace(str(root) + "/", "")]
    summary = read_json(run / "summary.json")
    expected = family.run_dir(summary["task"], summary["variant"], summary["seed"])
    if Path(expected) != relative:
        problems.append(f"{relative / 'summary.json'}: holds the run {expected}, not this folder's")
    for metric in family.headline_metrics:
        value = row.get(metric, 0.0)  # absent: a metric this configuration does not measure (e.g. a 4th episode)
        if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
            problems.append(f"{relative / 'summary.json'}: headline metric {metric} is {value!r}, not a finite number")
    for name in family.outputs:
        path = run / name
        if name.endswith(".npz") and path.is_file() and path.stat().st_size:
            try:
                with np.load(path, allow_pickle=False) as archive:
                    for key in archive.files:
                        archive[key]
            except (ValueError, OSError, zipfile.BadZipFile) as err:
                problems.append(f"{relative / name}: unreadable npz archive ({err})")
    recorded = summary.get("policy_sha256")
    policy = run / "policy.eqx"
    if recorded and policy.is_file() and hashlib.sha256(policy.read_bytes()).hexdigest() != recorded:
        problems.append(f"{relative / 'policy.eqx'}: does not match the sha256 its summary.json recorded")
    return problems


def _table_problems(root: Path) -> list[str]:
    problems = []
    for path in sorted((root / "results" / "tables").glob("*")):
        try:
            if path.suffix == ".parquet":
                read_parquet(path)
            elif path.suffix == ".csv":
                read_csv(path)
            elif path.suffix == ".json":
                read_json(path)
        except (ValueError, FileNotFoundError) as err:
            problems.append(str(err).replace(str(root) + "/", ""))
    return problems


def _dvc_problems(root: Path) -> list[str]:
    """DVC's verdict on the tracked outputs against dvc.lock (none when nothing was published from here)."""
    if not (root / "dvc.lock").is_file() or shutil.which("dvc") is None:
        return []
    result = subprocess.run(["dvc", "status", "--json"], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        return [f"dvc.lock: dvc status failed: {result.stderr.strip().splitlines()[-1] if result.stderr else ''}"]
    problems = []
    for stage, changes in json.loads(result.stdout or "{}").items():
        for change in changes:
            for path, state in (change.get("changed outs", {}) if isinstance(change, dict) else {}).items():
                problems.append(f"{path}: {state} since dvc.lock (stage {stage}; DVC's hashes)")
    return problems


def verify_results(root: Path, use_dvc: bool = True) -> tuple[int, list[str]]:
    """(number of run folders checked, problems) for the project at ``root``."""
    root = Path(root).resolve()
    problems, runs = [], 0
    for family in FAMILIES.values():
        for run in sorted(p for p in root.glob(family.run_glob) if p.is_dir()):
            runs += 1
            problems += _run_problems(family, root, run)
    problems += _table_problems(root)
    if use_dvc:
        problems += _dvc_problems(root)
    return runs, problems
