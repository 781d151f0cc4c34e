"""Is a results tree complete and undamaged? ``plasticnets verify`` / ``make verify``.

Every run folder under ``results/`` is checked against its family's descriptor (``<family>/results.py``):
every declared output present and not empty, the run collectable (summary.json with every key the tables read,
parquet files readable with the columns the curves read: the same code as ``plasticnets collect``), headline
metrics finite, the folder's path matching the run it holds, npz archives readable without pickle, and an
expert's policy matching the hash its summary recorded. The tables under ``results/tables`` must be readable.

Every file under ``results/`` must match the SHA-256 recorded beside it when it was written (``<name>.sha256``,
see ``plasticnets.io``): a flipped byte, a file without a record and a recorded file that is gone are problems.
Two kinds of file carry no record because no rule of ours writes them: Snakemake's timing tables
(``results/benchmarks``, written by Snakemake after the job; checked for their columns instead) and the report
``snakemake --report`` makes (``results/report.*``, not a rule's output).

Where a ``dvc.lock`` exists, DVC's own hashes decide whether the tracked outputs still match it, file by file
(``dvc data status --granular``), run with the DVC of the environment running this code; a DVC that is missing
or fails is a problem, never a skipped check. Every problem is one line naming the file; the command exits
non-zero when there is any, so ``make publish`` refuses to push an incomplete or damaged tree.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from plasticnets.analysis.collect import collect_run
from plasticnets.descriptor import Family
from plasticnets.families import FAMILIES
from plasticnets.io import HASH_SUFFIX, read_csv, read_hash_record, read_json, read_parquet, sha256_file

UNHASHED = "results/benchmarks"
"""Snakemake's timing tables: written by Snakemake after the job, so no hash is recorded when they are written."""
BENCHMARK_COLUMNS = ("s", "h:m:s", "max_rss")
REPORTS = "results/report.*"
"""What ``snakemake --report`` makes: not a rule's output, not shared with DVC."""


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
    if recorded and policy.is_file() and sha256_file(policy) != recorded:
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


def _is_temporary(path: Path) -> bool:
    """A write in progress (or abandoned by a killed job): ``.<name>.<random>.tmp`` from ``io.atomic_path``."""
    return path.name.startswith(".") and path.name.endswith(".tmp")


def _hash_problems(root: Path) -> tuple[int, list[str]]:
    """(files checked, problems): every file under results/ against the hash recorded when it was written."""
    results = root / "results"
    problems, checked = [], 0
    for path in sorted(p for p in results.rglob("*") if p.is_file() and not _is_temporary(p)):
        relative = path.relative_to(root)
        if relative.match(REPORTS) and relative.parent == Path("results"):
            continue
        if relative.is_relative_to(UNHASHED):
            problems += _benchmark_problems(path, relative)
            continue
        if path.name.endswith(HASH_SUFFIX):
            target = path.with_name(path.name[: -len(HASH_SUFFIX)])
            if not target.exists():
                problems.append(f"{relative.with_name(target.name)}: missing (its hash was recorded when it was "
                                f"written, in {relative.name}: deleted since)")
            continue
        checked += 1
        recorded = read_hash_record(path)
        if recorded is None:
            problems.append(f"{relative}: no hash recorded when it was written ({relative.name}{HASH_SUFFIX} "
                            "missing or malformed): rerun the job that writes it")
        elif sha256_file(path) != recorded:
            problems.append(f"{relative}: does not match the sha256 recorded when it was written (changed since)")
    return checked, problems


def _benchmark_problems(path: Path, relative: Path) -> list[str]:
    try:
        header = path.read_text().splitlines()[0].split("\t")
    except (UnicodeDecodeError, IndexError):
        header = []
    missing = [c for c in BENCHMARK_COLUMNS if c not in header]
    return [f"{relative}: not a Snakemake benchmark table (lacks column(s) {missing})"] if missing else []


def _dvc(root: Path, *args: str) -> subprocess.CompletedProcess:
    """DVC of this environment (``python -m dvc``), whatever PATH says: the check never depends on activation."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([sys.executable, "-m", "dvc", *args], cwd=root, capture_output=True, text=True, env=env)


def _dvc_problems(root: Path) -> list[str]:
    """DVC's verdict, file by file, on the tracked outputs against dvc.lock (none when nothing was published from
    here). A DVC that cannot run is a problem: the check is never skipped silently."""
    if not (root / "dvc.lock").is_file():
        return []
    result = _dvc(root, "data", "status", "--granular", "--json")
    if result.returncode != 0:
        last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
        return [f"dvc.lock: cannot check DVC's hashes: `{Path(sys.executable).name} -m dvc data status` failed "
                f"({last}); is dvc installed in {sys.prefix}?"]
    status = json.loads(result.stdout or "{}")
    missing_from_cache = [p for p in status.get("not_in_cache", []) if p.startswith("results/")]
    problems = [f"{path}: in dvc.lock but not in DVC's cache, so DVC cannot compare it (`dvc fetch` restores "
                "the cache)" for path in missing_from_cache]
    for state, paths in sorted(status.get("uncommitted", {}).items()):
        if state == "unknown" and missing_from_cache:
            continue  # files under an output whose cache entry is gone: reported above, once
        for path in paths:
            if path.startswith("results/") and not path.endswith("/"):  # files, not the folders holding them
                problems.append(f"{path}: {state} since dvc.lock (DVC's hashes)")
    return problems


def verify_results(root: Path, use_dvc: bool = True) -> tuple[int, int, list[str]]:
    """(number of run folders checked, number of files checked against their recorded hashes, problems) for the
    project at ``root``."""
    root = Path(root).resolve()
    problems, runs = [], 0
    for family in FAMILIES.values():
        for run in sorted(p for p in root.glob(family.run_glob) if p.is_dir()):
            runs += 1
            problems += _run_problems(family, root, run)
    problems += _table_problems(root)
    hashed, hash_problems = _hash_problems(root)
    problems += hash_problems
    if use_dvc:
        problems += _dvc_problems(root)
    return runs, hashed, problems
