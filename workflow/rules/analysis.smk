# Tidy tables per family, then the combined tables, statistics and claims (figures read only these).

FAMILY_TABLES = ["experts", "smgrnn", "lndp"]
ANALYSIS = config["analysis"]
STATS_SETTINGS = as_json({k: ANALYSIS[k] for k in ("resamples", "confidence", "alpha", "seed")})


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


rule combined_tables:
    input:
        runs=expand("results/tables/{family}_runs.parquet", family=FAMILY_TABLES),
        summaries=expand("results/tables/{family}_summary.csv", family=FAMILY_TABLES),
    output:
        runs="results/tables/runs.parquet",
        summary="results/tables/summary.csv",
    log:
        "logs/tables/combined.log",
    shell:
        "plasticnets combine --runs {input.runs:q} --summaries {input.summaries:q}"
        " --out-runs {output.runs} --out-summary {output.summary} > {log} 2>&1"


rule statistics:
    input:
        "results/tables/summary.csv",
    output:
        groups="results/tables/groups.csv",
        tests="results/tables/tests.csv",
        tex=expand("results/tables/{name}.tex", name=[f"{f}_groups" for f in FAMILY_TABLES] + ["tests"]),
    params:
        settings=STATS_SETTINGS,
    log:
        "logs/tables/statistics.log",
    shell:
        "plasticnets stats --summary {input} --out-dir results/tables --settings {params.settings:q} > {log} 2>&1"


rule claims:
    input:
        summary="results/tables/summary.csv",
        claims=ANALYSIS["claims"],
    output:
        csv=report("results/tables/claims.csv", caption="../report/claims.rst", category="Claims"),
        tex="results/tables/claims.tex",
    params:
        settings=STATS_SETTINGS,
    log:
        "logs/tables/claims.log",
    shell:
        "plasticnets claims --summary {input.summary} --claims {input.claims} --out {output.csv}"
        " --out-tex {output.tex} --settings {params.settings:q} > {log} 2>&1"


rule resolved_config:
    output:
        report("results/config.resolved.yaml", caption="../report/config.rst", category="Configuration"),
    params:
        config=config,
    log:
        "logs/tables/resolved_config.log",
    run:
        import yaml
        from plasticnets.io import atomic_path

        with atomic_path(output[0]) as tmp:
            tmp.write_text(yaml.safe_dump(dict(params.config), sort_keys=False))
        Path(log[0]).parent.mkdir(parents=True, exist_ok=True)
        Path(log[0]).write_text(f"wrote {output[0]}\n")


rule tables:
    input:
        rules.expert_tables.output,
        rules.smgrnn_tables.output,
        rules.lndp_tables.output,
        rules.combined_tables.output,
        rules.statistics.output,
        rules.claims.output,
        rules.resolved_config.output,
