# One rule per figure; each reads only results/tables.


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


rule figures:
    input:
        rules.figure_expert_curves.output,
