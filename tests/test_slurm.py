"""The SLURM profile on a real cluster: a single-node SLURM (munged, slurmctld, slurmd) started on localhost
for this module runs an LNDP job through `--profile profiles/slurm` under a time limit that the job outlives.

The daemons run in the foreground (no systemd) with their configuration, key, sockets, state and logs in a
temporary directory and ports of their own, so a SLURM already on the machine is left alone. There is no
slurmdbd: no accounting, hence no account (`--slurm-no-account`) and job status from squeue. The machine has
no GPU, so the test sets the profile's `gpu=1` requests to 0. Every daemon is stopped by its process id.
"""

import getpass
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from plasticnets.io import read_json

INSTALL = "install with: apt-get install munge slurmctld slurmd  (Debian/Ubuntu; .ci/run does it in CI)"
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/local/sbin"])
PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "scancel", "sinfo", "scontrol")


def _programs() -> dict[str, str]:
    found = {name: shutil.which(name, path=SEARCH_PATH) for name in PROGRAMS}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        pytest.skip(f"SLURM test needs {', '.join(missing)}; {INSTALL}")
    return found


def _free_ports(count: int) -> list[int]:
    """Ports free right now, distinct (all held open until each is known)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _node_line(slurmd: str, node: str) -> str:
    """This machine as a slurm.conf node: the topology `slurmd -C` reports, with some memory left over."""
    probe = subprocess.run([slurmd, "-C"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    fields = dict(item.split("=", 1) for item in probe.split())
    keep = ["CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore"]
    memory = max(1024, int(int(fields["RealMemory"]) * 0.8))
    return f"NodeName={node} NodeAddr=127.0.0.1 " + " ".join(f"{k}={fields[k]}" for k in keep if k in fields) + (
        f" RealMemory={memory} State=UNKNOWN"
    )


class Cluster:
    """munged + slurmctld + slurmd in the foreground, everything under `root`."""

    def __init__(self, programs: dict[str, str], root: Path):
        self.programs, self.root = programs, root
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.node = socket.gethostname().split(".")[0]
        user = getpass.getuser()
        for sub in ("munge", "state", "spool", "log"):
            (root / sub).mkdir()
        key = root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self.munge_socket = root / "munge" / "munge.socket"
        self.conf = root / "slurm.conf"
        ctld_port, slurmd_port = _free_ports(2)
        self.conf.write_text(
            "\n".join(
                [
                    "ClusterName=plasticnets-test",
                    f"SlurmctldHost={self.node}(127.0.0.1)",
                    f"SlurmctldPort={ctld_port}",
                    f"SlurmdPort={slurmd_port}",
                    f"SlurmUser={user}",
                    f"SlurmdUser={user}",
                    "AuthType=auth/munge",
                    "CredType=cred/munge",
                    f"AuthInfo=socket={self.munge_socket}",
                    f"StateSaveLocation={root / 'state'}",
                    f"SlurmdSpoolDir={root / 'spool'}",
                    f"SlurmctldPidFile={root / 'slurmctld.pid'}",
                    f"SlurmdPidFile={root / 'slurmd.pid'}",
                    f"SlurmctldLogFile={root / 'log' / 'slurmctld.log'}",
                    f"SlurmdLogFile={root / 'log' / 'slurmd.log'}",
                    "ProctrackType=proctrack/linuxproc",
                    "TaskPlugin=task/none",
                    "SelectType=select/cons_tres",
                    "SelectTypeParameters=CR_Core_Memory",
                    "MpiDefault=none",
                    "ReturnToService=2",
                    "SchedulerType=sched/backfill",
                    "AccountingStorageType=accounting_storage/none",
                    "JobAcctGatherType=jobacct_gather/none",
                    "JobCompType=jobcomp/none",
                    "MailProg=/bin/true",
                    "MinJobAge=3600",  # finished jobs stay visible to squeue (the status command here) for the whole test
                    "KillWait=5",
                    _node_line(programs["slurmd"], self.node),
                    "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
                    "",
                ]
            )
        )
        # The jobstep plugin drops SLURM_* variables (SLURM_CONF too) before the `srun` it runs inside each job;
        # a real cluster keeps its config where srun looks by default, this one needs an srun that names it.
        wrappers = root / "bin"
        wrappers.mkdir()
        (wrappers / "srun").write_text(f'#!/bin/sh\nSLURM_CONF="{self.conf}" exec "{programs["srun"]}" "$@"\n')
        (wrappers / "srun").chmod(0o755)
        # (the default XLA flags, not the other pipeline tests' -O0: this test's job is bound by its generations,
        # which run slower unoptimised, not by compilation)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
        self.env.update(SLURM_CONF=str(self.conf), PATH=f"{wrappers}{os.pathsep}{self.env.get('PATH', '')}")

    def _start(self, name: str, args: list[str]) -> None:
        out = open(self.root / "log" / f"{name}.out", "wb")
        process = subprocess.Popen([self.programs[name], *args], stdout=out, stderr=subprocess.STDOUT, env=self.env)
        out.close()
        self.processes.append((name, process))

    def _wait(self, what: str, ready, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for name, process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode} while waiting for {what}:\n{self.logs()}")
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out waiting for {what}:\n{self.logs()}")

    def start(self) -> None:
        munge = self.root / "munge"
        self._start(
            "munged",
            ["--foreground", f"--socket={self.munge_socket}", f"--key-file={munge / 'munge.key'}",
             f"--log-file={munge / 'munged.log'}", f"--pid-file={munge / 'munged.pid'}",
             f"--seed-file={munge / 'munged.seed'}"],
        )
        self._wait("munged", self.munge_socket.exists)
        self._start("slurmctld", ["-D", "-f", str(self.conf)])
        self._start("slurmd", ["-D", "-f", str(self.conf), "-N", self.node])
        self._wait("the node to be idle", lambda: "idle" in self.run("sinfo", "-h", "-o", "%T", check=False).stdout)

    def run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([self.programs[program], *args], capture_output=True, text=True, env=self.env, check=check)

    def logs(self) -> str:
        parts = []
        for path in sorted((self.root / "log").glob("*")) + [self.root / "munge" / "munged.log"]:
            if path.exists():
                parts.append(f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-30:]))
        return "\n".join(parts)

    def stop(self) -> None:
        """Cancel what is left in the queue, then stop each daemon this cluster started, by its process id."""
        if any(name == "slurmctld" and p.poll() is None for name, p in self.processes):
            self.run("scancel", "--user", getpass.getuser(), check=False)
        for name, process in reversed(self.processes):
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait()


@pytest.fixture(scope="module")
def cluster():
    programs = _programs()
    root = Path(tempfile.mkdtemp(prefix="plasticnets-slurm-"))
    root.chmod(0o755)  # munged wants every directory on the way to its socket open to all
    slurm = Cluster(programs, root)
    try:
        slurm.start()
        yield slurm
    finally:
        slurm.stop()
        shutil.rmtree(root, ignore_errors=True)


# The smoke config's LNDP on non-stationary Foraging, checkpointed every generation. How long it runs does not
# matter: the test freezes the first attempt once it has a checkpoint (_freeze_first_attempt), so that attempt
# outlives its 1-minute limit on any machine. (Timing alone did not: in CI a first attempt sized to outlive the
# minute finished its generations inside it and was stopped while evaluating, so there was no generation left to
# resume.) Few generations, so the second attempt ends before the SLURM executor's third status check (39 s after
# submitting; its checks come at 3 s, then 10 s further apart each time): the test's time is mostly waiting.
GENERATIONS = 12
TIME_LIMITED = f"""
lndp:
  tasks: [Foraging-nonstationary]
  evolution:
    population_size: 16
    checkpoint_every: 1
    generations: {{Foraging-nonstationary: {GENERATIONS}}}
  variants:
    - {{name: full}}
