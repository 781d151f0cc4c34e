# One rule per figure (rule figure_<name>); each reads only results/tables and has its caption in
# workflow/report/<name>.rst for snakemake --report.
from plasticnets.lndp import variants as lndp_variants

LNDP_FIGURES = lndp_variants.figures(config["lndp"])

# figure name -> (tables it reads, report category)
FIGURE_INPUTS = {
    "expert_curves": (["experts_runs.parquet"], "Experts"),
    **{name: (["smgrnn_runs.parquet", "smgrnn_summary.csv"], "SMGrNN")
       for name in ["smgrnn_returns", "smgrnn_size", "smgrnn_ablation"]},
    **{name: (["lndp_runs.parquet", "lndp_summary.csv"], "LNDP") for name in LNDP_FIGURES},
    "claims_overview": (["claims.csv"], "Claims"),
}

for _name, (_tables, _category) in FIGURE_INPUTS.items():

    rule:
        name:
            f"figure_{_name}"
        input:
            [f"results/tables/{table}" for table in _tables],
        output:
            pdf=report(f"results/figures/{_name}.pdf", caption=f"../report/{_name}.rst", category=_category),
            png=f"results/figures/{_name}.png",
        params:
            # (the shell line is formatted when the job runs, after the loop has moved on:
            # only directives evaluated now, such as params, may carry the loop variable)
            name=_name,
        log:
            f"logs/figures/{_name}.log",
        shell:
            "plasticnets figure {params.name} --tables results/tables --out {output.pdf} > {log} 2>&1"


rule figures:
    input:
        expand("results/figures/{name}.{ext}", name=list(FIGURE_INPUTS), ext=["pdf", "png"]),
