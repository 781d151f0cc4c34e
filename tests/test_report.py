"""Statistics, claims, figures and the Snakemake report on the shared smoke build (tests/conftest.py)."""

import zipfile

import pandas as pd
import yaml

from plasticnets.analysis.claims import CLAIM_COLUMNS, load_claims
from plasticnets.families import load_project_config

from .conftest import ROOT, snakemake
from .test_pipeline import planned_jobs

SMOKE = ("--configfile", "config/smoke.yaml")


def test_combined_tables_statistics_and_claims(smoke_repo):
    tables = smoke_repo / "results" / "tables"
    summary = pd.read_csv(tables / "summary.csv")
    assert set(summary["family"]) == {"experts", "smgrnn", "lndp", "transfer", "baselines"}
    assert len(summary) == 2 + 5 + 3 + 1 + 3  # experts, SMGrNN (full, 2 variants, MLPs), LNDP runs, transfer, baselines
    baselines = summary[summary["family"] == "baselines"].set_index(["variant", "task"])
    assert baselines.loc[("smgrnn", "CartPole-v1"), "solved_threshold"] == 475 and baselines["trivial"].notna().all()
    runs = pd.read_parquet(tables / "runs.parquet")
    assert set(runs["family"]) == {"experts", "smgrnn", "lndp"}  # baselines and transfer have no curves
    groups = pd.read_csv(tables / "groups.csv")
    assert (groups["n"] == 1).all() and groups["std"].isna().all()  # one seed per group at smoke scale
    tests = pd.read_csv(tables / "tests.csv")
    assert set(tests["group_a"]) == {"full"} and {"welch_p_holm", "mwu_p_holm", "a12"} <= set(tests.columns)
    claims = pd.read_csv(tables / "claims.csv")
    assert list(claims.columns) == CLAIM_COLUMNS
    _, expected = load_claims(ROOT / "config" / "claims.yaml")
    assert set(claims["claim"]) == {c["id"] for c in expected}
    # one seed everywhere: nothing can be decided, and the table says why
    assert (claims["verdict"] == "inconclusive").all()
    assert claims["reason"].str.contains(r"too few seeds|no runs of|no experts runs on \S+ to rank it").all()
    for name in ("experts_groups", "smgrnn_groups", "lndp_groups", "baselines_groups", "tests", "claims"):
        assert "\\toprule" in (tables / f"{name}.tex").read_text()


def test_figure_and_claims_reruns_touch_no_training_output(smoke_repo):
    # (targets first: --configfile takes every word after it)
    plan = snakemake(smoke_repo, "results/figures/claims_overview.pdf", "-n", "-f", "--cores", "1", *SMOKE)
    assert planned_jobs(plan.stdout) == {"figure_claims_overview": 1}
    plan = snakemake(smoke_repo, "-n", "-R", "claims", "--cores", "1", *SMOKE)
    assert planned_jobs(plan.stdout) == {"claims": 1, "figure_claims_overview": 1, "all": 1}


def test_report_holds_every_figure_the_claims_and_the_config(smoke_repo, tmp_path):
    report = tmp_path / "report.zip"
    snakemake(smoke_repo, "--report", str(report), "--cores", "1", *SMOKE)
    names = zipfile.ZipFile(report).namelist()
    for name in ("expert_curves.pdf", "smgrnn_returns.pdf", "lndp_fitness.pdf", "claims_overview.pdf",
                 "claims.csv", "config.resolved.yaml", "report.html"):
        assert any(n.endswith("/" + name) for n in names), name


def test_the_resolved_config_is_the_merged_config(smoke_repo):
    """results/config.resolved.yaml (rule resolved_config, `plasticnets write-config`) holds what the run used:
    config.yaml with smoke.yaml merged over it, every value (in the order Snakemake keeps the keys)."""
    written = yaml.safe_load((smoke_repo / "results" / "config.resolved.yaml").read_text())
    merged = load_project_config([smoke_repo / "config" / "config.yaml", smoke_repo / "config" / "smoke.yaml"])
    assert written == merged and written["scale"] == "smoke"


def test_each_figure_rule_draws_its_own_figure(smoke_repo):
    """Rules made in a loop must not all draw the loop's last figure (every PDF differs, every log names its own)."""
    figures = sorted((smoke_repo / "results" / "figures").glob("*.pdf"))
    assert len(figures) == 13
    contents = {pdf.read_bytes() for pdf in figures}
    assert len(contents) == len(figures)
    plan = snakemake(smoke_repo, "results/figures/smgrnn_size.pdf", "-n", "-f", "-p", "--cores", "1", *SMOKE)
    assert "plasticnets figure smgrnn_size " in plan.stdout
