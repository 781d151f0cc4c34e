# SMGrNN: distil each task's accepted expert into graph students (variants) and MLP baselines.

SMGRNN_VARIANTS = smgrnn_variants.all_variants(SMGRNN)
SMGRNN_FILES = FAMILIES["smgrnn"].outputs


rule distill_smgrnn:
    input:
        unpack(smgrnn_expert),
    output:
        expand("results/smgrnn/{{task}}/{{variant}}/seed{{seed}}/{file}", file=SMGRNN_FILES),
    wildcard_constraints:
        variant="|".join(v for v in SMGRNN_VARIANTS if v != smgrnn_variants.MATCHED),
    params:
        out=lambda w: smgrnn_results.run_dir(w.task, w.variant, w.seed),
        settings=lambda w: as_json(smgrnn_variants.resolve(SMGRNN, w.task, w.variant)),
        eval_episodes=SMGRNN["eval_episodes"],
        eval_seed=SMGRNN["eval_seed"],
    log:
        "logs/smgrnn/{task}/{variant}/seed{seed}.log",
    benchmark:
        "results/benchmarks/smgrnn/{task}/{variant}/seed{seed}.tsv"
    threads: 1
    shell:
        logged(
            "plasticnets distill --task {wildcards.task} --variant {wildcards.variant} --seed {wildcards.seed}"
            " --settings {params.settings:q} --expert {input.policy} --out {params.out}"
            " --eval-episodes {params.eval_episodes} --eval-seed {params.eval_seed}"
        )


rule distill_mlp_matched:
    input:
        unpack(smgrnn_expert),
        full=matched_mlp_sources,
    output:
        expand("results/smgrnn/{{task}}/{variant}/seed{{seed}}/{file}", variant=smgrnn_variants.MATCHED, file=SMGRNN_FILES),
    params:
        variant=smgrnn_variants.MATCHED,
        out=lambda w: smgrnn_results.run_dir(w.task, smgrnn_variants.MATCHED, w.seed),
        settings=lambda w: as_json(smgrnn_variants.resolve(SMGRNN, w.task, smgrnn_variants.MATCHED)),
        eval_episodes=SMGRNN["eval_episodes"],
        eval_seed=SMGRNN["eval_seed"],
    log:
        "logs/smgrnn/{task}/mlp_matched/seed{seed}.log",
    benchmark:
        "results/benchmarks/smgrnn/{task}/mlp_matched/seed{seed}.tsv"
    threads: 1
    shell:
        logged(
            "plasticnets distill --task {wildcards.task} --variant {params.variant} --seed {wildcards.seed}"
            " --settings {params.settings:q} --expert {input.policy} --out {params.out}"
            " --eval-episodes {params.eval_episodes} --eval-seed {params.eval_seed}"
            " --match-params-from {input.full}"
        )


rule smgrnn:
    input:
        # every file of every run, so that a deleted one reruns the job that writes it
        family_outputs("smgrnn"),
