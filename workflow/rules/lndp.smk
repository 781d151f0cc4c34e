# LNDP: evolve each (task, variant) the config lists, per seed, with CMA-ES (checkpointed, resumable).

LNDP_FILES = FAMILIES["lndp"].outputs


rule evolve_lndp:
    output:
        expand("results/lndp/{{task}}/{{variant}}/seed{{seed}}/{file}", file=LNDP_FILES),
    wildcard_constraints:
        variant="|".join(lndp_variants.variant_names(LNDP)),
    params:
        out=lambda w: lndp_results.run_dir(w.task, w.variant, w.seed),
        # resumable state, outside the run folder: Snakemake deletes a job's outputs before rerunning it
        checkpoint=lambda w: lndp_results.checkpoint_dir(w.task, w.variant, w.seed),
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
        logged(
            "plasticnets evolve --task {wildcards.task} --variant {wildcards.variant} --seed {wildcards.seed}"
            " --settings {params.settings:q} --out {params.out} --checkpoint {params.checkpoint}"
            " --eval-lifetimes {params.eval_lifetimes}"
            " --eval-seed {params.eval_seed} --cpu-devices {threads}"
        )


rule lndp:
    input:
        # every file of every run, so that a deleted one reruns the job that writes it
        family_outputs("lndp"),
