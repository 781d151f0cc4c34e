# Config validation (before any job is planned), the families' descriptors, and helpers shared by every rule file.
import json
import os
import re
import sys
from pathlib import Path

from plasticnets.analysis.claims_file import check_claims_file
from plasticnets.config import ConfigError, file_label, load_sources, snakemake_config_files, validate_config
from plasticnets.envs.registry import TASKS
from plasticnets.experts import results as experts_results
from plasticnets.families import FAMILIES, config_problems, planned_figures
from plasticnets.lndp import results as lndp_results
from plasticnets.lndp import variants as lndp_variants
from plasticnets.smgrnn import results as smgrnn_results
from plasticnets.smgrnn import variants as smgrnn_variants


envvars:
    "PATH",


# Snakemake has merged the config files already; they are read again only to say which one set a bad key (and
# plasticnets' loader refuses the empty files and repeated keys Snakemake's would let through).
CONFIG_FILES = snakemake_config_files(workflow.configfiles, workflow.overwrite_configfiles)
try:
    sources = load_sources(CONFIG_FILES)
    if workflow.config_settings.config:
        sources.append(("--config", dict(workflow.config_settings.config)))
    config.update(
        validate_config(config, workflow.source_path("../schemas/config.schema.yaml"), checks=config_problems,
                        sources=sources)
    )
    check_claims_file(config)  # the claims are checked at the end of the run: their typos must stop it now
except ConfigError as err:
    sys.exit(f"{err}\n(config files, in merge order: {', '.join(map(file_label, CONFIG_FILES)) or 'none'})")

# Rules call the `plasticnets` command of the environment that runs Snakemake, even when
# that environment is not activated (e.g. `.venv/bin/snakemake`).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"

SMGRNN = config["smgrnn"]
LNDP = config["lndp"]


wildcard_constraints:
    seed=r"\d+",
    task="|".join(re.escape(t) for t in sorted(TASKS)),


def logged(command, echo=False):
    """A rule's shell line: ``command`` with stdout and stderr into the job's log, and every attempt also appended
    to ``<log>.attempts`` between a header (start time, host) and a footer (exit status; none if it was killed).
    Snakemake deletes a job's log before it reruns the job, so without the second file the reason an attempt died
    would be lost. ``echo``: the output also reaches the terminal."""
    sink = "| tee -a {log}.attempts | tee {log}" if echo else "| tee -a {log}.attempts > {log}"
    return (
        'printf "===== attempt started %s on %s =====\\n" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(hostname)"'
        " >> {log}.attempts; "
        f"({command}) 2>&1 {sink}"
        ' && echo "===== attempt finished =====" >> {log}.attempts'
        ' || (status=$?; echo "===== attempt failed: exit $status =====" >> {log}.attempts; exit $status)'
    )


def as_json(value):
    """A config value as compact JSON: rules pass it quoted (`{params.settings:q}`)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def smgrnn_expert(wildcards):
    """The accepted expert every student of a task distils from."""
    run = experts_results.run_dir(wildcards.task, SMGRNN["expert_seed"])
    return {"policy": f"{run}/policy.eqx", "gate": f"{run}/accepted.json"}


def matched_mlp_sources(wildcards):
    """The full SMGrNN runs whose mean final size the size-matched MLP copies."""
    return [f"{smgrnn_results.run_dir(wildcards.task, smgrnn_variants.MATCHED_TO, seed)}/summary.json"
            for seed in smgrnn_variants.seeds(SMGRNN, smgrnn_variants.MATCHED_TO)]


def family_run_files(wildcards):
    """Every file the tables of one family read, from every run its config plans."""
    family = FAMILIES[wildcards.family]
    return [f"{run}/{name}" for run in family.run_dirs(config) for name in family.run_files]


def family_outputs(name):
    """Every declared output of every run of a family that the config plans: the family's target. Snakemake
    treats a missing file that only feeds up-to-date jobs as an intermediate it may skip; as a target, a
    deleted file reruns exactly the job that writes it, and what depends on it."""
    family = FAMILIES[name]
    return [f"{run}/{output}" for run in family.run_dirs(config) for output in family.outputs]


def baseline_settings(wildcards):
    """What the baseline reads: the protocol's evaluation and, for LNDP, the full variant's settings."""
    if wildcards.protocol == "smgrnn":
        return as_json({"eval_episodes": SMGRNN["eval_episodes"], "eval_seed": SMGRNN["eval_seed"]})
    return as_json({"eval_lifetimes": LNDP["eval_lifetimes"], "eval_seed": LNDP["eval_seed"],
                    "full": lndp_variants.resolve(LNDP, wildcards.task, "full")})
