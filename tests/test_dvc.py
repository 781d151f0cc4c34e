"""DVC: dvc.yaml mirrors the Snakefile's families, and results survive a publish / clone / fetch round trip."""

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, git, pipeline_env, planned_jobs, snakemake

BIN = Path(sys.executable).parent  # this environment's snakemake and dvc, for the Makefile's targets
SMOKE = "--configfile config/smoke.yaml"


def snakefile_families() -> list[str]:
    """The family targets `rule all` gathers in the Snakefile (`rules.<family>.input`)."""
    text = (ROOT / "Snakefile").read_text()
    rule_all = re.search(r"^rule all:\n((?:[ \t]+.*\n|\n)*)", text, re.M)
    assert rule_all, "Snakefile has no `rule all`"
    return re.findall(r"rules\.(\w+)\.input", rule_all.group(1))


def rule_file(family: str) -> str:
    """The rule file that defines the family's target rule."""
    found = [p for p in sorted((ROOT / "workflow" / "rules").glob("*.smk"))
             if re.search(rf"^rule {family}:", p.read_text(), re.M)]
    assert len(found) == 1, f"rule {family} is defined in {found}"
    return found[0].relative_to(ROOT).as_posix()


def stages() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def out_paths(stage: dict) -> list[str]:
    return [next(iter(out)) if isinstance(out, dict) else out for out in stage["outs"]]


def test_dvc_stages_match_snakefile_families():
    families = snakefile_families()
    assert len(families) >= 5 and {"experts", "smgrnn", "lndp", "tables", "figures"} <= set(families)
    dvc = stages()
    assert sorted(dvc) == sorted(families), "dvc.yaml needs exactly one stage per family of the Snakefile's rule all"
    for family in families:
        stage = dvc[family]
        assert stage["cmd"] == f"snakemake --cores all {family}"
        deps = stage["deps"]
        assert rule_file(family) in deps, f"stage {family} must depend on the rule file defining `rule {family}`"
        all_outs = {out for other in dvc.values() for out in out_paths(other)}
        for dep in deps:
            if dep.startswith("results/"):  # upstream results: another family's outs
                assert dep in all_outs, f"stage {family}: dependency {dep} is no stage's out"
            else:
                assert (ROOT / dep).exists(), f"stage {family}: dependency {dep} does not exist"
        for entry in stage.get("params", []):
            for path, keys in entry.items():
                config = yaml.safe_load((ROOT / path).read_text())
                assert all(key in config for key in keys), f"stage {family}: {path} lacks {keys}"
        outs = out_paths(stage)
        assert outs and all(out.startswith("results/") for out in outs)


def test_dvc_outs_cover_every_output_snakemake_writes(copy_repo, tmp_path):
    """Every output (and its hash record) and benchmark file of every job lies under exactly one DVC out; a fetched
    copy is complete."""
    repo = copy_repo(tmp_path / "repo")
    plan = snakemake(repo, "-n", "--forceall", "--cores", "1").stdout
    files = set()
    for kind, paths in re.findall(r"^\s+(output|benchmark): (.+)$", plan, re.M):
        files.update(path.strip() for path in paths.split(","))
        if kind == "output":  # and the hash each output records beside it (plasticnets.io)
            files.update(path.strip() + ".sha256" for path in paths.split(","))
    assert len(files) > 100
    outs = {out: family for family, stage in stages().items() for out in out_paths(stage)}
    uncovered = []
    covered = {family: 0 for family in stages()}
    for path in sorted(files):
        owners = [out for out in outs if path == out or path.startswith(out + "/")]
        if len(owners) != 1:
            uncovered.append(f"{path}: {owners or 'no DVC out'}")
        else:
            covered[outs[owners[0]]] += 1
    assert not uncovered, "files Snakemake writes need exactly one DVC out in dvc.yaml:\n" + "\n".join(uncovered)
    assert all(covered.values()), covered


