"""The SLURM profile on a real cluster: a single-node SLURM (munged, slurmctld, slurmd) started on localhost
for this module runs the smoke expert stage through `--profile profiles/slurm`.

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
                    "MinJobAge=600",  # finished jobs stay visible to squeue (the status command here)
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


@pytest.mark.slow
def test_smoke_experts_run_through_the_slurm_profile(cluster, copy_repo, tmp_path):
    repo = copy_repo(tmp_path / "repo")
    command = [
        sys.executable, "-m", "snakemake", "experts", "--profile", "profiles/slurm",
        # the test cluster: no GPU, a small node, no accounting database (status from squeue)
        "--set-resources", "train_expert:gpu=0", "evolve_lndp:gpu=0",
        "--default-resources", "mem_mb=1000", "runtime=30",
        "--slurm-no-account", "--slurm-status-command", "squeue",
        "--slurm-init-seconds-before-status-checks", "3", "--slurm-keep-successful-logs",
        "--latency-wait", "5",
        "--configfile", "config/smoke.yaml",
    ]
    result = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=cluster.env, timeout=900)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        job_logs = "\n".join(f"--- {log}\n{log.read_text()[-3000:]}" for log in sorted(repo.glob(".snakemake/slurm_logs/**/*.log")))
        pytest.fail(f"snakemake on SLURM failed:\n{output[-6000:]}\n{job_logs}\n{cluster.logs()}")

    for task in ("CartPole-v1", "LunarLander-v3"):
        run = repo / "results" / "experts" / task / "seed0"
        assert read_json(run / "summary.json")["task"] == task
        assert read_json(run / "accepted.json")["enforced"] is False
        assert (run / "policy.eqx").stat().st_size > 0

    # Every job went through SLURM: Snakemake names each SLURM job id, SLURM knows them all as
    # completed, and each left its SLURM log (kept with --slurm-keep-successful-logs).
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+) \(log: (\S+?)\)\.", output)
    assert len(submitted) == 4, output[-4000:]  # train_expert and expert_gate for 2 tasks
    states = dict(
        line.split("|") for line in cluster.run("squeue", "--states=all", "--noheader", "--format=%i|%T").stdout.split()
    )
    for jobid, log in submitted:
        assert states.get(jobid) == "COMPLETED", (jobid, states)
        assert Path(repo / log if not Path(log).is_absolute() else log).exists()
    assert "Nothing to be done" in subprocess.run(
        [sys.executable, "-m", "snakemake", "experts", "-n", "--configfile", "config/smoke.yaml"],
        cwd=repo, capture_output=True, text=True,
    ).stdout


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
    assert counts == {"train_expert": 3 * 10, "evolve_lndp": (5 + 5 + 1 + 1 + 3 + 3) * 5 + 2}
