"""Compare two results/ trees number by number: what a refactoring must leave unchanged.

    python scripts/compare_results.py OLD/results NEW/results [--rename OLD_KEY=NEW_KEY ...]

Every file present in either tree is compared by content, ignoring only what differs between two runs of the
same code on the same machine: wall-clock times (keys and columns whose name contains ``wall`` or ``elapsed``),
the machine description (``environment``), and Snakemake's timing files (``results/benchmarks``). Parquet and CSV
files are compared as tables (same columns in the same order, same values, exactly), JSON as data, npz array
by array, everything else (eqx parameters, PDF/PNG figures, LaTeX, YAML) byte for byte. ``--rename`` maps a key
or column renamed on purpose (an output name fixed by the change) to its new name before comparing.
Exits 1 and lists every difference when the trees differ.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

VOLATILE = re.compile(r"wall|elapsed")
VOLATILE_KEYS = {"environment"}
SKIPPED_DIRS = {"benchmarks"}


def _volatile(name: str) -> bool:
    return bool(VOLATILE.search(name)) or name in VOLATILE_KEYS


def _clean_json(value, renames: dict[str, str]):
    if isinstance(value, dict):
        return {renames.get(k, k): _clean_json(v, renames) for k, v in value.items() if not _volatile(k)}
    if isinstance(value, list):
        return [_clean_json(v, renames) for v in value]
    return value


def _clean_frame(frame: pd.DataFrame, renames: dict[str, str]) -> pd.DataFrame:
    frame = frame.rename(columns=renames)
    return frame[[c for c in frame.columns if not _volatile(str(c))]]


def _json_diff(a, b, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        diffs = [f"{where}.{k}: only in one tree" for k in sorted(set(a) ^ set(b))]
        return diffs + [d for k in sorted(set(a) & set(b)) for d in _json_diff(a[k], b[k], f"{where}.{k}")]
    return [] if a == b else [f"{where or '<top>'}: {str(a)[:80]} != {str(b)[:80]}"]


def _frame_diff(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    if list(a.columns) != list(b.columns):
        return [f"columns differ: {list(a.columns)} != {list(b.columns)}"]
    if a.shape != b.shape:
        return [f"shape {a.shape} != {b.shape}"]
    try:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True)
    except AssertionError as err:
        return [str(err).splitlines()[0] + " " + " ".join(str(err).splitlines()[1:4])]
    return []


def _arrays_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Exactly equal, NaN equal to NaN where the dtype has NaN."""
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return np.array_equal(a, b, equal_nan=True)
    return a.dtype == b.dtype and np.array_equal(a, b)


def compare_file(old: Path, new: Path, renames: dict[str, str]) -> list[str]:
    suffix = old.suffix
    if suffix == ".parquet":
        return _frame_diff(_clean_frame(pd.read_parquet(old), renames), _clean_frame(pd.read_parquet(new), renames))
    if suffix == ".csv":
        return _frame_diff(_clean_frame(pd.read_csv(old), renames), _clean_frame(pd.read_csv(new), renames))
    if suffix == ".json":
        return _json_diff(_clean_json(json.loads(old.read_text()), renames),
                          _clean_json(json.loads(new.read_text()), renames))
    if suffix == ".npz":
        with np.load(old, allow_pickle=False) as a, np.load(new, allow_pickle=False) as b:
            names_a = {renames.get(k, k): k for k in a.files}
            names_b = {renames.get(k, k): k for k in b.files}
            if set(names_a) != set(names_b):
                return [f"arrays differ: {sorted(set(names_a) ^ set(names_b))}"]
            return [f"array {k} differs" for k in sorted(names_a) if not _arrays_equal(a[names_a[k]], b[names_b[k]])]
    return [] if old.read_bytes() == new.read_bytes() else ["bytes differ"]


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")
            if p.is_file() and p.relative_to(root).parts[0] not in SKIPPED_DIRS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                        help="a key/column/array renamed on purpose (applied to the old tree)")
    args = parser.parse_args(argv)
    renames = dict(item.split("=", 1) for item in args.rename)
    old_files, new_files = _files(args.old), _files(args.new)
    problems = [f"{p}: only in {args.old}" for p in sorted(old_files - new_files)]
    problems += [f"{p}: only in {args.new}" for p in sorted(new_files - old_files)]
    for path in sorted(old_files & new_files):
        problems += [f"{path}: {d}" for d in compare_file(args.old / path, args.new / path, renames)]
    for line in problems:
        print(line)
    print(f"{len(old_files & new_files)} files compared, {len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
