# Set-up and entry points. Needs only Python 3.11 and make; everything else comes from requirements.lock.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= all
SNAKEMAKE_ARGS ?=
PIP_VERSION := 26.3

.PHONY: setup reproduce test benchmark lock clean

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
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS)

## The test suite (unit tests + end-to-end smoke pipeline).
test: setup
	$(BIN)/python -m pytest

## Speed benchmarks (print their figures; not part of the tests).
benchmark: setup
	$(BIN)/python benchmarks/expert_ppo.py
	$(BIN)/python benchmarks/smgrnn_throughput.py
	$(BIN)/python benchmarks/lndp_throughput.py

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
