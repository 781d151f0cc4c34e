# Set-up and entry points. Needs only Python 3.11 and make; everything else comes from requirements.lock.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# Every tool a target calls, and every tool those call (dvc, snakemake, plasticnets), comes from the project's
# environment, activated or not.
export PATH := $(abspath $(BIN)):$(PATH)
CORES ?= all
SNAKEMAKE_ARGS ?=
PIP_VERSION := 26.3
# Config files named in SNAKEMAKE_ARGS: validated by plasticnets first, so a YAML error is reported with its file,
# line and column (Snakemake's own loader names neither).
CONFIG_FILES = $(filter %.yaml %.yml %.json,$(SNAKEMAKE_ARGS))

.PHONY: setup reproduce plan test verify benchmark publish fetch lock clean lndp-long lndp-long-push lndp-long-pull mutate

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip==$(PIP_VERSION)"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

## Full reproduction on the default config (config/config.yaml);
## e.g. make reproduce SNAKEMAKE_ARGS="--configfile config/smoke.yaml" for CI scale.
reproduce: setup
	@$(BIN)/plasticnets validate-config config/config.yaml $(CONFIG_FILES)
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS)

## What a run costs before it starts (plasticnets plan): jobs, core-hours and the longest job per family, the wall
## time on CORES cores (default: this machine's), a GPU estimate; from the rates in benchmarks/rates.json. Same
## SNAKEMAKE_ARGS as reproduce, e.g. make plan SNAKEMAKE_ARGS="--configfile config/paper.yaml" CORES=64
plan: setup
	@$(BIN)/plasticnets plan --config config/config.yaml $(CONFIG_FILES) $(if $(filter all,$(CORES)),,--cores $(CORES))

## The test suite (unit tests + end-to-end smoke pipeline).
test: setup
	$(BIN)/python -m pytest

## Check that every run folder under results/ is complete and undamaged (declared outputs present, summaries and
## tables readable, headline metrics finite, hashes against dvc.lock); one line per problem, non-zero exit if any.
verify: setup
	$(BIN)/plasticnets verify

## The long LNDP run (config/lndp_long.yaml): CartPole-v1 `full`, seed 0, checkpointed. Rerun to resume; raise
## evolution.generations in that file to extend a finished run. Progress with ETA in logs/lndp_long.log.
LNDP_LONG := CartPole-v1/full/seed0
LNDP_LONG_CPU_DEVICES ?= 2
LNDP_LONG_ARGS ?=                # more `plasticnets evolve` options, e.g. --eval-lifetimes 20
lndp-long: SHELL := /bin/bash
lndp-long: .SHELLFLAGS := -o pipefail -c
lndp-long: setup
	@$(BIN)/plasticnets validate-config config/config.yaml config/lndp_long.yaml
	@mkdir -p logs
	$(BIN)/plasticnets evolve --config config/config.yaml config/lndp_long.yaml --task CartPole-v1 --variant full \
	  --seed 0 --out results/lndp_long/$(LNDP_LONG) --checkpoint checkpoints/lndp_long/$(LNDP_LONG) \
	  --cpu-devices $(LNDP_LONG_CPU_DEVICES) $(LNDP_LONG_ARGS) 2>&1 | tee -a logs/lndp_long.log

## Continue the long run on another machine (DVC). Here, with `make lndp-long` stopped: lndp-long-push records the
## checkpoint (and the evaluated run, once there is one) in checkpoints/lndp_long.dvc (results/lndp_long.dvc), pushes
## them to the DVC remote and stages those files for a git commit. There, after git pull: lndp-long-pull, then
## `make lndp-long` resumes from the pushed generation (the same numbers on any number of CPU devices).
LNDP_LONG_CHECKPOINT := checkpoints/lndp_long/$(LNDP_LONG)/checkpoint.json
LNDP_LONG_GENERATION = $(BIN)/python -c "import json; print(json.load(open('$(LNDP_LONG_CHECKPOINT)'))['generation'])"
lndp-long-push: setup
	@test -f $(LNDP_LONG_CHECKPOINT) || { echo "lndp-long-push: no checkpoint ($(LNDP_LONG_CHECKPOINT)); run make lndp-long first" >&2; exit 1; }
	$(BIN)/dvc add --quiet checkpoints/lndp_long $(wildcard results/lndp_long)
	$(BIN)/dvc push checkpoints/lndp_long.dvc $(if $(wildcard results/lndp_long),results/lndp_long.dvc)
	git add checkpoints/lndp_long.dvc $(if $(wildcard results/lndp_long),results/lndp_long.dvc)
	@echo "lndp-long-push: the long run's checkpoint at generation $$($(LNDP_LONG_GENERATION)) is on the DVC remote; its .dvc files are staged: git commit -m 'Long LNDP run: checkpoint' && git push"

