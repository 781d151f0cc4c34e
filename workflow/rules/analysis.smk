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


rule tables:
    input:
        rules.expert_tables.output,