def make(repo: Path, target: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """A Makefile target of `repo`, run with this environment (the clone has no .venv of its own)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", "setup", target, f"BIN={BIN}", f"SNAKEMAKE_ARGS={SMOKE}", *args],
        cwd=repo, capture_output=True, text=True, env=pipeline_env(),
    )
    if check and result.returncode != 0:
        raise AssertionError(f"make {target} failed:\n{result.stdout}\n{result.stderr}")
    return result


def dvc(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(BIN / "dvc"), *args], cwd=repo, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"dvc {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def clone(origin: Path, dest: Path, remote: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(origin), str(dest)], check=True, capture_output=True)
    dvc(dest, "remote", "modify", "--local", "local", "url", str(remote))  # never the user's default remote
    return dest


def job_reasons(plan: str) -> list[tuple[str, str]]:
    """(rule, reason) of every job in a dry run's plan."""
    return re.findall(r"^(?:local)?rule (\w+):\n(?:[ \t]+(?!reason:).*\n)*?[ \t]+reason: (.*)$", plan, re.M)


def md5_object(remote_or_cache: Path, file: Path) -> Path:
    digest = hashlib.md5(file.read_bytes()).hexdigest()
    return remote_or_cache / "files" / "md5" / digest[:2] / digest[2:]


@pytest.mark.slow
def test_publish_clone_fetch_round_trip(smoke_repo, tmp_path):
    # Publishing commits to the repository: on a copy (times kept), since other tests read the shared build.
    smoke_repo = Path(shutil.copytree(smoke_repo, tmp_path / "published", symlinks=True))
    remote = tmp_path / "remote"
    dvc(smoke_repo, "remote", "modify", "--local", "local", "url", str(remote))
    published = make(smoke_repo, "publish")
    assert "nothing to be done" in published.stdout and (remote / "files" / "md5").is_dir()
    assert git(smoke_repo, "diff", "--cached", "--name-only").stdout.split() == ["dvc.lock"]  # staged, ready
    git(smoke_repo, "commit", "--quiet", "-m", "Publish smoke results")

    # A colleague's fresh clone: fetch, then Snakemake plans nothing.
    work = clone(smoke_repo, tmp_path / "clone", remote)
    assert not (work / "results").exists()
    fetched = make(work, "fetch")
    assert "nothing to be done" in fetched.stdout
    figure = work / "results" / "figures" / "expert_curves.pdf"
    assert figure.read_bytes() == (smoke_repo / "results" / "figures" / "expert_curves.pdf").read_bytes()

    # (a) nothing to do; (b) one figure rebuilds alone from its table.
    assert "Nothing to be done" in snakemake(work, "-n", "--cores", "1", *SMOKE.split()).stdout
    figure.unlink()
    rebuilt = snakemake(work, "results/figures/expert_curves.pdf", "--cores", "1", *SMOKE.split())
    assert planned_jobs(rebuilt.stdout + rebuilt.stderr) == {"figure_expert_curves": 1}
    assert figure.read_bytes()[:5] == b"%PDF-"

    # (c) one config value (LNDP evaluation lifetimes) reruns exactly the jobs that depend on it:
    # the LNDP runs, then what reads them; nothing of the experts or SMGrNN.
    config = work / "config" / "smoke.yaml"
    text = config.read_text()
    assert text.count("  eval_lifetimes: 2\n") == 1
    config.write_text(text.replace("  eval_lifetimes: 2\n", "  eval_lifetimes: 4\n"))  # even: Foraging halves them
    plan = snakemake(work, "-n", "--cores", "1", *SMOKE.split()).stdout
    jobs = planned_jobs(plan)
    assert jobs.pop("evolve_lndp") == 3 and jobs.pop("family_tables") == 3  # lndp, transfer and baselines
    assert jobs.pop("trivial_baselines") == 2  # the empty LNDP on each LNDP task, on the new lifetimes
    assert jobs.pop("transfer_lndp") == 1  # evaluated on the target's lifetimes, now 4
    changed = [rule for rule, reason in job_reasons(plan) if reason.startswith("Params have changed")]
    assert changed.count("evolve_lndp") == 3, changed
    assert any(rule.startswith("figure_lndp") for rule in jobs), jobs
    # (the expert and SMGrNN figures redraw: they read the baselines table, whose LNDP rows changed)
    upstream = ("train_expert", "expert_", "distill_", "smgrnn_")
    assert not [rule for rule in jobs if rule.startswith(upstream)], jobs
    config.write_text(text)

    # (d) corruption is reported by DVC, never used. In the cache: DVC sees it, and a fetch restores the file.
    target = work / "results" / "tables" / "experts_summary.csv"
    good = target.read_bytes()
    cached = md5_object(work / ".dvc" / "cache", target)
    cached.chmod(0o644)
    cached.write_bytes(b"corrupted\n")
    assert "not in cache" in dvc(work, "status").stdout
    target.unlink()
    make(work, "fetch")
    assert target.read_bytes() == good

    # In the remote: a fresh clone's fetch fails with DVC's error, and the bad bytes are not checked out.
    stored = md5_object(remote, target)
    stored.chmod(0o644)
    stored.write_bytes(b"corrupted\n")
    other = clone(smoke_repo, tmp_path / "clone2", remote)
    failed = make(other, "fetch", check=False)
    assert failed.returncode != 0
    assert "ERROR: failed to pull data from the cloud" in failed.stderr, failed.stderr
    assert "results/tables" in failed.stderr
    assert not (other / "results" / "tables" / "experts_summary.csv").exists()
    assert "results/tables" in dvc(other, "status").stdout


# The long run at the smallest size that still evolves and evaluates (a real CartPole run, two generations).
TINY_LONG_RUN = """scale: lndp_long
lndp:
  tasks: [CartPole-v1]
  seeds: [0]
  model: {dev_steps: 2}
  evolution:
    population_size: 4
    checkpoint_every: 1
    generations: {CartPole-v1: GENERATIONS}
  variants:
    - {name: full}
"""


@pytest.mark.slow
def test_the_long_run_continues_on_another_machine(copy_repo, tmp_path):
    """make lndp-long-push puts the long run's checkpoint on the DVC remote and stages its .dvc files; a fresh clone
    pulls exactly those bytes with make lndp-long-pull, and make lndp-long there continues from that generation."""
    origin = copy_repo(tmp_path / "origin")
    (origin / "config" / "lndp_long.yaml").write_text(TINY_LONG_RUN.replace("GENERATIONS", "2"))
    git(origin, "init", "--quiet")
    git(origin, "add", "--all")
    git(origin, "commit", "--quiet", "-m", "project with a tiny long run")
    remote = tmp_path / "remote"
    dvc(origin, "remote", "modify", "--local", "local", "url", str(remote))
    tiny = ["LNDP_LONG_CPU_DEVICES=1", "LNDP_LONG_ARGS=--eval-lifetimes 2"]

    early = clone(origin, tmp_path / "early", remote)  # before anyone pushed: a message, not DVC's traceback
    refused = make(early, "lndp-long-pull", check=False)
    assert refused.returncode != 0 and "nobody has pushed the long run yet" in refused.stderr, refused.stderr

    make(origin, "lndp-long", *tiny)
    pushed = make(origin, "lndp-long-push")
    assert "checkpoint at generation 2 is on the DVC remote" in pushed.stdout, pushed.stdout
    staged = git(origin, "diff", "--cached", "--name-only").stdout.split()
    assert staged == ["checkpoints/lndp_long.dvc", "results/lndp_long.dvc"], staged
    git(origin, "commit", "--quiet", "-m", "Long LNDP run: checkpoint")

    other = clone(origin, tmp_path / "other", remote)
    pulled = make(other, "lndp-long-pull")
    assert "checkpoint at generation 2" in pulled.stdout, pulled.stdout
    for folder in ("checkpoints/lndp_long", "results/lndp_long"):
        files = sorted(p.relative_to(origin) for p in (origin / folder).rglob("*") if p.is_file())
        assert files and files == sorted(p.relative_to(other) for p in (other / folder).rglob("*") if p.is_file())
        for file in files:
            assert (other / file).read_bytes() == (origin / file).read_bytes(), file

    # There, one more generation, on two CPU devices instead of one: it resumes, it does not start again.
    (other / "config" / "lndp_long.yaml").write_text(TINY_LONG_RUN.replace("GENERATIONS", "3"))
    make(other, "lndp-long", "LNDP_LONG_CPU_DEVICES=2", "LNDP_LONG_ARGS=--eval-lifetimes 2")
    log = (other / "logs" / "lndp_long.log").read_text()
    assert re.search(r"resuming from \S+ at generation 2 of 3", log), log[-3000:]
    summary = json.loads((other / "results/lndp_long/CartPole-v1/full/seed0/summary.json").read_text())
    assert summary["generations"] == 3
