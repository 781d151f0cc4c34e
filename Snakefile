# plasticnets: reproduce SMGrNN and LNDP. Thin on purpose: config, validation, rules.
#   snakemake --cores all                                  full reproduction (default config)
#   snakemake --cores 2 --configfile config/smoke.yaml     CI scale
#   snakemake results/figures/expert_curves.pdf            one figure
import sys

from snakemake.utils import min_version

from plasticnets.config import ConfigError, load_yaml

min_version("9.0")

try:  # a one-line message with file, line and column (Snakemake's own loader names neither)
    load_yaml("config/config.yaml")
except ConfigError as err:
    sys.exit(str(err))


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/experts.smk"
include: "workflow/rules/smgrnn.smk"
include: "workflow/rules/lndp.smk"
include: "workflow/rules/transfer.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        rules.experts.input,
        rules.smgrnn.input,
        rules.lndp.input,
        rules.transfer.input,
        rules.baselines.input,
        rules.tables.input,
        rules.figures.input,
