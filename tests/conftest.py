import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from filelock import FileLock

# Keep JAX quiet and on the CPU in tests, whatever the machine has.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# A size limit turns on the lock JAX's compilation cache takes around each read and write, so processes sharing
# one cache never read a half-written program.
os.environ.setdefault("JAX_COMPILATION_CACHE_MAX_SIZE", str(4 * 2**30))
# Programs that took a tenth of a second to compile go into the cache too, not only those that took a second: the
# suite's processes (workers, pipeline jobs, subprocesses) compile many of the same mid-sized programs. A tenth of
# a second, not zero: that is a tenth of the compilations and 65-85 % of the compile time (tests/test_smgrnn_spm.py
# and test_lndp_model.py, JAX_LOG_COMPILES), and every write to a size-limited cache scans the whole cache (with
# every program cached, the suite spent 90 s more in the kernel).
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.1")


def pytest_configure(config):
    """One JAX compilation cache for the whole test run: every worker, every pipeline job and every subprocess a
    test starts compile a program once (many tests build the same models; a cold cache is what CI starts with, so
    nothing depends on it). A developer's own JAX_COMPILATION_CACHE_DIR is kept."""
    if os.environ.get("PYTEST_XDIST_WORKER") or "JAX_COMPILATION_CACHE_DIR" in os.environ:
        return  # workers inherit the controller's environment
    folder = tempfile.mkdtemp(prefix="plasticnets-tests-jax-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


# The files that take longest, started first (pytest-xdist hands out whole files in collection order, so a long
# file collected last keeps one worker busy after the other has finished). test_slurm spends most of its three
# minutes waiting for SLURM's time limit, beside the smoke build test_integrity starts; order from the durations
# of a full run (pytest --junitxml, 2 workers, 2026-12-04).
LONGEST_FIRST = ("test_slurm.py", "test_integrity.py", "test_lndp_evolve.py", "test_dvc.py", "test_lndp_model.py",
                 "test_smgrnn_distill.py", "test_smgrnn_spm.py", "test_smgrnn_capacity.py", "test_lndp_evaluation.py",
                 "test_lndp_parity.py", "test_pipeline.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file keeps its own order


ROOT = Path(__file__).resolve().parents[1]
# What a copy of the working tree leaves behind: git's and the developer's own state, results and caches.
IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "results", "checkpoints", "logs", ".snakemake", "__pycache__", "*.egg-info", ".pytest_cache",
    ".jax_cache",
)
DVC_IGNORE = shutil.ignore_patterns("cache", "tmp", "config.local")  # in .dvc/: local cache, state, credentials
GIT_IDENTITY = ["-c", "user.name=plasticnets tests", "-c", "user.email=tests@plasticnets.invalid"]


def git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *GIT_IDENTITY, *args], cwd=repo, capture_output=True, text=True, check=True)


# Pipeline tests check the workflow (what runs, what it writes, what reruns and resumes), not numbers: the jobs
# they start compile with XLA's backend optimisation off (the smoke build measured 2 min 25 s against 3 min 10 s on
# 2 idle cores). The model tests, in-process and in the subprocesses they start, keep the flags real runs use.
PIPELINE_XLA_FLAGS = "--xla_backend_optimization_level=0"


def pipeline_env(env=None) -> dict[str, str]:
    """``env`` (default: this process's) with the pipeline tests' XLA flags added to its own."""
    env = dict(os.environ if env is None else env)
    env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {PIPELINE_XLA_FLAGS}".strip()
    return env


def snakemake(repo, *args, check=True, env=None):
    """Run Snakemake (this environment's) in `repo` with the pipeline tests' XLA flags; fail with its output when
    it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args], cwd=repo, capture_output=True, text=True, env=pipeline_env(env)
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def planned_jobs(output: str) -> dict[str, int]:
    """Parse Snakemake's 'Job stats' table into {rule: count} ({} when there is nothing to do)."""
    if "Job stats:" not in output:
        return {}
    table = output.split("Job stats:")[1].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def _copy(dest: Path) -> Path:
    """A private copy of the working tree (tracked and untracked files), so tests never touch the developer's
    results/, DVC cache or remote."""

    def ignore(folder, names):
        skip = IGNORE(folder, names)
        return skip | DVC_IGNORE(folder, names) if Path(folder) == ROOT / ".dvc" else skip

    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


@pytest.fixture(scope="session")
def copy_repo():
    return _copy


def _run_root(tmp_path_factory) -> Path:
    """A folder shared by every worker of this test run (pytest-xdist gives each worker its own basetemp, one
    level below it), or this session's own without xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def smoke_repo(tmp_path_factory):
    """The smoke pipeline, built once per test run (whichever worker needs it first builds it; the others wait)
    in a git repository made from a copy of the working tree (one commit). Tests must not change it: they read
    it, or copy it first."""
    root = _run_root(tmp_path_factory)
    repo, built, failed = root / "smoke" / "repo", root / "smoke" / "built", root / "smoke" / "failed"
    with FileLock(str(root / "smoke.lock")):
        if failed.exists():  # another worker's build failed: the same failure, without a second build
            raise AssertionError(failed.read_text())
        if not built.exists():
            try:
                _copy(repo)
                git(repo, "init", "--quiet")
                git(repo, "add", "--all")
                git(repo, "commit", "--quiet", "-m", "working tree under test")
                snakemake(repo, "--cores", "2", "--configfile", "config/smoke.yaml")
            except BaseException as err:
                failed.write_text(f"the smoke build failed: {err}")
                raise
            built.touch()
    return repo
