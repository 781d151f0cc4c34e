"""The claims file is checked with the config, before any job: structure (schema), then every name it uses."""

import copy
import subprocess
import sys

import pytest
import yaml

from plasticnets.analysis.claims_file import claims_problems
from plasticnets.families import load_project_config

from .conftest import ROOT, snakemake

CLAIMS = yaml.safe_load((ROOT / "config" / "claims.yaml").read_text())
DEFAULT = load_project_config([ROOT / "config" / "config.yaml"])
SMOKE = load_project_config([ROOT / "config" / "config.yaml", ROOT / "config" / "smoke.yaml"])


def claim(claim_id):
    return next(i for i, c in enumerate(CLAIMS["claims"]) if c["id"] == claim_id)


def edited(tmp_path, edit):
    data = copy.deepcopy(CLAIMS)
    edit(data)
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def setter(claim_id, key, value):
    def edit(data):
        data["claims"][claim(claim_id)][key] = value
    return edit


def test_the_shipped_claims_are_valid_for_every_scale():
    for config in (DEFAULT, SMOKE):
        assert claims_problems(ROOT / "config" / "claims.yaml", config, DEFAULT) == []


@pytest.mark.parametrize("edit, message", [
    (setter("smgrnn_cartpole_hidden", "metric", "final_hiddden"),
     "claims[1] (smgrnn_cartpole_hidden).metric: unknown headline metric of smgrnn 'final_hiddden' "
     "(did you mean 'final_hidden'?)"),
    (setter("smgrnn_stability_lunarlander", "versus", "statik"),
     ".versus: unknown smgrnn variant 'statik' (did you mean 'static'?)"),
    (setter("smgrnn_matches_mlp", "versus", "mpl_*"), ".versus: unknown smgrnn variant 'mpl_*'"),
    (setter("lndp_dev_steps_density", "versus", ["no_sa", "dve_*"]), ".versus: unknown lndp variant 'dve_*'"),
    (setter("smgrnn_cartpole_hidden", "tasks", ["CartPol-v1"]),
     ".tasks: unknown smgrnn task 'CartPol-v1' (did you mean 'CartPole-v1'?)"),
    (setter("lndp_sp_cartpole", "group", "no_sb"), ".group: unknown lndp variant 'no_sb' (did you mean 'no_sp'?)"),
    (setter("smgrnn_stability_lunarlander", "check", "spred"),
     "claims[11].check: 'spred' is not allowed (did you mean 'spread'?)"),
    (setter("smgrnn_cartpole_hidden", "family", "smgrn"), "claims[1].family: 'smgrn' is not allowed"),
    (setter("smgrnn_cartpole_hidden", "colour", "red"), "claims[1].colour: unknown key"),
    (setter("smgrnn_cartpole_hidden", "between", [40, 20]), ".between: low 40 above high 20"),
    (setter("smgrnn_matches_mlp", "between", {"CartPole-v1": [0, None]}), ".between: no band for task 'Acrobot-v1'"),
    (setter("smgrnn_cartpole_hidden", "id", "smgrnn_matches_mlp"), ".id: used by an earlier claim"),
    (setter("smgrnn_size_tracks_difficulty", "order_by", {"family": "experts", "metric": "eval_mean"}),
     ".order_by.metric: unknown difficulty metric of experts 'eval_mean'; known: steps_to_threshold"),
    (setter("smgrnn_size_tracks_difficulty", "order_by", {"family": "smgrnn", "metric": "final_hidden"}),
     ".order_by.family: the tasks must be ranked by another family than the claim's (smgrnn)"),
    (setter("smgrnn_size_tracks_difficulty", "tasks", ["CartPole-v1"]), "claims[5].tasks: [\'CartPole-v1\'] is too short"),
    (lambda data: data["claims"][claim("smgrnn_size_tracks_difficulty")].pop("order_by"),
     "claims[5]: 'order_by' is a required property"),
    (setter("smgrnn_cartpole_hidden", "order_by", {"family": "experts", "metric": "steps_to_threshold"}),
     "claims[1]: order_by is not allowed here (check: 'value')"),
    (setter("smgrnn_cartpole_hidden", "versus", "static"), "claims[1]: versus is not allowed here (check: 'value')"),
    (setter("lndp_within_lifetime_learning", "earlier", "eval_best_ep9"),
     ".earlier: unknown headline metric of lndp 'eval_best_ep9'"),
    (lambda data: data["claims"][claim("smgrnn_stability_lunarlander")].pop("versus"),
     "claims[11]: 'versus' is a required property"),
    (setter("lndp_sample_efficiency", "versus", "ppp"), ".versus: unknown experts variant 'ppp' (did you mean 'ppo'?)"),
    (setter("lndp_sample_efficiency", "versus_from", {"family": "experts", "metric": "eval_man"}),
     ".versus_from.metric: unknown headline metric of experts 'eval_man' (did you mean 'eval_mean'?)"),
    (setter("lndp_sample_efficiency", "versus_from", {"family": "lndp", "metric": "eval_best_fitness"}),
     ".versus_from.family: the claim's own family (lndp); use versus alone"),
    (setter("lndp_sample_efficiency", "samples", {"group": "lifetime_steps", "group_total": "evolution_env_steps",
                                                  "versus": "first_eval_steps", "versus_total": "total_env_steps"}),
     ".samples.group: unknown sample column of lndp 'lifetime_steps' (did you mean 'lifetime_env_steps'?)"),
    (lambda data: data["claims"][claim("lndp_sample_efficiency")].pop("versus_from"),
     "'versus_from' is a required property"),
    (lambda data: data.update(min_seeds=1), "claim key min_seeds: 1 is out of range"),
    (setter("smgrnn_cartpole_late_reward", "between", [501, None]),
     ".between: CartPole-v1's band starts at 501, above the task's ceiling 500"),
])
def test_each_mistake_is_named_before_any_job(tmp_path, edit, message):
    problems = claims_problems(edited(tmp_path, edit), SMOKE, DEFAULT)
    assert any(message in p for p in problems), problems
    assert all("\n" not in p for p in problems)


