# LNDP: evolve each (task, variant) the config lists, per seed, with CMA-ES (checkpointed, resumable).
from plasticnets.lndp import variants as lndp_variants

LNDP = config["lndp"]
LNDP_SEEDS = LNDP["seeds"]
LNDP_RUNS = lndp_variants.runs(LNDP)  # (task, variant) pairs
LNDP_FILES = ["metrics.parquet", "best.eqx", "mean.eqx", "lifetime.parquet", "summary.json"]


def lndp_dir(task, variant, seed):
    return f"results/lndp/{task}/{variant}/seed{seed}"


LNDP_RUN_DIRS = [lndp_dir(t, v, s) for t, v in LNDP_RUNS for s in LNDP_SEEDS]


rule evolve_lndp:
    output:
        expand("results/lndp/{{task}}/{{variant}}/seed{{seed}}/{file}", file=LNDP_FILES),
    wildcard_constraints:
        variant="|".join(lndp_variants.variant_names(LNDP)),
    params:
        out=lambda w: lndp_dir(w.task, w.variant, w.seed),
        settings=lambda w: as_json(lndp_variants.resolve(LNDP, w.task, w.variant)),
        eval_lifetimes=LNDP["eval_lifetimes"],
        eval_seed=LNDP["eval_seed"],
    log:
        "logs/lndp/{task}/{variant}/seed{seed}.log",
    benchmark:
        "results/benchmarks/lndp/{task}/{variant}/seed{seed}.tsv"
    threads: LNDP["cpu_devices"]
    resources:
        gpu=1,  # used by the slurm profile; locally an undeclared resource does not limit
    shell:
        "plasticnets evolve --task {wildcards.task} --variant {wildcards.variant} --seed {wildcards.seed}"
        " --settings '{params.settings}' --out {params.out} --eval-lifetimes {params.eval_lifetimes}"
        " --eval-seed {params.eval_seed} --cpu-devices {threads} > {log} 2>&1"


rule lndp:
    input:
        [f"{d}/summary.json" for d in LNDP_RUN_DIRS],
