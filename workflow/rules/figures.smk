# One rule per figure; each reads only results/tables.
from plasticnets.lndp import variants as lndp_variants

LNDP_FIGURES = lndp_variants.figures(config["lndp"])


rule figure_expert_curves:
    input:
        "results/tables/experts_runs.parquet",
    output:
        pdf=report("results/figures/expert_curves.pdf", caption="../report/expert_curves.rst", category="Experts"),
        png="results/figures/expert_curves.png",
    log:
        "logs/figures/expert_curves.log",
    shell:
        "plasticnets figure expert_curves --tables results/tables --out {output.pdf} > {log} 2>&1"


rule figure_smgrnn:
    input:
        runs="results/tables/smgrnn_runs.parquet",
        summary="results/tables/smgrnn_summary.csv",
    output:
        pdf=report("results/figures/{name}.pdf", caption="../report/{name}.rst", category="SMGrNN"),
        png="results/figures/{name}.png",
    wildcard_constraints:
        name="smgrnn_returns|smgrnn_size|smgrnn_ablation",
    log:
        "logs/figures/{name}.log",
    shell:
        "plasticnets figure {wildcards.name} --tables results/tables --out {output.pdf} > {log} 2>&1"


rule figure_lndp:
    input:
        runs="results/tables/lndp_runs.parquet",
        summary="results/tables/lndp_summary.csv",
    output:
        pdf=report("results/figures/{name}.pdf", caption="../report/{name}.rst", category="LNDP"),
        png="results/figures/{name}.png",
    wildcard_constraints:
        name="|".join(LNDP_FIGURES),
    log:
        "logs/figures/{name}.log",
    shell:
        "plasticnets figure {wildcards.name} --tables results/tables --out {output.pdf} > {log} 2>&1"


rule figure_claims_overview:
    input:
        "results/tables/claims.csv",
    output:
        pdf=report("results/figures/claims_overview.pdf", caption="../report/claims_overview.rst", category="Claims"),
        png="results/figures/claims_overview.png",
    log:
        "logs/figures/claims_overview.log",
    shell:
        "plasticnets figure claims_overview --tables results/tables --out {output.pdf} > {log} 2>&1"


rule figures:
    input:
        rules.figure_claims_overview.output,
        rules.figure_expert_curves.output,
        expand("results/figures/{name}.{ext}", name=["smgrnn_returns", "smgrnn_size", "smgrnn_ablation"], ext=["pdf", "png"]),
        expand("results/figures/{name}.{ext}", name=LNDP_FIGURES, ext=["pdf", "png"]),
