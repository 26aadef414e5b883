# The README's two commands: `make demo` (main job end to end) and `make test` (lint, types, tests).
# Both create .venv and install everything pinned in constraints.txt on first use.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt scripts/setup.sh | sha256sum | cut -c1-12)
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: setup postgres chromium demo test lint typecheck unit bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt scripts/setup.sh
	bash scripts/setup.sh "$(PYTHON)" "$(VENV)"
	touch $@

demo: setup
	$(BIN)/fmkit demo --out demo-out --overwrite

lint: setup
	$(BIN)/ruff check src tests benchmarks

typecheck: setup
	$(BIN)/mypy

postgres:
	bash scripts/postgres.sh

chromium:
	bash scripts/chromium.sh

unit: setup postgres chromium
	$(BIN)/pytest -q

test: lint typecheck unit

clean:
	rm -rf $(VENV) demo-out .mypy_cache .ruff_cache .pytest_cache
