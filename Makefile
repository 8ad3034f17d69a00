# Kenning — every target creates .venv and installs what it needs, so a fresh
# clone needs only `make serve` or `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# torch 2.13.0 (CPU) must be in place before sentence-transformers, or pip
# resolves torch from the index and pulls a multi-GB CUDA build (DESIGN.md §6).
TORCH  := torch==2.13.0
STAMP  := $(VENV)/.installed
NPM_STAMP := tests/cypher_lint/node_modules/.installed

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install serve test lint typecheck unit bench-locomo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NPM_STAMP): tests/cypher_lint/package.json
	cd tests/cypher_lint && npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

install: $(STAMP) $(NPM_STAMP)

serve: $(STAMP)
	$(BIN)/kenning serve

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

unit: install
	$(BIN)/pytest -q

test: lint typecheck unit

bench-locomo: $(STAMP)
	$(BIN)/python benchmarks/locomo_retrieval.py

clean:
	rm -rf $(VENV) tests/cypher_lint/node_modules .kenning-test
