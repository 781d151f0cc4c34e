# Tidy tables per family, then the combined tables, statistics and claims (figures read only these).

ANALYSIS = config["analysis"]
STATS_SETTINGS = as_json({k: ANALYSIS[k] for k in ("resamples", "confidence", "alpha", "seed")})


rule family_tables:
    input:
        family_run_files,
    output:
        runs="results/tables/{family}_runs.parquet",
        summary="results/tables/{family}_summary.csv",
    wildcard_constraints:
        family="|".join(FAMILIES),
    params:
        runs=lambda w: FAMILIES[w.family].run_dirs(config),
    log:
        "logs/tables/{family}.log",
    shell:
        logged(
            "plasticnets collect {wildcards.family} --runs {params.runs:q} --out-runs {output.runs}"
            " --out-summary {output.summary}"
        )


rule combined_tables:
    input:
        runs=expand("results/tables/{family}_runs.parquet", family=FAMILIES),
        summaries=expand("results/tables/{family}_summary.csv", family=FAMILIES),
    output:
        runs="results/tables/runs.parquet",
        summary="results/tables/summary.csv",
    log:
        "logs/tables/combined.log",
    shell:
        logged(
            "plasticnets combine --runs {input.runs:q} --summaries {input.summaries:q}"
            " --out-runs {output.runs} --out-summary {output.summary}"
        )


rule statistics:
    input:
        "results/tables/summary.csv",
    output:
        groups="results/tables/groups.csv",
        tests="results/tables/tests.csv",
        tex=expand("results/tables/{name}.tex", name=[f"{family}_groups" for family in FAMILIES] + ["tests"]),
    params:
        settings=STATS_SETTINGS,
    log:
        "logs/tables/statistics.log",
    shell:
        logged("plasticnets stats --summary {input} --out-dir results/tables --settings {params.settings:q}")


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
        logged(
            "plasticnets claims --summary {input.summary} --claims {input.claims} --out {output.csv}"
            " --out-tex {output.tex} --settings {params.settings:q}"
        )


rule resolved_config:
    output:
        report("results/config.resolved.yaml", caption="../report/config.rst", category="Configuration"),
    params:
        config=json.dumps(config, separators=(",", ":")),  # in Snakemake's order (as_json sorts the keys)
    log:
        "logs/tables/resolved_config.log",
    shell:
        # a shell command, not a `run:` block: Snakemake runs those in a new Snakemake process (5 s on 2 cores)
        logged("plasticnets write-config --config {params.config:q} --out {output}")


rule tables:
    input:
        expand("results/tables/{family}_{table}", family=FAMILIES, table=["runs.parquet", "summary.csv"]),
        rules.combined_tables.output,
        rules.statistics.output,
        rules.claims.output,
        rules.resolved_config.output,
