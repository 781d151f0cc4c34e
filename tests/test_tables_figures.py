"""Tidy collection (with errors naming bad files) and reproducible figures."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from plasticnets.analysis.collect import RUN_COLUMNS, collect_family
from plasticnets.figures import make_figure


def fake_expert_run(root, task, seed, n=30):
    """A run folder with the files train-expert writes (synthetic numbers, real formats)."""
    run = root / task / f"seed{seed}"
    run.mkdir(parents=True)
    steps = np.arange(1, n + 1) * 512
    pd.DataFrame({
        "update": np.arange(1, n + 1), "env_steps": steps,
        "episode_return": np.linspace(20, 400, n) + seed, "eval_return": np.where(np.arange(n) % 10 == 9, 450.0, np.nan),
        "loss": np.ones(n), "entropy": np.full(n, 0.6),
    }).to_parquet(run / "metrics.parquet")
    (run / "summary.json").write_text(json.dumps({
        "task": task, "variant": "ppo", "seed": seed, "threshold": 475.0, "solved": True, "env_steps": int(steps[-1]),
        "best_env_steps": int(steps[-1]), "wall_time_s": 1.0, "eval": {"mean": 500.0, "std": 0.0, "episodes": 100},
    }))
    return run


def test_collect_builds_tidy_tables(tmp_path):
    runs = [fake_expert_run(tmp_path / "experts", "CartPole-v1", s) for s in (0, 1)]
    collect_family("experts", runs, tmp_path / "t" / "runs.parquet", tmp_path / "t" / "summary.csv")
    long = pd.read_parquet(tmp_path / "t" / "runs.parquet")
    assert list(long.columns) == RUN_COLUMNS
    assert set(long["metric"]) == {"episode_return", "eval_return", "loss", "entropy"}
    assert (long["metric"] == "eval_return").sum() == 2 * 3  # NaN rows dropped
    assert long["x_name"].unique().tolist() == ["env_steps"]
    summary = pd.read_csv(tmp_path / "t" / "summary.csv")
    assert summary["seed"].tolist() == [0, 1] and summary["eval_mean"].tolist() == [500.0, 500.0]


def test_corrupt_parquet_is_named(tmp_path):
    run = fake_expert_run(tmp_path, "CartPole-v1", 0)
    data = (run / "metrics.parquet").read_bytes()
    (run / "metrics.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"corrupt parquet file .*CartPole-v1/seed0/metrics.parquet"):
        collect_family("experts", [run], tmp_path / "r.parquet", tmp_path / "s.csv")


def test_invalid_json_and_missing_run_are_named(tmp_path):
    run = fake_expert_run(tmp_path, "CartPole-v1", 0)
    (run / "summary.json").write_text("{ truncated")
    with pytest.raises(ValueError, match=r"corrupt JSON file .*seed0/summary.json"):
        collect_family("experts", [run], tmp_path / "r.parquet", tmp_path / "s.csv")
    with pytest.raises(FileNotFoundError, match=r"missing JSON file: .*seed9/summary.json"):
        collect_family("experts", [tmp_path / "CartPole-v1" / "seed9"], tmp_path / "r.parquet", tmp_path / "s.csv")


def test_same_table_gives_byte_identical_figures(tmp_path):
    runs = [fake_expert_run(tmp_path / "experts", t, s) for t in ("CartPole-v1", "Acrobot-v1") for s in (0, 1, 2)]
    tables = tmp_path / "tables"
    collect_family("experts", runs, tables / "experts_runs.parquet", tables / "experts_summary.csv")
    # Two separate processes, as two Snakemake jobs would be.
    for name in ("a", "b"):
        subprocess.run(
            [sys.executable, "-m", "plasticnets", "figure", "expert_curves", "--tables", str(tables),
             "--out", str(tmp_path / name / "expert_curves.pdf")],
            check=True, env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"},
        )
    a, b = tmp_path / "a" / "expert_curves.pdf", tmp_path / "b" / "expert_curves.pdf"
    assert a.read_bytes()[:5] == b"%PDF-"
    assert a.read_bytes() == b.read_bytes()
    assert a.with_suffix(".png").read_bytes() == b.with_suffix(".png").read_bytes()


def test_unknown_figure_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="known figures: claims_overview, expert_curves"):
        make_figure("nope", tmp_path, tmp_path / "nope.pdf")


def test_combine_tables_merges_families_and_names_a_corrupt_table(tmp_path):
    from plasticnets.analysis.collect import combine_tables

    tables = tmp_path / "tables"
    collect_family("experts", [fake_expert_run(tmp_path / "experts", "CartPole-v1", s) for s in (0, 1)],
                   tables / "experts_runs.parquet", tables / "experts_summary.csv")
    other = pd.read_csv(tables / "experts_summary.csv").assign(family="smgrnn", variant="full", late_reward=499.0)
    other.to_csv(tables / "smgrnn_summary.csv", index=False)
    pd.read_parquet(tables / "experts_runs.parquet").assign(family="smgrnn").to_parquet(tables / "smgrnn_runs.parquet")
    runs_in = [tables / "experts_runs.parquet", tables / "smgrnn_runs.parquet"]
    summaries_in = [tables / "experts_summary.csv", tables / "smgrnn_summary.csv"]
    combine_tables(runs_in, summaries_in, tables / "runs.parquet", tables / "summary.csv")
    summary = pd.read_csv(tables / "summary.csv")
    assert summary["family"].tolist() == ["experts", "experts", "smgrnn", "smgrnn"]
    assert summary["late_reward"].isna().sum() == 2  # union of the families' columns
    assert set(pd.read_parquet(tables / "runs.parquet")["family"]) == {"experts", "smgrnn"}
    (tables / "smgrnn_summary.csv").write_bytes(b"")
    with pytest.raises(ValueError, match=r"corrupt CSV file .*smgrnn_summary.csv"):
        combine_tables(runs_in, summaries_in, tables / "runs.parquet", tables / "summary.csv")


def smgrnn_summary(variants, tasks=("CartPole-v1", "LunarLander-v3"), seeds=3) -> pd.DataFrame:
    """A synthetic smgrnn_summary.csv: the columns the SMGrNN figures read."""
    rng = np.random.default_rng(0)
    return pd.DataFrame([{"task": t, "variant": v, "seed": s, "late_reward": 100 + rng.normal(0, 5),
                          "final_hidden": 20 + rng.normal(0, 3), "steps_to_half_size": 1000 + rng.normal(0, 100)}
                         for t in tasks for v in variants for s in range(seeds)])


@pytest.mark.parametrize("name, variants", [
    ("smgrnn_topology", ["full", "init_density_0_2", "init_hidden_16", "static"]),
    ("smgrnn_window", ["full", "window_50", "window_200", "static"]),
])
def test_the_question_figures_draw_from_their_variants_and_refuse_without_them(tmp_path, name, variants):
    tables = tmp_path / "tables"
    tables.mkdir()
    smgrnn_summary(variants).to_csv(tables / "smgrnn_summary.csv", index=False)
    make_figure(name, tables, tmp_path / f"{name}.pdf")
    assert (tmp_path / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
    smgrnn_summary(["full", "static"]).to_csv(tables / "smgrnn_summary.csv", index=False)
    with pytest.raises(ValueError, match="smgrnn_summary.csv: (no initial-topology runs|needs full and a window variant)"):
        make_figure(name, tables, tmp_path / "none.pdf")


def test_the_dev_steps_figure_plots_each_duration_and_refuses_without_cartpole_runs(tmp_path, monkeypatch):
    from plasticnets.figures import lndp_dev_steps

    tables = tmp_path / "tables"
    tables.mkdir()
    durations = {"no_sa": 0, "dev_10": 10, "full": 50, "dev_100": 100, "no_sp": 50}
    rows = [{"task": "CartPole-v1", "variant": v, "seed": s, "dev_steps": d, "eval_best_ep0": 20.0 + d / 10 + s,
             "eval_best_dev_density": 0.1 + d / 1000} for v, d in durations.items() for s in range(3)]
    pd.DataFrame(rows).to_csv(tables / "lndp_summary.csv", index=False)
    make_figure("lndp_dev_steps", tables, tmp_path / "dev.pdf")
    assert (tmp_path / "dev.pdf").read_bytes()[:5] == b"%PDF-"
    drawn = []
    monkeypatch.setattr(lndp_dev_steps, "save_figure", lambda fig, out: drawn.append(fig))
    make_figure("lndp_dev_steps", tables, tmp_path / "dev.pdf")
    ticks = [[t.get_text() for t in ax.get_xticklabels()] for ax in drawn[0].axes]
    assert ticks == [["0", "10", "50", "100"]] * 2  # one point per duration, no_sp left out
    pd.DataFrame(rows).assign(task="Acrobot-v1").to_csv(tables / "lndp_summary.csv", index=False)
    with pytest.raises(ValueError, match="lndp_summary.csv: no CartPole-v1 runs of full, no_sa, dev_"):
        make_figure("lndp_dev_steps", tables, tmp_path / "none.pdf")


def test_the_sample_efficiency_figure_places_each_episode_at_the_steps_used_by_its_end(tmp_path, monkeypatch):
    from plasticnets.figures import lndp_sample_efficiency

    tables = tmp_path / "tables"
    tables.mkdir()
    lndp = [{"task": task, "variant": v, "seed": s, "lifetime_env_steps": 1500.0, "evolution_env_steps": 4.8e6,
             "eval_best_ep0": 20.0 + s, "eval_best_ep1": 30.0 + s, "eval_best_ep2": 40.0 + s}
            for task in ("CartPole-v1", "Pendulum-v1") for v in ("full", "no_sp") for s in range(3)]
    pd.DataFrame(lndp).to_csv(tables / "lndp_summary.csv", index=False)
    curves = [{"family": "experts", "task": "CartPole-v1", "variant": "ppo", "seed": s, "x": x, "x_name": "env_steps",
               "metric": m, "value": x / 100} for s in range(2) for x in (25000.0, 50000.0) for m in ("eval_return", "loss")]
    pd.DataFrame(curves).to_parquet(tables / "experts_runs.parquet")
    pd.DataFrame([{"task": "CartPole-v1", "variant": "ppo", "seed": s, "total_env_steps": 5e5} for s in range(2)]
                 ).to_csv(tables / "experts_summary.csv", index=False)
    drawn = []
    monkeypatch.setattr(lndp_sample_efficiency, "save_figure", lambda fig, out: drawn.append(fig))
    make_figure("lndp_sample_efficiency", tables, tmp_path / "se.pdf")
    (ax,) = drawn[0].axes  # CartPole only: Pendulum has no PPO
    ppo, ours = (line.get_xydata() for line in ax.lines[:2])
    np.testing.assert_array_equal(ppo, [[25000, 250], [50000, 500]])
    np.testing.assert_array_equal(ours, [[500, 21], [1000, 31], [1500, 41]])  # full only, means over seeds
    assert "LNDP evolution 4.8e+06 steps" in ax.texts[0].get_text() and "PPO 5e+05 steps" in ax.texts[0].get_text()
    pd.DataFrame(lndp).assign(task="Pendulum-v1").to_csv(tables / "lndp_summary.csv", index=False)
    with pytest.raises(ValueError, match="no task with both LNDP full runs"):
        make_figure("lndp_sample_efficiency", tables, tmp_path / "none.pdf")
