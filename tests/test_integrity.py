"""What the pipeline refuses: a deleted artifact reruns exactly its job and what depends on it, and
`plasticnets verify` names every damaged or incomplete file of a results tree (on a copy of the smoke build)."""

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from .conftest import planned_jobs, snakemake

SMOKE = ("--configfile", "config/smoke.yaml")
LNDP_FIGURES = {"figure_lndp_fitness": 1, "figure_lndp_foraging": 1, "figure_lndp_development": 1}
SMGRNN_FIGURES = {"figure_smgrnn_returns": 1, "figure_smgrnn_size": 1, "figure_smgrnn_ablation": 1}
ANALYSIS = {"combined_tables": 1, "statistics": 1, "claims": 1, "figure_claims_overview": 1, "all": 1}


@pytest.fixture(scope="module")
def build(smoke_repo, tmp_path_factory):
    """A private copy of the smoke build (timestamps and Snakemake's metadata kept); each test restores what it
    damages."""
    copy = tmp_path_factory.mktemp("integrity") / "repo"
    shutil.copytree(smoke_repo, copy, symlinks=True)
    return copy


@pytest.fixture
def damage(build, tmp_path):
    """damage(relative path, how) changes one file of the build and restores it (bytes and times) afterwards."""
    saved = []

    def apply(relative: str, how):
        path = build / relative
        backup = tmp_path / f"backup{len(saved)}"
        shutil.copy2(path, backup)
        saved.append((path, backup))
        how(path)
        return path

    yield apply
    for path, backup in saved:
        shutil.copy2(backup, path)


def delete(path):
    path.unlink()


@pytest.mark.slow
@pytest.mark.parametrize("relative, expected", [
    ("results/experts/CartPole-v1/seed0/policy.eqx",
     {"train_expert": 1, "expert_gate": 1, "distill_smgrnn": 5, "distill_mlp_matched": 1, "family_tables": 2,
      "figure_expert_curves": 1, **SMGRNN_FIGURES, **ANALYSIS}),
    ("results/experts/LunarLander-v3/seed0/accepted.json",
     {"expert_gate": 1, "distill_smgrnn": 5, "distill_mlp_matched": 1, "family_tables": 1, **SMGRNN_FIGURES,
      **ANALYSIS}),
    ("results/smgrnn/LunarLander-v3/static/seed0/graph.npz",
     {"distill_smgrnn": 1, "family_tables": 1, **SMGRNN_FIGURES, **ANALYSIS}),
    ("results/lndp/CartPole-v1/full/seed0/best.eqx",
     {"evolve_lndp": 1, "family_tables": 1, **LNDP_FIGURES, **ANALYSIS}),
    ("results/tables/groups.csv", {"statistics": 1, "all": 1}),
])
def test_a_deleted_artifact_reruns_exactly_its_job_and_dependants(build, damage, relative, expected):
    assert planned_jobs(snakemake(build, "-n", "--cores", "1", *SMOKE).stdout) == {}
    damage(relative, delete)
    assert planned_jobs(snakemake(build, "-n", "--cores", "1", *SMOKE).stdout) == expected


def verify(repo, *args):
    return subprocess.run([sys.executable, "-m", "plasticnets.cli", "verify", "--root", str(repo), *args],
                          capture_output=True, text=True)


def truncate_keeping_time(path):
    stat = path.stat()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # Snakemake compares times only


def write_json(data):
    return lambda path: path.write_text(json.dumps(data))


def nan_late_reward(path):
    summary = json.loads(path.read_text())
    summary["late_reward"] = None  # what a NaN becomes in our JSON
    path.write_text(json.dumps(summary))


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_verify_accepts_the_smoke_build(build):
    result = verify(build, "--no-dvc")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "22 run folder(s)" in result.stdout  # 18 runs and 4 baselines


@pytest.mark.parametrize("relative, how, message", [
    ("results/lndp/CartPole-v1/full/seed0/best.eqx", delete,
     "results/lndp/CartPole-v1/full/seed0/best.eqx: missing"),
    ("results/smgrnn/CartPole-v1/full/seed0/metrics.parquet", truncate_keeping_time,
     "corrupt parquet file results/smgrnn/CartPole-v1/full/seed0/metrics.parquet"),
    ("results/lndp/CartPole-v1/no_sp/seed0/summary.json", write_json({}),
     "results/lndp/CartPole-v1/no_sp/seed0/summary.json lacks key 'task'"),
    ("results/smgrnn/CartPole-v1/static/seed0/summary.json", nan_late_reward,
     "results/smgrnn/CartPole-v1/static/seed0/summary.json: headline metric late_reward is None"),
    ("results/smgrnn/CartPole-v1/full/seed0/graph.npz", truncate_keeping_time,
     "results/smgrnn/CartPole-v1/full/seed0/graph.npz: unreadable npz archive"),
    ("results/experts/CartPole-v1/seed0/policy.eqx", flip_a_byte,
     "results/experts/CartPole-v1/seed0/policy.eqx: does not match the sha256"),
    ("results/tables/summary.csv", lambda p: p.write_bytes(b"\xff\xfe\x00garbage"),
     "corrupt CSV file results/tables/summary.csv"),
])
def test_verify_names_each_damaged_file(build, damage, relative, how, message):
    damage(relative, how)
    result = verify(build, "--no-dvc")
    assert result.returncode == 1
    assert message in result.stdout, result.stdout
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_verify_names_a_run_in_the_wrong_folder(build, damage):
    other = json.loads((build / "results/smgrnn/CartPole-v1/static/seed0/summary.json").read_text())
    damage("results/smgrnn/CartPole-v1/full/seed0/summary.json", write_json(other))
    result = verify(build, "--no-dvc")
    assert ("results/smgrnn/CartPole-v1/full/seed0/summary.json: holds the run results/smgrnn/CartPole-v1/static/seed0"
            in result.stdout), result.stdout
    assert pd.read_csv(build / "results/tables/summary.csv").shape[0] == 22  # the tables themselves untouched


def test_publish_refuses_a_damaged_tree_that_snakemake_calls_complete(build, damage):
    """A truncated file with its time restored: Snakemake has nothing to do, verify names it, nothing is pushed."""
    from .test_dvc import make

    lock = build / "dvc.lock"  # the shared smoke build may have been published already (tests/test_dvc.py)
    lock_before = lock.read_bytes() if lock.exists() else None
    damage("results/lndp/CartPole-v1/full/seed0/lifetime.parquet", truncate_keeping_time)
    assert planned_jobs(snakemake(build, "-n", "--cores", "1", *SMOKE).stdout) == {}
    result = make(build, "publish", check=False)
    assert result.returncode != 0
    assert "corrupt parquet file results/lndp/CartPole-v1/full/seed0/lifetime.parquet" in result.stdout
    assert "refusing to push" in result.stderr
    assert (lock.read_bytes() if lock.exists() else None) == lock_before  # dvc commit never ran
