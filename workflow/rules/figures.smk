# One rule per figure (rule figure_<name>) for every figure the configured runs can fill; which figures exist,
# the tables each reads and its report category come from the families' descriptors (plasticnets.families).
# Each figure's caption is workflow/report/<name>.rst.

FIGURES = planned_figures(config)

for _figure in FIGURES:

    rule:
        name:
            f"figure_{_figure.name}"
        input:
            [f"results/tables/{table}" for table in _figure.tables],
        output:
            pdf=report(f"results/figures/{_figure.name}.pdf", caption=f"../report/{_figure.name}.rst",
                       category=_figure.category),
            png=f"results/figures/{_figure.name}.png",
        params:
            # (the shell line is formatted when the job runs, after the loop has moved on:
            # only directives evaluated now, such as params, may carry the loop variable)
            name=_figure.name,
        log:
            f"logs/figures/{_figure.name}.log",
        shell:
            logged("plasticnets figure {params.name} --tables results/tables --out {output.pdf}")


rule figures:
    input:
        expand("results/figures/{name}.{ext}", name=[figure.name for figure in FIGURES], ext=["pdf", "png"]),
