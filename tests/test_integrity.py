"""What the pipeline refuses: a deleted artifact reruns exactly its job and what depends on it, and
`plasticnets verify` names every damaged or incomplete file of a results tree (on a copy of the smoke build)."""

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from .conftest import pipeline_env, planned_jobs, snakemake

SMOKE = ("--configfile", "config/smoke.yaml")
LNDP_FIGURES = {"figure_lndp_fitness": 1, "figure_lndp_foraging": 1, "figure_lndp_development": 1,
                "figure_lndp_dev_steps": 1, "figure_lndp_sample_efficiency": 1, "figure_lndp_transfer": 1}
SMGRNN_FIGURES = {"figure_smgrnn_returns": 1, "figure_smgrnn_size": 1, "figure_smgrnn_ablation": 1,
                  "figure_smgrnn_topology": 1, "figure_smgrnn_window": 1}
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


def test_the_smoke_build_plans_nothing(build):
    """The undamaged build is complete: the job sets planned after a deletion are that deletion's alone (each test
    restores what it damaged)."""
    assert planned_jobs(snakemake(build, "-n", "--cores", "1", *SMOKE).stdout) == {}


@pytest.mark.slow
@pytest.mark.parametrize("relative, expected", [
    ("results/experts/CartPole-v1/seed0/policy.eqx",
     {"train_expert": 1, "expert_gate": 1, "distill_smgrnn": 4, "distill_mlp_matched": 1, "family_tables": 2,
      "figure_expert_curves": 1, "figure_lndp_sample_efficiency": 1, **SMGRNN_FIGURES, **ANALYSIS}),
    ("results/experts/CartPole-v1/seed0/accepted.json",
     {"expert_gate": 1, "distill_smgrnn": 4, "distill_mlp_matched": 1, "family_tables": 1, **SMGRNN_FIGURES,
      **ANALYSIS}),
    ("results/smgrnn/CartPole-v1/mlp_16/seed0/graph.npz",
     {"distill_smgrnn": 1, "family_tables": 1, **SMGRNN_FIGURES, **ANALYSIS}),
    ("results/lndp/CartPole-v1/full/seed0/best.eqx",
     {"evolve_lndp": 1, "family_tables": 1, **LNDP_FIGURES, **ANALYSIS}),
    ("results/tables/groups.csv", {"statistics": 1, "all": 1}),
])
def test_a_deleted_artifact_reruns_exactly_its_job_and_dependants(build, damage, relative, expected):
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