"""
LNDP_RUN = "results/lndp/Foraging-nonstationary/full/seed0"
LNDP_CHECKPOINT = "checkpoints/" + LNDP_RUN.removeprefix("results/")  # the job's --checkpoint


def _evolve_processes(repo: Path) -> list[int]:
    """Process ids of the `plasticnets evolve` programs running in `repo` with its own checkpoint folder (the job's;
    not the reference run's, whose checkpoint is elsewhere; not the shell around it, whose command is one string)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().decode().split("\0")
            here = Path(os.readlink(proc / "cwd")) == repo.resolve()
        except (OSError, ValueError):
            continue
        if here and "evolve" in argv and LNDP_CHECKPOINT in argv:
            found.append(int(proc.name))
    return found


def _freeze_first_attempt(repo: Path, snakemake: subprocess.Popen, timeout: float = 600) -> int:
    """Once the first attempt has written a checkpoint past generation 0, stop (SIGSTOP) its evolve process: a job
    that now outlives its time limit whatever the machine's speed. SLURM ends it at the limit (SIGCONT, SIGTERM,
    then SIGKILL), exactly as it ends a job that is merely slow. Returns the checkpoint's generation when frozen."""
    meta = repo / LNDP_CHECKPOINT / "checkpoint.json"
    end = time.monotonic() + timeout
    while time.monotonic() < end and snakemake.poll() is None:
        try:
            generation = read_json(meta)["generation"]
        except (OSError, ValueError, KeyError):
            generation = 0
        processes = _evolve_processes(repo) if generation > 0 else []
        if processes:
            for pid in processes:
                os.kill(pid, signal.SIGSTOP)
            return generation
        time.sleep(0.1)
    raise AssertionError(f"the first attempt wrote no checkpoint in {timeout:.0f} s (or snakemake ended first)")


@pytest.mark.slow
def test_a_time_limited_lndp_job_resumes_to_the_uninterrupted_result(cluster, copy_repo, tmp_path):
    """The SLURM profile runs an LNDP job under a 1-minute time limit that the job outlives: SLURM stops it
    (TIMEOUT), Snakemake resubmits it (the profile's retries), the new attempt resumes from the checkpoint, and
    the run folder ends with exactly the numbers of the same run made in one go (outside SLURM, meanwhile)."""
    repo = copy_repo(tmp_path / "repo")
    (repo / "config" / "time_limited.yaml").write_text(TIME_LIMITED)
    configs = ["config/config.yaml", "config/smoke.yaml", "config/time_limited.yaml"]
    reference = tmp_path / "reference"
    uninterrupted = subprocess.Popen(
        [sys.executable, "-m", "plasticnets", "evolve", "--config", *configs, "--task", "Foraging-nonstationary",
         "--variant", "full", "--seed", "0", "--out", str(reference), "--checkpoint", str(tmp_path / "ref-ckpt"),
         "--eval-lifetimes", "2", "--eval-seed", "1000000", "--cpu-devices", "1"],
        cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    command = [
        sys.executable, "-m", "snakemake", f"{LNDP_RUN}/summary.json", "--profile", "profiles/slurm",
        # the test cluster: no GPU, a small node, no accounting database (status from squeue). The first attempt
        # gets 1 minute, which it outlives (frozen below); a resubmission 30
        "--set-resources", "evolve_lndp:gpu=0", "evolve_lndp:runtime=1 if attempt == 1 else 30",
        "evolve_lndp:mem_mb=2000",
        "--slurm-no-account", "--slurm-status-command", "squeue",
        "--slurm-init-seconds-before-status-checks", "3", "--slurm-keep-successful-logs",
        "--latency-wait", "5",
        "--configfile", *configs[1:],
    ]
    with open(tmp_path / "snakemake.out", "w+") as out:
        slurm_run = subprocess.Popen(command, cwd=repo, stdout=out, stderr=subprocess.STDOUT, text=True,
                                     env=cluster.env)
        try:
            frozen_at = _freeze_first_attempt(repo, slurm_run)
            slurm_run.wait(timeout=1200)
        finally:
            if slurm_run.poll() is None:
                slurm_run.kill()
        out.seek(0)
        output = out.read()
    _, reference_errors = uninterrupted.communicate(timeout=600)
    assert uninterrupted.returncode == 0, reference_errors[-3000:]
    if slurm_run.returncode != 0:
        job_logs = "\n".join(f"--- {log}\n{log.read_text()[-3000:]}" for log in sorted(repo.glob(".snakemake/slurm_logs/**/*.log")))
        pytest.fail(f"snakemake on SLURM failed:\n{output[-6000:]}\n{job_logs}\n{cluster.logs()}")

    # Every attempt went through SLURM: the first stopped at the time limit, the second completed.
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+) \(log: (\S+?)\)\.", output)
    states = dict(
        line.split("|") for line in cluster.run("squeue", "--states=all", "--noheader", "--format=%i|%T").stdout.split()
    )
    attempts = [states.get(jobid) for jobid, _ in submitted]
    assert attempts == ["TIMEOUT", "COMPLETED"], attempts
    # ... and the second went on from the checkpoint the first had written (the one it was frozen at, or one the
    # first wrote between that and the freeze)
    log = (repo / "logs/lndp/Foraging-nonstationary/full/seed0.log.attempts").read_text()
    resumed = [int(g) for g in re.findall(rf"resuming from \S+ at generation (\d+) of {GENERATIONS}", log)]
    assert len(resumed) == 1 and frozen_at <= resumed[0] < GENERATIONS, (frozen_at, log[-4000:])

    # The numbers of the run made in one go: every generation's statistics, the parameters, the evaluation.
    run = repo / LNDP_RUN
    columns = lambda table: table.drop(columns="wall_s")  # noqa: E731
    pd.testing.assert_frame_equal(columns(pd.read_parquet(run / "metrics.parquet")),
                                  columns(pd.read_parquet(reference / "metrics.parquet")))
    for name in ("best.eqx", "mean.eqx", "lifetime.parquet"):
        assert (run / name).read_bytes() == (reference / name).read_bytes(), name
    ours, theirs = read_json(run / "summary.json"), read_json(reference / "summary.json")
    assert ours["eval_best"] == theirs["eval_best"] and ours["eval_mean"] == theirs["eval_mean"]
    assert ours["generations"] == GENERATIONS


def test_paper_scale_plan_through_the_slurm_profile(copy_repo, tmp_path):
    """The profile's resources at paper scale (a dry run needs no cluster): GPUs for expert training and LNDP
    evolution only, the profile's defaults everywhere else."""
    repo = copy_repo(tmp_path / "repo")
    plan = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--profile", "profiles/slurm", "--configfile", "config/paper.yaml"],
        cwd=repo, capture_output=True, text=True, check=True,
    ).stdout
    jobs = re.findall(r"^(?:local)?rule (\w+):\n(?:[ \t]+(?!resources:).*\n)*?[ \t]+resources: (.*)$", plan, re.M)
    assert len(jobs) > 400
    gpu_rules = {"train_expert", "evolve_lndp"}
    for rule, resources in jobs:
        assert ("gpu=1" in resources.split(", ")) == (rule in gpu_rules), (rule, resources)
        assert "runtime=" in resources and "mem_mb=" in resources, (rule, resources)
    counts = {rule: sum(r == rule for r, _ in jobs) for rule in gpu_rules}
    assert counts == {"train_expert": 3 * 10, "evolve_lndp": (5 + 5 + 1 + 1 + 3 + 3 + 1 + 1) * 5 + 2}
