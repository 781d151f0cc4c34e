# Config validation (before any job is planned) and path helpers shared by every family.
import json
import os
import re
import sys
from pathlib import Path

from plasticnets.config import ConfigError, validate_config
from plasticnets.envs.registry import TASKS

try:
    config.update(validate_config(config, workflow.source_path("../schemas/config.schema.yaml")))
except ConfigError as err:
    sys.exit(f"{err}\n(config files: {', '.join(map(str, workflow.configfiles)) or 'none'})")

# Rules call the `plasticnets` command of the environment that runs Snakemake, even when
# that environment is not activated (e.g. `.venv/bin/snakemake`).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

EXPERT_TASKS = config["experts"]["tasks"]
EXPERT_SEEDS = config["experts"]["seeds"]


wildcard_constraints:
    seed=r"\d+",
    task="|".join(re.escape(t) for t in sorted(TASKS)),


def expert_dir(task, seed):
    return f"results/experts/{task}/seed{seed}"


def as_json(value):
    """A config value as compact JSON for a shell argument (rules quote it with single quotes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