def flip_a_byte_keeping_time(path):
    stat = path.stat()
    flip_a_byte(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # Snakemake sees nothing


CHANGED = "does not match the sha256 recorded when it was written"


def test_verify_accepts_the_smoke_build(build):
    result = verify(build, "--no-dvc")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "14 run folder(s)" in result.stdout  # 10 runs, 1 transfer and 3 baselines


@pytest.mark.parametrize("relative, how, message", [
    ("results/lndp/CartPole-v1/full/seed0/best.eqx", delete,
     "results/lndp/CartPole-v1/full/seed0/best.eqx: missing"),
    ("results/smgrnn/CartPole-v1/full/seed0/metrics.parquet", truncate_keeping_time,
     "corrupt parquet file results/smgrnn/CartPole-v1/full/seed0/metrics.parquet"),
    ("results/lndp/CartPole-v1/no_sp/seed0/summary.json", write_json({}),
     "results/lndp/CartPole-v1/no_sp/seed0/summary.json lacks key 'task'"),
    ("results/smgrnn/CartPole-v1/mlp_16/seed0/summary.json", nan_late_reward,
     "results/smgrnn/CartPole-v1/mlp_16/seed0/summary.json: headline metric late_reward is None"),
    ("results/smgrnn/CartPole-v1/full/seed0/graph.npz", truncate_keeping_time,
     "results/smgrnn/CartPole-v1/full/seed0/graph.npz: unreadable npz archive"),
    ("results/experts/CartPole-v1/seed0/policy.eqx", flip_a_byte,
     "results/experts/CartPole-v1/seed0/policy.eqx: does not match the sha256"),
    ("results/tables/summary.csv", lambda p: p.write_bytes(b"\xff\xfe\x00garbage"),
     "corrupt CSV file results/tables/summary.csv"),
    # readable, complete and the right size: only the hash recorded when it was written tells
    ("results/lndp/CartPole-v1/full/seed0/best.eqx", flip_a_byte_keeping_time,
     f"results/lndp/CartPole-v1/full/seed0/best.eqx: {CHANGED}"),
    ("results/figures/lndp_fitness.png", flip_a_byte_keeping_time, f"results/figures/lndp_fitness.png: {CHANGED}"),
    ("results/tables/claims.tex", flip_a_byte_keeping_time, f"results/tables/claims.tex: {CHANGED}"),
    ("results/figures/expert_curves.pdf", delete,
     "results/figures/expert_curves.pdf: missing (its hash was recorded when it was written"),
    ("results/figures/expert_curves.pdf.sha256", delete,
     "results/figures/expert_curves.pdf: no hash recorded when it was written"),
    ("results/benchmarks/lndp/CartPole-v1/full/seed0.tsv", write_json({}),
     "results/benchmarks/lndp/CartPole-v1/full/seed0.tsv: not a Snakemake benchmark table"),
])
def test_verify_names_each_damaged_file(build, damage, relative, how, message):
    from plasticnets.analysis.verify import verify_results

    damage(relative, how)
    _, _, problems = verify_results(build, use_dvc=False)  # in this process: the command is tested below
    assert any(message in line for line in problems), problems


def test_verify_command_prints_one_line_per_problem_and_fails(build, damage):
    damage("results/lndp/CartPole-v1/full/seed0/best.eqx", flip_a_byte_keeping_time)
    damage("results/smgrnn/CartPole-v1/full/seed0/metrics.parquet", truncate_keeping_time)
    result = verify(build, "--no-dvc")
    assert result.returncode == 1
    assert f"results/lndp/CartPole-v1/full/seed0/best.eqx: {CHANGED} (changed since)" in result.stdout.splitlines()
    assert "corrupt parquet file results/smgrnn/CartPole-v1/full/seed0/metrics.parquet" in result.stdout
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr


def hashed_files(build):
    return sorted(p for p in (build / "results").rglob("*") if p.is_file() and not p.name.endswith(".sha256")
                  and "benchmarks" not in p.parts)


def test_every_file_a_rule_writes_has_its_hash_recorded(build):
    """The record is sha256sum's format: a user checks a folder with `sha256sum -c *.sha256`."""
    files = hashed_files(build)
    folders = {p.relative_to(build / "results").parts[0] for p in files}
    assert {"experts", "smgrnn", "lndp", "baselines", "tables", "figures", "config.resolved.yaml"} <= folders
    for path in files:
        record = path.with_name(path.name + ".sha256")
        assert record.is_file(), f"{path} has no hash record"
    table = build / "results" / "figures"
    checked = subprocess.run("sha256sum -c *.sha256", shell=True, cwd=table, capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.count(": OK") >= 2, checked.stdout + checked.stderr


def test_verify_names_a_flipped_byte_in_every_results_file(build, tmp_path):
    """One byte flipped (time kept) in every file under results/ at once: verify names each of them."""
    from plasticnets.analysis.verify import verify_results

    files = hashed_files(build)
    backup = tmp_path / "results"
    shutil.copytree(build / "results", backup)
    try:
        for path in files:
            flip_a_byte_keeping_time(path)
        _, hashed, problems = verify_results(build, use_dvc=False)
    finally:
        shutil.rmtree(build / "results")
        shutil.copytree(backup, build / "results")
    assert hashed == len(files) > 50
    named = {line.split(": ")[0] for line in problems if CHANGED in line}
    assert named == {str(p.relative_to(build)) for p in files}


def test_verify_names_a_run_in_the_wrong_folder(build, damage):
    other = json.loads((build / "results/smgrnn/CartPole-v1/mlp_16/seed0/summary.json").read_text())
    damage("results/smgrnn/CartPole-v1/full/seed0/summary.json", write_json(other))
    result = verify(build, "--no-dvc")
    assert ("results/smgrnn/CartPole-v1/full/seed0/summary.json: holds the run results/smgrnn/CartPole-v1/mlp_16/seed0"
            in result.stdout), result.stdout
    assert pd.read_csv(build / "results/tables/summary.csv").shape[0] == 14  # the tables themselves untouched


@pytest.mark.parametrize("relative, how, message", [
    ("results/lndp/CartPole-v1/full/seed0/lifetime.parquet", truncate_keeping_time,
     "corrupt parquet file results/lndp/CartPole-v1/full/seed0/lifetime.parquet"),
    ("results/lndp/CartPole-v1/full/seed0/best.eqx", flip_a_byte_keeping_time,
     f"results/lndp/CartPole-v1/full/seed0/best.eqx: {CHANGED}"),
])
def test_publish_refuses_a_damaged_tree_that_snakemake_calls_complete(build, damage, relative, how, message):
    """A damaged file with its time restored: Snakemake has nothing to do, verify names it, nothing is pushed."""
    from .test_dvc import make

    lock = build / "dvc.lock"  # another test of this module may have recorded one
    lock_before = lock.read_bytes() if lock.exists() else None
    damage(relative, how)
    assert planned_jobs(snakemake(build, "-n", "--cores", "1", *SMOKE).stdout) == {}
    result = make(build, "publish", check=False)
    assert result.returncode != 0
    assert message in result.stdout
    assert "refusing to push" in result.stderr
    assert (lock.read_bytes() if lock.exists() else None) == lock_before  # dvc commit never ran


def test_make_verify_checks_dvc_without_an_activated_environment(build, damage):
    """`make verify` from a shell whose PATH has no dvc: DVC's hashes are still compared, file by file."""
    from .test_dvc import BIN, dvc

    lock = build / "dvc.lock"
    lock_before = lock.read_bytes() if lock.exists() else None
    try:
        dvc(build, "commit", "--force", "--quiet")  # record the build in dvc.lock (no push)
        # (a new time: DVC trusts a file whose size and time it has seen, and would not re-hash it)
        damage("results/figures/lndp_fitness.png", flip_a_byte)
        env = pipeline_env({**os.environ, "PATH": "/usr/bin:/bin"})
        result = subprocess.run(["make", "--no-print-directory", "-o", "setup", "verify", f"BIN={BIN}"],
                                cwd=build, capture_output=True, text=True, env=env)
    finally:
        lock.write_bytes(lock_before) if lock_before is not None else lock.unlink()
    assert result.returncode != 0
    assert "results/figures/lndp_fitness.png: modified since dvc.lock (DVC's hashes)" in result.stdout, result.stdout
    assert f"results/figures/lndp_fitness.png: {CHANGED}" in result.stdout


def test_a_dvc_that_cannot_run_is_a_problem_not_a_skip(tmp_path, monkeypatch):
    from plasticnets.analysis import verify as verify_module

    (tmp_path / "dvc.lock").write_text("schema: '2.0'\nstages: {}\n")
    failed = subprocess.CompletedProcess(["dvc"], 1, "", "/x/python: No module named dvc\n")
    monkeypatch.setattr(verify_module, "_dvc", lambda root, *args: failed)
    problems = verify_module._dvc_problems(tmp_path)
    assert len(problems) == 1 and "cannot check DVC's hashes" in problems[0] and "No module named dvc" in problems[0]


def test_every_attempt_of_a_job_keeps_its_log(build, damage, tmp_path):
    """Snakemake deletes a job's log before it reruns the job; `<log>.attempts` keeps every attempt, each after a
    header, with its exit status (a killed attempt has a header and no status)."""
    log = build / "logs" / "tables" / "statistics.log"
    attempts = log.with_name("statistics.log.attempts")
    assert attempts.read_text().count("===== attempt started") == 1  # the smoke build's own
    summary = build / "results" / "tables" / "summary.csv"
    shutil.copy2(summary, tmp_path / "summary.csv")
    damage("results/tables/summary.csv", lambda p: p.write_bytes(b"\xff\xfe\x00garbage"))
    failed = snakemake(build, "results/tables/groups.csv", "--cores", "1", *SMOKE, check=False)
    assert failed.returncode != 0
    first_error = log.read_text()
    assert "plasticnets stats: error: corrupt CSV file" in first_error, first_error
    shutil.copy2(tmp_path / "summary.csv", summary)
    snakemake(build, "results/tables/groups.csv", "--cores", "1", *SMOKE)
    assert "plasticnets stats: error" not in log.read_text()  # the current log: the last attempt only
    history = attempts.read_text()
    assert history.count("===== attempt started") == 3
    assert first_error.strip() in history and "===== attempt failed: exit 1 =====" in history
    assert history.rstrip().endswith("===== attempt finished =====")


def test_a_write_records_the_hash_of_what_it_wrote(tmp_path):
    from plasticnets.io import read_hash_record, sha256_file, write_json

    path = tmp_path / "run" / "summary.json"
    write_json(path, {"a": 1})
    assert read_hash_record(path) == sha256_file(path)
    assert (tmp_path / "run" / "summary.json.sha256").read_text() == f"{sha256_file(path)}  summary.json\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["summary.json", "summary.json.sha256"]  # no temp file
    write_json(path, {"a": 2})  # a rewrite records the new hash
    assert read_hash_record(path) == sha256_file(path)
