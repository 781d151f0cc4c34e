"""Config validation: every shipped config is valid; each kind of mistake gets a message naming the key."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from plasticnets.config import SCHEMA_PATH, ConfigError, validate_config
from plasticnets.dicts import merge
from plasticnets.families import config_problems, load_project_config as load_config

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "config" / "config.yaml"


def default_config():
    return yaml.safe_load(DEFAULT.read_text())


@pytest.mark.parametrize("overlay", [None, "smoke.yaml", "paper.yaml", "lndp_long.yaml"])
def test_shipped_configs_are_valid(overlay):
    files = [DEFAULT] + ([ROOT / "config" / overlay] if overlay else [])
    config = load_config(files)
    assert config["experts"]["eval_episodes"] >= 1


def test_defaults_are_filled():
    config = default_config()
    del config["experts"]["eval_seed"]
    assert validate_config(config, checks=config_problems)["experts"]["eval_seed"] == 1_000_000


def test_merge_is_deep_and_lists_replace():
    merged = merge({"a": {"b": 1, "c": [1, 2]}}, {"a": {"c": [3]}})
    assert merged == {"a": {"b": 1, "c": [3]}}


def problems(config):
    with pytest.raises(ConfigError) as err:
        validate_config(config, checks=config_problems)
    return str(err.value)


def test_unknown_task_lists_allowed_values():
    config = default_config()
    config["experts"]["tasks"] = ["CartPole-v1", "MountainCar-v0"]
    message = problems(config)
    assert "experts.tasks[1]" in message and "'MountainCar-v0'" in message
    assert "CartPole-v1, Acrobot-v1, LunarLander-v3" in message


def test_negative_seed():
    config = default_config()
    config["experts"]["seeds"] = [0, -1]
    message = problems(config)
    assert "experts.seeds[1]" in message and ">= 0" in message


def test_non_integer_seed():
    config = default_config()
    config["experts"]["seeds"] = [0, 1.5]
    message = problems(config)
    assert "experts.seeds[1]" in message and "integer" in message


def test_zero_budget():
    config = default_config()
    config["experts"]["ppo"]["CartPole-v1"]["total_steps"] = 0
    message = problems(config)
    assert "experts.ppo.CartPole-v1.total_steps" in message and ">= 1" in message


def test_misspelled_key_suggests_the_right_one():
    config = default_config()
    config["experts"]["seedz"] = config["experts"].pop("seeds")
    message = problems(config)
    assert "experts.seedz: unknown key (did you mean 'seeds'?)" in message
    assert "experts: 'seeds' is a required property" in message


def test_misspelled_ppo_setting():
    config = default_config()
    config["experts"]["ppo"]["Acrobot-v1"]["learning_rate"] = 1e-3
    message = problems(config)
    assert "experts.ppo.Acrobot-v1.learning_rate: unknown key" in message
    assert "lr" in message


def test_every_problem_is_reported_at_once():
    config = default_config()
    config["experts"]["seeds"] = [-1]
    config["scale"] = "huge"
    message = problems(config)
    assert "2 problem(s)" in message and "scale" in message and "seeds[0]" in message


@pytest.mark.parametrize("content, message", [
    (b"smgrnn:\n  seeds: [0, 1\n  tasks: x\n", r"bad\.yaml: line 3, column 8: "),
    (b"experts:\n\tseeds: [0]\n", r"bad\.yaml: line 2, column 1: found character '\\t'"),
    (b"\xff\xfe\x00\x01binary", r"invalid YAML file .*bad\.yaml: 'utf-8' codec can't decode"),
    (b"- just\n- a list\n", r"bad\.yaml: the top level must be a mapping"),
])
def test_unreadable_config_files_are_named_with_line_and_column(tmp_path, content, message):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(content)
    with pytest.raises(ConfigError, match=message) as err:
        load_config([DEFAULT, bad])
    assert "\n" not in str(err.value)


def test_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"missing YAML file: .*nope\.yaml"):
        load_config([DEFAULT, tmp_path / "nope.yaml"])


def test_lndp_task_seeds_override_the_seeds_of_their_task_only():
    from plasticnets.lndp import results as lndp_results
    from plasticnets.lndp import variants as lndp_variants

    config = default_config()
    config["lndp"]["seeds"] = [0, 1]
    config["lndp"]["task_seeds"] = {"Foraging-nonstationary": [0, 1, 2, 3, 4]}
    lndp = validate_config(config, checks=config_problems)["lndp"]
    assert lndp_variants.seeds(lndp, "Foraging-nonstationary") == [0, 1, 2, 3, 4]
    assert lndp_variants.seeds(lndp, "CartPole-v1") == [0, 1]
    runs = lndp_results.run_dirs({"lndp": lndp})
    assert "results/lndp/Foraging-nonstationary/no_sp/seed4" in runs
    assert "results/lndp/Foraging-stationary/no_sp/seed4" not in runs
    assert "results/lndp/CartPole-v1/full/seed1" in runs and "results/lndp/CartPole-v1/full/seed2" not in runs


def test_lndp_task_seeds_name_an_lndp_task():
    config = default_config()
    config["lndp"]["task_seeds"] = {"Foraging": [0]}
    message = problems(config)
    assert "lndp.task_seeds" in message and "Foraging-nonstationary" in message


# --- what the schema alone let through: each refused, naming the key and the file that set it ---------------------

def overlay(tmp_path, text, name="over.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def refused(*files):
    with pytest.raises(ConfigError) as err:
        load_config([DEFAULT, *files])
    return str(err.value)


@pytest.mark.parametrize("key, text, shown", [
    ("experts.ppo.CartPole-v1.lr", "experts: {ppo: {CartPole-v1: {lr: .inf}}}", "inf"),
    ("experts.ppo.CartPole-v1.gamma", "experts: {ppo: {CartPole-v1: {gamma: .nan}}}", "nan"),
    ("smgrnn.spm.lambda_edge", "smgrnn: {spm: {lambda_edge: -.inf}}", "-inf"),
    ("lndp.model.p_hh", "lndp: {model: {p_hh: .nan}}", "nan"),  # NaN passes minimum and maximum silently
])
def test_non_finite_numbers_are_refused(tmp_path, key, text, shown):
    path = overlay(tmp_path, text)
    message = refused(path)
    assert (f"config key {key}: {shown} is not a finite number; only finite numbers are allowed "
            f"(set in {path})") in message
    assert "1 problem(s)" in message  # named once, not again by the bound it also breaks


@pytest.mark.parametrize("key, text, good", [
    ("experts.ppo.CartPole-v1.total_steps", "experts: {ppo: {CartPole-v1: {total_steps: %s}}}", 10**9),
    ("smgrnn.steps.CartPole-v1", "smgrnn: {steps: {CartPole-v1: %s}}", 10**9),
    ("lndp.evolution.population_size", "lndp: {evolution: {population_size: %s}}", 65536),
    ("lndp.evolution.generations.CartPole-v1", "lndp: {evolution: {generations: {CartPole-v1: %s}}}", 10**6),
    ("smgrnn.graph.max_edges", "smgrnn: {graph: {max_edges: %s}}", 2**24),
    ("lndp.model.n_nodes", "lndp: {model: {n_nodes: %s}}", 4096),
    ("experts.eval_episodes", "experts: {eval_episodes: %s}", 100_000),
])
def test_sizes_and_budgets_have_upper_bounds(tmp_path, key, text, good):
    load_config([DEFAULT, overlay(tmp_path, text % good)])
    for bad in sorted({good + 1, max(good + 1, 10**9), 10**26}):  # 10**9: population_size as an integer
        path = overlay(tmp_path, text % bad)
        assert f"config key {key}: {bad} is out of range; it must be <= {good} (set in {path})" in refused(path)


@pytest.mark.parametrize("text, key, hint", [
    ("experts: {ppo: {CartPole-v1: {total_steps: 1e26}}}", "experts.ppo.CartPole-v1.total_steps",
     "'1e26' must be of type integer (YAML reads 1e26 as text; as a number it would be out of range too: "
     "it must be <= 1000000000)"),
    ("lndp: {evolution: {population_size: 1e9}}", "lndp.evolution.population_size",
     "'1e9' must be of type integer (YAML reads 1e9 as text; as a number it would be out of range too: "
     "it must be <= 65536)"),
    ("experts: {ppo: {CartPole-v1: {total_steps: 5e5}}}", "experts.ppo.CartPole-v1.total_steps",
     "'5e5' must be of type integer (YAML reads 5e5 as text: write the integer in digits, 500000)"),
    ("experts: {ppo: {CartPole-v1: {lr: 1e-3}}}", "experts.ppo.CartPole-v1.lr",
     "'1e-3' must be of type number (YAML reads 1e-3 as text: write 1.0e-3)"),
    ("smgrnn: {spm: {lambda_edge: 1.0e2}}", "smgrnn.spm.lambda_edge",
     "'1.0e2' must be of type number (YAML reads 1.0e2 as text: write 1.0e+2)"),
])
def test_exponent_numbers_yaml_reads_as_text_get_a_hint(tmp_path, text, key, hint):
    path = overlay(tmp_path, text)
    assert f"config key {key}: {hint} (set in {path})" in refused(path)


def test_the_hinted_spelling_is_a_number_for_yaml_and_snakemake(tmp_path):
    from snakemake.common.configfile import load_configfile

    path = overlay(tmp_path, "a: 1e-3\nb: 1.0e-3\nc: 1.0e2\nd: 1.0e+2\n")
    # Snakemake reads its config files with the same YAML 1.1 rules: a loader that accepted 1e-3 would disagree.
    for data in (yaml.safe_load(path.read_text()), load_configfile(str(path))):
        assert data == {"a": "1e-3", "b": 0.001, "c": "1.0e2", "d": 100.0}
    load_config([DEFAULT, overlay(tmp_path, "experts: {ppo: {CartPole-v1: {lr: 1.0e-3}}}")])


@pytest.mark.parametrize("key", ["p_hh", "p_ih", "p_ho"])
def test_lndp_connection_probabilities_lie_in_0_1(tmp_path, key):
    for good in (0, 1, 0.5):
        load_config([DEFAULT, overlay(tmp_path, f"lndp: {{model: {{{key}: {good}}}}}")])
    for bad, rule in ((-3, ">= 0"), (7, "<= 1"), (1.5, "<= 1")):
        path = overlay(tmp_path, f"lndp: {{model: {{{key}: {bad}}}}}")
        assert f"config key lndp.model.{key}: {bad} is out of range; it must be {rule} (set in {path})" in refused(path)


@pytest.mark.parametrize("section, key", [("graph", "density"), ("spm", "p_rand"), ("spm", "eta_prune")])
def test_smgrnn_probabilities_lie_in_0_1(tmp_path, section, key):
    for good in (0, 1):
        load_config([DEFAULT, overlay(tmp_path, f"smgrnn: {{{section}: {{{key}: {good}}}}}")])
    path = overlay(tmp_path, f"smgrnn: {{{section}: {{{key}: 1.01}}}}")
    assert f"config key smgrnn.{section}.{key}: 1.01 is out of range; it must be <= 1" in refused(path)


def test_seeds_stay_within_what_jax_tells_apart(tmp_path):
    import jax

    # Without x64, PRNGKey keeps the low 32 bits: 2**32 would silently be seed 0 again (and 2**64 raises).
    assert (jax.random.PRNGKey(2**32) == jax.random.PRNGKey(0)).all()
    assert not (jax.random.PRNGKey(2**32 - 1) == jax.random.PRNGKey(0)).all()
    top = 2**32 - 1
    config = load_config([DEFAULT, overlay(tmp_path, f"experts: {{seeds: [0, {top}], eval_seed: {top}}}\n"
                                                     f"analysis: {{seed: {top}}}\n")])
    assert config["experts"]["seeds"] == [0, top]
    for text, key in [("experts: {seeds: [0, %s]}", "experts.seeds[1]"),
                      ("lndp: {task_seeds: {Foraging-nonstationary: [%s]}}",
                       "lndp.task_seeds.Foraging-nonstationary[0]"),
                      ("smgrnn: {eval_seed: %s}", "smgrnn.eval_seed"),
                      ("analysis: {seed: %s}", "analysis.seed")]:
        for bad in (2**32, 99999999999999999999999):  # the second one made Snakemake fail (PeriodicWildcardError)
            path = overlay(tmp_path, text % bad)
            assert f"config key {key}: {bad} is out of range; it must be <= {top} (set in {path})" in refused(path)


def test_the_cli_takes_the_seeds_the_schema_takes():
    from plasticnets.cli import MAX_SEED

    assert yaml.safe_load(SCHEMA_PATH.read_text())["$defs"]["seed"]["maximum"] == MAX_SEED == 2**32 - 1


@pytest.mark.parametrize("content", ["", "\n\n", "# nothing but a comment\n# and another\n", "{}\n", "---\n"])
def test_an_empty_config_file_is_refused(tmp_path, content):
    path = overlay(tmp_path, content)
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))} is empty: no keys$"):
        load_config([DEFAULT, path])


@pytest.mark.parametrize("content, key, lines", [
    ("scale: smoke\nexperts:\n  seeds: [0]\nscale: paper\n", "scale", (1, 4)),
    ("experts:\n  ppo:\n    CartPole-v1:\n      lr: 1.0e-3\n      num_envs: 4\n      lr: 2.0e-3\n",
     "experts.ppo.CartPole-v1.lr", (4, 6)),
    ("smgrnn:\n  variants:\n    - {name: full}\n    - name: static\n      spm: {prune: false}\n      name: other\n",
     "smgrnn.variants[1].name", (4, 6)),
    ("experts: {seeds: [0], seeds: [1]}\n", "experts.seeds", None),
])
def test_a_duplicate_key_is_refused_with_both_lines(tmp_path, content, key, lines):
    path = overlay(tmp_path, content)
    with pytest.raises(ConfigError) as err:
        load_config([DEFAULT, path])
    where = f"on lines {lines[0]} and {lines[1]}" if lines else "twice on line 1"
    assert str(err.value) == (f"invalid YAML file {path}: duplicate key {key} {where} "
                              "(YAML would keep only the last; remove one)")


def test_yaml_merge_keys_may_override_what_they_merge(tmp_path):
    path = overlay(tmp_path, "experts:\n  ppo:\n    CartPole-v1: &base {lr: 1.0e-3, num_envs: 4}\n"
                             "    Acrobot-v1:\n      <<: *base\n      lr: 2.0e-3\n")
    config = load_config([DEFAULT, path])
    assert config["experts"]["ppo"]["Acrobot-v1"]["lr"] == 2.0e-3
    assert config["experts"]["ppo"]["Acrobot-v1"]["num_envs"] == 4


# --- rules between keys -------------------------------------------------------------------------------------------

def test_num_minibatches_must_divide_the_rollout_as_ppo_requires(tmp_path):
    from plasticnets.experts.ppo import PPOConfig

    path = overlay(tmp_path, "experts: {ppo: {CartPole-v1: {num_minibatches: 7}}}")
    assert ("config key experts.ppo.CartPole-v1.num_minibatches: 7 does not divide the rollout (num_envs x num_steps "
            f"= 4 x 128 = 512) into equal minibatches; the nearest that do: 4, 8 (set in {path})") in refused(path)
    with pytest.raises(ValueError, match="not divisible"):  # what the job itself would have said, hours later
        PPOConfig(**{**default_config()["experts"]["ppo"]["CartPole-v1"], "num_minibatches": 7})
    load_config([DEFAULT, overlay(tmp_path, "experts: {ppo: {CartPole-v1: {num_minibatches: 8}}}")])


def test_ppo_keys_the_config_omits_take_ppoconfigs_defaults():
    from plasticnets.experts.ppo import PPOConfig

    config = default_config()
    # num_steps and num_minibatches omitted: PPOConfig's 128 and 4; 3 x 128 = 384 is divisible by 4 ...
    config["experts"]["ppo"]["Acrobot-v1"] = {"num_envs": 3}
    validate_config(config, checks=config_problems)
    PPOConfig(num_envs=3)
    # ... 3 x 5 = 15 is not, and the message says which values are PPOConfig's defaults.
    config["experts"]["ppo"]["Acrobot-v1"] = {"num_envs": 3, "num_steps": 5, "total_steps": 10}
    message = problems(config)
    assert ("experts.ppo.Acrobot-v1.num_minibatches: 4 (default) does not divide the rollout (num_envs x num_steps = "
            "3 x 5 = 15) into equal minibatches; the nearest that do: 3, 5") in message
    assert ("experts.ppo.Acrobot-v1.total_steps: 10 is smaller than one rollout "
            "(num_envs x num_steps = 3 x 5 = 15)") in message
    with pytest.raises(ValueError):
        PPOConfig(num_envs=3, num_steps=5, total_steps=100)


def test_the_initial_graph_must_fit_the_capacity(tmp_path):
    path = overlay(tmp_path, "smgrnn: {graph: {initial_hidden: 64, max_hidden: 8}}")
    message = refused(path)
    assert ("config key smgrnn.graph.initial_hidden: 64 exceeds max_hidden 8: the initial graph must fit the capacity "
            f"(variant(s) full, static, no_random_growth, init_density_0_2, init_density_0_5, init_density_1_0, "
            f"window_50, window_200) (set in {path})") in message
    assert "growth_only" not in message  # its own max_hidden (4096) holds 64
    # a variant's own override is named at the variant
    path = overlay(tmp_path, "smgrnn:\n  graph: {initial_hidden: 8}\n  variants:\n    - {name: full}\n"
                             "    - {name: small, graph: {max_hidden: 4}}\n")
    assert ("config key smgrnn.variants[1].graph.max_hidden: 4 is below initial_hidden 8: the initial graph must fit "
            f"the capacity (variant(s) small) (set in {path})") in refused(path)
    load_config([DEFAULT, overlay(tmp_path, "smgrnn: {graph: {initial_hidden: 16, max_hidden: 16}}")])  # equal fits


def test_smgrnn_variant_tasks_and_seeds_name_what_exists(tmp_path):
    path = overlay(tmp_path, "smgrnn:\n  tasks: [CartPole-v1]\n  variant_seeds: {fulll: [0, 1]}\n  variants:\n"
                             "    - {name: full}\n    - {name: window_50, spm: {window: 50}, tasks: [LunarLander-v3]}\n")
    message = refused(path)
    assert ("config key smgrnn.variants[1].tasks: 'LunarLander-v3' is not in smgrnn.tasks ['CartPole-v1']"
            in message)
    assert "config key smgrnn.variant_seeds.fulll: no graph variant of that name; configured: full, window_50" in message


def test_smgrnn_variant_tasks_and_seeds_choose_its_runs():
    from plasticnets.smgrnn import variants

    smgrnn = {"tasks": ["A", "B"], "seeds": [0, 1], "variant_seeds": {"full": [0, 1, 2]},
              "variants": [{"name": "full"}, {"name": "w", "tasks": ["B"]}], "mlps": [{"name": "mlp_8", "hidden": [8]}],
              "size_matched_mlp": True}
    assert variants.runs(smgrnn) == [
        ("A", "full", 0), ("A", "full", 1), ("A", "full", 2), ("A", "mlp_8", 0), ("A", "mlp_8", 1),
        ("A", "mlp_matched", 0), ("A", "mlp_matched", 1), ("A", "mlp_matched", 2),
        ("B", "full", 0), ("B", "full", 1), ("B", "full", 2), ("B", "w", 0), ("B", "w", 1), ("B", "mlp_8", 0),
        ("B", "mlp_8", 1), ("B", "mlp_matched", 0), ("B", "mlp_matched", 1), ("B", "mlp_matched", 2)]


def test_a_variants_own_seeds_sit_between_smgrnn_seeds_and_variant_seeds():
    from plasticnets.smgrnn import variants

    smgrnn = {"seeds": [0], "variant_seeds": {"full": [0, 1, 2]},
              "variants": [{"name": "full", "seeds": [7]}, {"name": "static", "seeds": [0, 1]}, {"name": "w"}]}
    assert variants.seeds(smgrnn, "full") == [0, 1, 2]  # variant_seeds wins (paper.yaml overrides so)
    assert variants.seeds(smgrnn, "static") == [0, 1]  # the entry's own
    assert variants.seeds(smgrnn, "w") == [0]
    assert variants.seeds(smgrnn, "mlp_matched") == [0, 1, 2]  # full's


def test_the_default_config_gives_6_seeds_to_the_groups_a_test_compares_and_3_to_the_rest():
    """The rule of docs/decisions.md, "Default-scale budget", as the shipped default config applies it."""
    from plasticnets.smgrnn import variants

    smgrnn = load_config([DEFAULT])["smgrnn"]
    tested = {"full", "static", "mlp_matched"}
    for name in variants.all_variants(smgrnn):
        assert variants.seeds(smgrnn, name) == (list(range(6)) if name in tested else [0, 1, 2]), name


def test_the_initial_edges_must_fit_the_edge_slots(tmp_path):
    # LunarLander-v3 with 8 initial hidden nodes: 8 + 4 + 8 = 20 nodes, 20 x 12 = 240 allowed pairs (no edge into
    # its 8 inputs), x density 0.5 = 120 expected edges.
    base = "smgrnn: {graph: {initial_hidden: 8, density: 0.5, max_edges: %d}, variants: [{name: full}]}"
    load_config([DEFAULT, overlay(tmp_path, base % 120)])
    path = overlay(tmp_path, base % 119)
    assert ("config key smgrnn.graph.max_edges: 119 edge slots cannot hold the initial graph on LunarLander-v3: "
            "density 0.5 x 240 allowed pairs among its 20 initial nodes = 120 expected edges") in refused(path)


def test_the_allowed_pair_count_is_the_graphs_own():
    from plasticnets.smgrnn import graph as g

    layout = g.Layout(8, 4, 8, 4096)  # LunarLander-v3, all 8 hidden slots alive
    assert g.allowed_pairs(layout).sum() == 240
    assert g.allowed_pairs(layout, allow_self_loops=False).sum() == 240 - 12


@pytest.mark.parametrize("family, variants", [
    ("lndp", "[{name: no_sp, model: {pruning: false}}]"),
    ("smgrnn", "[{name: static, spm: {prune: false}}]\n  size_matched_mlp: false"),
])
def test_the_reference_variant_must_be_configured(tmp_path, family, variants):
    path = overlay(tmp_path, f"{family}:\n  variants: {variants}\n")
    assert (f"config key {family}.variants: no variant named 'full', the reference every other {family} variant is "
            f"compared with (statistics and claims) (set in {path})") in refused(path)


def test_the_lndp_reference_runs_every_task_another_variant_runs(tmp_path):
    path = overlay(tmp_path, "lndp:\n  tasks: [CartPole-v1, Acrobot-v1]\n  variants:\n"
                             "    - {name: full, tasks: [CartPole-v1]}\n    - {name: no_sp, model: {pruning: false}}\n")
    assert ("config key lndp.variants[1].tasks: no_sp runs on Acrobot-v1, where 'full' (the reference it is compared "
            f"with) does not (set in {path})") in refused(path)


def test_lndp_n_nodes_leaves_a_hidden_node_for_every_task_it_runs(tmp_path):
    # Acrobot-v1: 6 inputs + 3 outputs, so 10 nodes at least; CartPole-v1 (4 + 2) needs 7.
    path = overlay(tmp_path, "lndp:\n  tasks: [CartPole-v1, Acrobot-v1]\n  model: {n_nodes: 9}\n")
    assert ("config key lndp.model.n_nodes: 9 leaves no hidden node for Acrobot-v1's 6 inputs and 3 outputs; it must "
            f"be >= 10 (variant(s) full, no_sp) (set in {path})") in refused(path)
    load_config([DEFAULT, overlay(tmp_path, "lndp:\n  tasks: [CartPole-v1, Acrobot-v1]\n  model: {n_nodes: 10}\n")])


def test_lndp_eval_lifetimes_must_be_even_while_a_foraging_task_runs(tmp_path):
    # Foraging evaluates half of its lifetimes with the food on each side (lndp/run.py evaluation_keys).
    path = overlay(tmp_path, "lndp: {eval_lifetimes: 3}\n")
    assert ("config key lndp.eval_lifetimes: 3 is odd; it must be even while lndp.tasks has Foraging-stationary, "
            "Foraging-nonstationary, whose evaluation lifetimes start with the food on each side in exactly half of "
            f"them (lndp/run.py evaluation_keys) (set in {path})") in refused(path)
    load_config([DEFAULT, overlay(tmp_path, "lndp: {eval_lifetimes: 3, tasks: [CartPole-v1]}\n", "control.yaml")])


# --- which file set the key -----------------------------------------------------------------------------------------

def test_each_problem_names_the_last_file_that_set_its_key(tmp_path):
    first = overlay(tmp_path, "experts: {seeds: [0, -2], eval_episodes: 0}\n", "first.yaml")
    second = overlay(tmp_path, "experts: {seeds: [0, -3]}\n", "second.yaml")
    message = refused(first, second)
    assert f"config key experts.seeds[1]: -3 is out of range; it must be >= 0 (set in {second})" in message
    assert f"config key experts.eval_episodes: 0 is out of range; it must be >= 1 (set in {first})" in message
    # an unknown key: at the file that added it
    ppo = overlay(tmp_path, "experts: {ppo: {CartPole-v1: {lrate: 1.0}}}\n")
    assert re.search(r"experts\.ppo\.CartPole-v1\.lrate: unknown key; allowed keys at .* \(set in "
                     + re.escape(str(ppo)) + r"\)$", refused(ppo), re.M)


def test_a_problem_with_a_key_only_the_default_sets_names_the_default(tmp_path):
    from plasticnets.config import load_sources, validate_config as validate

    sources = load_sources([DEFAULT])
    config = copy.deepcopy(sources[0][1])
    config["smgrnn"]["graph"]["max_hidden"] = 0  # as if the default file said so
    with pytest.raises(ConfigError) as err:
        validate(config, checks=config_problems, sources=sources)
    assert re.search(r"smgrnn\.graph\.max_hidden: 0 is out of range; it must be >= 1 \(set in \S*config/config\.yaml\)",
                     str(err.value))


def test_set_in_follows_merge_order_and_lists_replace():
    from plasticnets.config import set_in

    sources = [("a.yaml", {"x": {"y": 1, "l": [1, 2]}}), ("b.yaml", {"x": {"l": [3]}}), ("c.yaml", {"z": 0})]
    assert set_in(sources, ["x", "y"]) == "a.yaml"
    assert set_in(sources, ["x", "l", 0]) == "b.yaml"  # the list came from b as a whole
    assert set_in(sources, ["x", "missing"]) == "b.yaml"  # the closest parent: the last file that has x
    assert set_in(sources, ["nowhere"]) is None


def test_snakemake_config_files_in_merge_order(tmp_path):
    from plasticnets.config import snakemake_config_files

    # workflow.configfiles: the --configfile files (absolute) first, then the Snakefile's configfile: directive,
    # which Snakemake merges first.
    smoke = (tmp_path / "config" / "smoke.yaml").absolute()
    assert snakemake_config_files([smoke, "config/config.yaml"], [smoke]) == [Path("config/config.yaml"), smoke]
    assert snakemake_config_files(["config/config.yaml"], []) == [Path("config/config.yaml")]


def test_a_transfer_pair_needs_the_same_interface_no_repeat_and_runs_only_with_full_runs_of_both(tmp_path):
    from plasticnets.transfer.results import pairs as transfer_pairs

    path = overlay(tmp_path, "lndp:\n  transfer:\n"
                             "    - {source: Foraging-stationary, target: Foraging-nonstationary}\n"
                             "    - {source: CartPole-v1, target: Foraging-stationary}\n"
                             "    - {source: Foraging-stationary, target: Foraging-nonstationary}\n")
    message = refused(path)
    assert ("config key lndp.transfer[1]: CartPole-v1 and Foraging-stationary differ in inputs or actions; "
            "parameters evolved on one cannot run on the other") in message
    assert "config key lndp.transfer[2]: the pair Foraging-stationary -> Foraging-nonstationary is listed twice" in message
    assert "lndp.transfer[0]" not in message
    # a grid without full runs of both tasks runs no transfer (as a figure with no runs to fill it is not planned)
    narrowed = load_config([DEFAULT, overlay(tmp_path, "lndp: {tasks: [CartPole-v1, Foraging-nonstationary]}\n")])
    assert transfer_pairs(narrowed) == [] and transfer_pairs(load_config([DEFAULT])) == [
        ("Foraging-stationary", "Foraging-nonstationary"), ("Foraging-nonstationary", "Foraging-stationary")]
    path = overlay(tmp_path, "lndp:\n  transfer: [{source: Foraging-stationary, target: Foraging-nonstationry}]\n")
    assert "lndp.transfer[0].target" in refused(path)  # not a task at all: the schema's enum names it
