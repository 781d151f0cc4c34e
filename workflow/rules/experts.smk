# Expert policies: PPO per task x seed, then the acceptance gate (solved threshold).


rule train_expert:
    output:
        policy="results/experts/{task}/seed{seed}/policy.eqx",
        metrics="results/experts/{task}/seed{seed}/metrics.parquet",
        summary="results/experts/{task}/seed{seed}/summary.json",
    params:
        out=lambda w: experts_results.run_dir(w.task, w.seed),
        ppo=lambda w: as_json(config["experts"]["ppo"].get(w.task, {})),
        eval_episodes=config["experts"]["eval_episodes"],
        eval_seed=config["experts"]["eval_seed"],
    log:
        "logs/experts/{task}/seed{seed}.log",
    benchmark:
        "results/benchmarks/experts/{task}/seed{seed}.tsv"
    threads: 1
    shell:
        logged(
            "plasticnets train-expert --task {wildcards.task} --seed {wildcards.seed} --out {params.out}"
            " --ppo {params.ppo:q} --eval-episodes {params.eval_episodes} --eval-seed {params.eval_seed}"
        )


rule expert_gate:
    input:
        summary="results/experts/{task}/seed{seed}/summary.json",
    output:
        "results/experts/{task}/seed{seed}/accepted.json",
    params:
        enforce="--enforce" if config["experts"]["enforce_threshold"] else "--no-enforce",
    log:
        "logs/experts/{task}/seed{seed}.gate.log",
    shell:
        # tee: the gate's verdict also reaches the terminal, not only the log
        logged(
            "plasticnets check-expert --summary {input.summary} --out {output} {params.enforce}",
            echo=True,
        )


rule experts:
    input:
        # every file of every run, so that a deleted one reruns the job that writes it
        family_outputs("experts"),
