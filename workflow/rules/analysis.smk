# Tidy tables per family (figures and statistics read only these).


rule expert_tables:
    input:
        summaries=expand("results/experts/{task}/seed{seed}/summary.json", task=EXPERT_TASKS, seed=EXPERT_SEEDS),
        metrics=expand("results/experts/{task}/seed{seed}/metrics.parquet", task=EXPERT_TASKS, seed=EXPERT_SEEDS),
    output:
        runs="results/tables/experts_runs.parquet",
        summary="results/tables/experts_summary.csv",
    params:
        runs=[expert_dir(t, s) for t in EXPERT_TASKS for s in EXPERT_SEEDS],
    log:
        "logs/tables/experts.log",
    shell:
        "plasticnets collect experts --runs {params.runs:q} --out-runs {output.runs}"
        " --out-summary {output.summary} > {log} 2>&1"


rule smgrnn_tables:
    input:
        expand(
            "results/smgrnn/{task}/{variant}/seed{seed}/{file}",
            task=SMGRNN_TASKS, variant=SMGRNN_VARIANTS, seed=SMGRNN_SEEDS, file=["summary.json", "metrics.parquet"],
        ),
    output:
        runs="results/tables/smgrnn_runs.parquet",
        summary="results/tables/smgrnn_summary.csv",
    params:
        runs=[smgrnn_dir(t, v, s) for t in SMGRNN_TASKS for v in SMGRNN_VARIANTS for s in SMGRNN_SEEDS],
    log:
        "logs/tables/smgrnn.log",
    shell:
        "plasticnets collect smgrnn --runs {params.runs:q} --out-runs {output.runs}"
        " --out-summary {output.summary} > {log} 2>&1"


rule lndp_tables:
    input:
        [f"{d}/{f}" for d in LNDP_RUN_DIRS for f in ["summary.json", "metrics.parquet", "lifetime.parquet"]],
    output:
        runs="results/tables/lndp_runs.parquet",
        summary="results/tables/lndp_summary.csv",
    params:
        runs=LNDP_RUN_DIRS,
    log:
        "logs/tables/lndp.log",
    shell:
        "plasticnets collect lndp --runs {params.runs:q} --out-runs {output.runs}"
        " --out-summary {output.summary} > {log} 2>&1"


rule tables:
    input:
        rules.expert_tables.output,
        rules.smgrnn_tables.output,
        rules.lndp_tables.output,
