"""The command line: help for every command, and the expert gate's verdicts."""

import json
import os
import subprocess
import sys

import jax
import pytest

from plasticnets.cli import build_parser, main

COMMANDS = ["train-expert", "check-expert", "distill", "evolve", "validate-config", "plan", "collect", "figure"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    assert "usage: plasticnets" in capsys.readouterr().out


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "plasticnets", "--help"], capture_output=True, text=True, check=True)
    for command in COMMANDS:
        assert command in out.stdout


def summary(tmp_path, mean):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({
        "task": "CartPole-v1", "seed": 2, "threshold": 475.0, "policy_sha256": "x",
        "eval": {"mean": mean, "episodes": 100},
    }))
    return path


def test_gate_rejects_a_weak_expert_with_a_clear_message(tmp_path, capsys):
    out = tmp_path / "accepted.json"
    code = main(["check-expert", "--summary", str(summary(tmp_path, 300.0)), "--out", str(out), "--enforce"])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "expert gate failed: CartPole-v1 seed 2: greedy mean return 300.00" in err
    assert "experts.ppo.CartPole-v1.total_steps" in err


def test_gate_records_when_not_enforced(tmp_path):
    out = tmp_path / "accepted.json"
    assert main(["check-expert", "--summary", str(summary(tmp_path, 300.0)), "--out", str(out), "--no-enforce"]) == 0
    assert json.loads(out.read_text())["solved"] is False


def test_gate_accepts_a_solved_expert(tmp_path):
    out = tmp_path / "accepted.json"
    assert main(["check-expert", "--summary", str(summary(tmp_path, 500.0)), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["solved"] is True


def test_missing_summary_is_named(tmp_path, capsys):
    assert main(["check-expert", "--summary", str(tmp_path / "nope.json"), "--out", str(tmp_path / "a.json")]) == 1
    assert "nope.json" in capsys.readouterr().err


@pytest.mark.parametrize("seed", ["-3", str(2**32)])
def test_bad_seed_argument(capsys, seed):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train-expert", "--task", "CartPole-v1", "--seed", seed, "--out", "x"])
    assert "non-negative integer up to 4294967295" in capsys.readouterr().err
    args = build_parser().parse_args(["train-expert", "--task", "CartPole-v1", "--seed", str(2**32 - 1), "--out", "x"])
    assert args.seed == 2**32 - 1


def test_evolve_names_a_checkpoint_from_other_settings(tmp_path, capsys):
    checkpoint = tmp_path / "run" / "checkpoint"
    checkpoint.mkdir(parents=True)
    (checkpoint / "checkpoint.json").write_text(json.dumps({"generation": 1, "fingerprint": "other", "seed": 0}))
    settings = {"model": {"n_nodes": 8}, "lifetime": {"n_episodes": 1, "l1_penalty": 0.0},
                "evolution": {"population_size": 4, "generations": 1, "checkpoint_every": 1}}
    code = main(["evolve", "--task", "Foraging-stationary", "--variant", "full", "--seed", "0",
                 "--settings", json.dumps(settings), "--out", str(tmp_path / "run")])
    assert code == 1
    err = capsys.readouterr().err
    assert "checkpoint.json was made with other settings" in err and "delete" in err


@pytest.fixture
def dispatch_mode_restored():
    """This worker's own JAX dispatch mode, back after a test that sets it."""
    asynchronous = jax.config.read("jax_cpu_enable_async_dispatch")
    yield
    jax.config.update("jax_cpu_enable_async_dispatch", asynchronous)


def test_evolve_on_several_cpu_devices_sets_the_collective_timeouts(tmp_path, monkeypatch, dispatch_mode_restored):
    # A missing config file stops the command after the flags are set and before any JAX work.
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/dev/null")
    code = main(["evolve", "--task", "CartPole-v1", "--variant", "full", "--seed", "0", "--cpu-devices", "2",
                 "--config", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "run")])
    assert code != 0
    flags = os.environ["XLA_FLAGS"].split()
    assert flags[0] == "--xla_dump_to=/dev/null"  # a user's own flags are kept
    assert "--xla_force_host_platform_device_count=2" in flags
    assert "--xla_cpu_collective_call_terminate_timeout_seconds=3600" in flags
    assert jax.config.read("jax_cpu_enable_async_dispatch") is False  # no work queued behind Python (xla_cpu.py)


@pytest.mark.parametrize("command", ["stats", "claims"])
def test_a_table_that_is_not_a_summary_is_named(tmp_path, capsys, command):
    bad = tmp_path / "summary.csv"
    bad.write_text("not,a\nsummary,table\n")
    out = ["--out-dir", str(tmp_path)] if command == "stats" else ["--out", str(tmp_path / "c.csv"),
                                                                  "--out-tex", str(tmp_path / "c.tex")]
    assert main([command, "--summary", str(bad), *out]) == 1
    err = capsys.readouterr().err
    assert f"{bad} is not a summary table: it lacks column(s) ['family', 'task', 'variant', 'seed']" in err
    assert err.count("\n") == 1
