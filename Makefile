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
# The local Neo4j (deploy/neo4j): jars from Maven Central, data under NEO4J_HOME.
NEO4J_JAR := deploy/neo4j/target/kenning-neo4j-launcher-1.0.jar
NEO4J_HOME ?= .neo4j
NEO4J_BOLT_PORT ?= 7687
NEO4J_HTTP_PORT ?= 7474
NEO4J_PASSWORD ?= kenning-dev

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install serve test lint typecheck unit bench-locomo clean neo4j neo4j-stop serve-neo4j

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

$(NEO4J_JAR): deploy/neo4j/pom.xml $(wildcard deploy/neo4j/src/main/java/dev/kenning/neo4j/*.java)
	$(PYTHON) deploy/neo4j/local.py build

install: $(STAMP) $(NPM_STAMP) $(NEO4J_JAR)

# Headless Chromium for the Neo4j Browser test (tests/test_neo4j_browser.py).
# Playwright (dev extra) drives Debian's build; it downloads no browser.
.PHONY: chromium
install: chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)

serve: $(STAMP)
	$(BIN)/kenning serve

# Start the local Neo4j in the background and wait until Bolt answers.
neo4j: $(NEO4J_JAR)
	NEO4J_PASSWORD=$(NEO4J_PASSWORD) $(PYTHON) deploy/neo4j/local.py start \
		--home $(NEO4J_HOME) --bolt $(NEO4J_BOLT_PORT) --http $(NEO4J_HTTP_PORT)

neo4j-stop:
	$(PYTHON) deploy/neo4j/local.py stop --home $(NEO4J_HOME)

serve-neo4j: $(STAMP)
	@$(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', $(NEO4J_BOLT_PORT)), 1)" \
		2>/dev/null || $(MAKE) --no-print-directory neo4j
	KENNING_GRAPH_URL=bolt://127.0.0.1:$(NEO4J_BOLT_PORT) KENNING_NEO4J_PASSWORD=$(NEO4J_PASSWORD) \
		$(BIN)/kenning serve

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks deploy
	$(BIN)/ruff format --check src tests benchmarks deploy

typecheck: $(STAMP)
	$(BIN)/mypy src

unit: install
	$(BIN)/pytest -q

test: lint typecheck unit

# ENGINE=falkordb (default), neo4j (starts the local Neo4j unless
# KENNING_BENCH_NEO4J_URL is set) or both (one process per engine).
ENGINE ?= falkordb

bench-locomo: $(STAMP)
	$(if $(filter neo4j both,$(ENGINE)),$(MAKE) --no-print-directory $(NEO4J_JAR))
	$(BIN)/python benchmarks/locomo_retrieval.py --engine $(ENGINE)

clean:
	rm -rf $(VENV) tests/cypher_lint/node_modules .kenning-test deploy/neo4j/target

# The TypeScript SDK (sdk/typescript): `make install` installs its build and
# test tools (tsc, openapi-typescript) so `make test` runs its node tests
# against the real service (tests/test_sdk_typescript.py). After an API change,
# `make sdk-ts-generate` dumps the app's OpenAPI document and regenerates the
# SDK's types from it (the test fails until both are committed).
SDK_TS := sdk/typescript
SDK_TS_STAMP := $(SDK_TS)/node_modules/.installed

.PHONY: sdk-ts-generate sdk-ts-test sdk-ts-clean
install: $(SDK_TS_STAMP)
clean: sdk-ts-clean

$(SDK_TS_STAMP): $(SDK_TS)/package.json $(SDK_TS)/package-lock.json
	cd $(SDK_TS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(SDK_TS_STAMP)

sdk-ts-generate: $(STAMP) $(SDK_TS_STAMP)
	PYTHONPATH=src $(BIN)/python $(SDK_TS)/scripts/dump_openapi.py $(SDK_TS)/openapi.json
	cd $(SDK_TS) && npm run --silent generate

sdk-ts-test: $(STAMP) $(SDK_TS_STAMP)
	$(BIN)/pytest -q tests/test_sdk_typescript.py

sdk-ts-clean:
	rm -rf $(SDK_TS)/node_modules $(SDK_TS)/dist $(SDK_TS)/build-test

# The web console (console/: Vite + Preact + cytoscape.js), served at /console.
# Its build output is committed under src/kenning/console/static/, so serving
# needs no node; after a change under console/, `make console-build` rebuilds
# it (tests/test_console.py fails while the committed build is stale).
CONSOLE := console
CONSOLE_STAMP := $(CONSOLE)/node_modules/.installed

.PHONY: console-build console-clean
install: $(CONSOLE_STAMP)
clean: console-clean

$(CONSOLE_STAMP): $(CONSOLE)/package.json $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && npm ci --no-audit --no-fund --loglevel=error
	touch $(CONSOLE_STAMP)

console-build: $(CONSOLE_STAMP)
	cd $(CONSOLE) && npm run --silent build

console-clean:
	rm -rf $(CONSOLE)/node_modules
