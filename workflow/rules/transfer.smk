# Transfer: each (source, target) pair of config lndp.transfer, per seed of the source's full runs: its best
# parameters evaluated on the target's evaluation lifetimes.


rule transfer_lndp:
    input:
        best="results/lndp/{source}/full/seed{seed}/best.eqx",
        summary="results/lndp/{source}/full/seed{seed}/summary.json",
    output:
        "results/transfer/{task}/from_{source}/seed{seed}/summary.json",
    params:
        source_run=lambda w: lndp_results.run_dir(w.source, "full", w.seed),
        out=lambda w: FAMILIES["transfer"].run_dir(w.task, f"from_{w.source}", w.seed),
        eval_lifetimes=LNDP["eval_lifetimes"],
        eval_seed=LNDP["eval_seed"],
    wildcard_constraints:
        seed=r"\d+",
    log:
        "logs/transfer/{task}/from_{source}/seed{seed}.log",
    shell:
        logged(
            "plasticnets transfer --source-run {params.source_run} --task {wildcards.task} --out {params.out}"
            " --eval-lifetimes {params.eval_lifetimes} --eval-seed {params.eval_seed}"
        )


rule transfer:
    input:
        family_outputs("transfer"),
