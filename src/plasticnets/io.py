"""Atomic writes and safe, self-describing artifact formats (JSON, parquet; never pickle).

Every file written here gets its SHA-256 recorded beside it, in ``<name>.sha256`` (``sha256sum`` format), at the
moment it is written: ``plasticnets verify`` and ``make publish`` then refuse a file that changed afterwards, a
flipped byte whose timestamp was restored included, without trusting timestamps or DVC.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import pandas as pd

T = TypeVar("T")

TRACKED_PACKAGES = ("plasticnets", "jax", "jaxlib", "equinox", "optax", "evosax", "gymnax", "gymnasium", "numpy", "pandas")


HASH_SUFFIX = ".sha256"


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_record_path(path: str | Path) -> Path:
    """Where the hash of ``path``, recorded when it was written, lives: ``<path>.sha256``."""
    path = Path(path)
    return path.with_name(path.name + HASH_SUFFIX)


def read_hash_record(path: str | Path) -> str | None:
    """The SHA-256 recorded for ``path`` (None when there is no record, or one that is not a hash of it)."""
    record = hash_record_path(path)
    if not record.is_file():
        return None
    fields = record.read_text(errors="replace").split()
    name = Path(path).name
    if len(fields) != 2 or fields[1] != name or len(fields[0]) != 64:
        return None
    return fields[0].lower()


def _replace_recording_hash(tmp: str | Path, path: Path) -> None:
    digest = sha256_file(tmp)
    os.replace(tmp, path)
    # After the file itself, atomically too: a record always describes what lies under the final name.
    fd, record_tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".sha256.tmp", dir=path.parent)
    with os.fdopen(fd, "w") as f:
        f.write(f"{digest}  {path.name}\n")
    os.replace(record_tmp, hash_record_path(path))


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only if the block succeeds, then record its
    SHA-256 in ``<path>.sha256``.

    An interrupted job therefore never leaves a half-written file under the
    final name, which Snakemake or a reader could mistake for a finished one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        _replace_recording_hash(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _json_safe(value: Any) -> Any:
    """Make numpy scalars, tuples and non-finite floats JSON-friendly (NaN -> null)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalar or array
        return _json_safe(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def read_artifact(path: str | Path, parse: Callable[[Path], T], what: str,
                  errors: tuple[type[BaseException], ...] = (Exception,), bad: str = "corrupt") -> T:
    """Read ``path`` with ``parse``: a missing file raises FileNotFoundError, a file ``parse`` rejects (any of
    ``errors``) a ValueError; both are one line naming the file, so a run stops with a message, not a traceback."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"missing {what}: {path}")
    try:
        return parse(path)
    except errors as err:
        raise ValueError(f"{bad} {what} {path}: {err}") from None


def write_json(path: str | Path, data: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_json_safe(data), indent=2, sort_keys=True) + "\n")


def read_json(path: str | Path) -> dict[str, Any]:
    """Read a JSON artifact; a missing or corrupt file raises an error naming it."""
    return read_artifact(path, lambda p: json.loads(p.read_text()), "JSON file",
                         (json.JSONDecodeError, UnicodeDecodeError))


def write_parquet(path: str | Path, frame: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def read_parquet(path: str | Path) -> pd.DataFrame:
    """Read a parquet artifact; a missing or corrupt file raises an error naming it (pyarrow raises several
    types for truncated files)."""
    return read_artifact(path, pd.read_parquet, "parquet file")


def write_csv(path: str | Path, frame: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV table; a missing, empty or malformed file raises an error naming it."""
    return read_artifact(path, pd.read_csv, "CSV file",
                         (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError))


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def environment_info() -> dict[str, Any]:
    """Package versions and machine, recorded in every summary.json."""
    versions = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    import jax

    return {
        "versions": versions,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "jax_devices": [str(d) for d in jax.devices()],
    }