def test_names_only_the_default_grid_knows_are_fine_at_smoke_scale(tmp_path):
    # Smoke runs no Acrobot and no no_sa variant: claims about them are inconclusive there, not errors.
    assert "Acrobot-v1" not in SMOKE["smgrnn"]["tasks"] and "no_sa" not in str(SMOKE["lndp"]["variants"])
    assert claims_problems(ROOT / "config" / "claims.yaml", SMOKE, DEFAULT) == []
    # ... but without the default grid to compare with, they would be unknown.
    assert any("unknown smgrnn task 'Acrobot-v1'" in p for p in claims_problems(ROOT / "config" / "claims.yaml", SMOKE))


def test_missing_or_unreadable_claims_file(tmp_path):
    assert claims_problems(tmp_path / "nope.yaml", SMOKE, DEFAULT) == [
        f"claims file (config key analysis.claims): missing YAML file: {tmp_path / 'nope.yaml'}"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("claims: [\n")
    assert "line 2, column 1" in claims_problems(bad, SMOKE, DEFAULT)[0]


@pytest.mark.slow
def test_snakemake_and_validate_config_stop_on_a_typo(copy_repo, tmp_path):
    repo = copy_repo(tmp_path / "repo")
    claims = repo / "config" / "claims.yaml"
    claims.write_text(claims.read_text().replace("    metric: final_hidden\n", "    metric: final_hiddden\n", 1))
    plan = snakemake(repo, "-n", "--configfile", "config/smoke.yaml", check=False)
    assert plan.returncode != 0 and "Job stats" not in plan.stdout
    assert "unknown headline metric of smgrnn 'final_hiddden' (did you mean 'final_hidden'?)" in plan.stderr
    cli = subprocess.run([sys.executable, "-m", "plasticnets.cli", "validate-config", "config/config.yaml"],
                         cwd=repo, capture_output=True, text=True)
    assert cli.returncode == 1 and "final_hiddden" in cli.stderr and "Traceback" not in cli.stderr


def test_an_empty_claims_file_is_refused(tmp_path):
    for content in ("", "# only comments\n"):
        path = tmp_path / "claims.yaml"
        path.write_text(content)
        assert claims_problems(path, SMOKE, DEFAULT) == [
            f"claims file (config key analysis.claims): {path} is empty: no keys"]


def test_a_duplicate_key_in_the_claims_file_is_refused(tmp_path):
    text = (ROOT / "config" / "claims.yaml").read_text()
    first = text.index("    metric: final_hidden\n")
    line = text[:first].count("\n") + 1
    path = tmp_path / "claims.yaml"
    path.write_text(text[:first] + "    metric: final_hidden\n" + text[first:])
    index = claim("smgrnn_cartpole_hidden")
    assert claims_problems(path, SMOKE, DEFAULT) == [
        f"claims file (config key analysis.claims): invalid YAML file {path}: duplicate key claims[{index}].metric on "
        f"lines {line} and {line + 1} (YAML would keep only the last; remove one)"]


@pytest.mark.parametrize("band, edge, shown", [([float("nan"), 1.0], 0, "nan"), ([0.0, float("inf")], 1, "inf")])
def test_a_non_finite_band_edge_is_refused(tmp_path, band, edge, shown):
    # NaN passes every comparison (low > high is false), and null, not .inf, is what leaves a band open
    path = edited(tmp_path, setter("smgrnn_cartpole_hidden", "between", band))
    index = claim("smgrnn_cartpole_hidden")
    assert claims_problems(path, SMOKE, DEFAULT) == [
        f"{path}: claim key claims[{index}].between[{edge}]: {shown} is not a finite number; "
        "only finite numbers are allowed"]


def test_an_exponent_number_yaml_reads_as_text_gets_a_hint(tmp_path):
    path = edited(tmp_path, setter("smgrnn_cartpole_hidden", "between", ["1e2", None]))
    assert claims_problems(path, SMOKE, DEFAULT) == [
        f"{path}: claim key claims[{claim('smgrnn_cartpole_hidden')}].between[0]: '1e2' must be of type ['number', "
        "'null'] (YAML reads 1e2 as text: write 1.0e+2)"]
