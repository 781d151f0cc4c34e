# Trivial baselines per task under each family's evaluation (constant policies, the empty LNDP), beside the
# solved threshold and the ceiling: the numbers every learning result is shown against.


rule trivial_baselines:
    output:
        "results/baselines/{protocol}/{task}/summary.json",
    wildcard_constraints:
        protocol="smgrnn|lndp",
    params:
        settings=baseline_settings,
    log:
        "logs/baselines/{protocol}/{task}.log",
    shell:
        logged(
            "plasticnets baselines --task {wildcards.task} --protocol {wildcards.protocol}"
            " --settings {params.settings:q} --out results/baselines/{wildcards.protocol}/{wildcards.task}"
        )


rule baselines:
    input:
        family_outputs("baselines"),