lndp-long-pull: setup
	@test -f checkpoints/lndp_long.dvc || { echo "lndp-long-pull: this clone has no checkpoints/lndp_long.dvc: nobody has pushed the long run yet (make lndp-long-push where it ran, then commit and push the .dvc files)" >&2; exit 1; }
	$(BIN)/dvc pull checkpoints/lndp_long.dvc $(wildcard results/lndp_long.dvc)
	@echo "lndp-long-pull: checkpoint at generation $$($(LNDP_LONG_GENERATION)); make lndp-long continues from there"

## Mutation check of the model rules (scripts/mutate.py): 10 single-line mutants spread over the LNDP lifetime
## update (LNDP.update, _decide, maybe_update) against the model's fast tests; fails when these kill fewer than
## the share recorded on 2026-12-03 (8 of 10; docs/decisions.md, "Mutation floor"). About 9 minutes on 2 cores.
mutate: setup
	@mkdir -p logs/mutation
	$(BIN)/python scripts/mutate.py --file src/plasticnets/lndp/model.py \
	  --lines LNDP.update,LNDP._decide,LNDP.maybe_update --max 10 --timeout 300 --fail-under 80 \
	  --out logs/mutation/lndp_model.md \
	  --tests "$(BIN)/python -m pytest -x -q -n 0 -p no:cacheprovider tests/test_lndp_model.py -k 'not population'"

## Speed benchmarks (print their figures; not part of the tests).
benchmark: setup
	$(BIN)/python benchmarks/expert_ppo.py
	$(BIN)/python benchmarks/smgrnn_throughput.py
	$(BIN)/python benchmarks/lndp_throughput.py

## Share results (DVC): after a complete run, record their hashes in dvc.lock, push them to the DVC remote
## and stage dvc.lock for a git commit. Same SNAKEMAKE_ARGS as the run, e.g.
## make publish SNAKEMAKE_ARGS="--configfile config/smoke.yaml"
publish: setup
	@$(call nothing_to_do,publish: Snakemake still has jobs to run; finish the run before publishing)
	@$(BIN)/plasticnets verify --no-dvc || { echo "publish: refusing to push an incomplete or damaged results tree (problems above)" >&2; exit 1; }
	$(BIN)/dvc commit --force dvc.yaml
	$(BIN)/dvc push dvc.yaml
	git add dvc.lock
	@echo "publish: results pushed to the DVC remote; dvc.lock is staged: git commit -m 'Publish results' && git push"

## Fetch shared results (DVC) into a clone: pull, check them against dvc.lock, let Snakemake trust them
## (DVC does not keep timestamps), then Snakemake must have nothing left to do. Same SNAKEMAKE_ARGS as publish.
fetch: setup
	$(BIN)/dvc pull dvc.yaml
	@status="$$($(BIN)/dvc status --json dvc.yaml)"; [ "$$status" = "{}" ] || { $(BIN)/dvc status dvc.yaml; \
	  echo "fetch: the pulled results do not match dvc.lock and the sources (dvc status above)" >&2; exit 1; }
	$(BIN)/snakemake --touch --forceall --cores 1 --quiet $(SNAKEMAKE_ARGS)
	$(BIN)/plasticnets verify
	@$(call nothing_to_do,fetch: Snakemake would still run jobs on the fetched results; were they published with other SNAKEMAKE_ARGS?)

# Fails with the message $(1) and Snakemake's plan unless `snakemake -n` has nothing to do.
define nothing_to_do
plan="$$($(BIN)/snakemake -n --cores 1 $(SNAKEMAKE_ARGS) 2>&1)"; \
	if echo "$$plan" | grep -q "Nothing to be done"; then echo "snakemake -n: nothing to be done"; \
	else echo "$$plan" | tail -40; echo "$(1)" >&2; exit 1; fi
endef

## Re-resolve the pinned environment from pyproject.toml's ranges.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet "pip==$(PIP_VERSION)"
	.lock-venv/bin/python -m pip install --quiet .
	{ echo "# Exact environment for plasticnets (Python 3.11, CPU). Regenerate with: make lock"; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | grep -vi '^plasticnets'; } > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .snakemake
