# ringwatch: the same commands locally, in CI (.ci/run) and in the README.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RW := $(BIN)/ringwatch
STAMP := $(VENV)/.installed
DEMO_DIR ?= var/demo
DEMO_SCALE ?= 1

.PHONY: help setup demo test unit integration lint format typecheck bench fixtures stack-up stack-down clean

help:  ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)  ## Create .venv and install ringwatch with its dev tools

stack-up: setup  ## Start Neo4j + GDS and Kafka (assembled from Maven Central on first run)
	$(RW) stack up

stack-down: setup  ## Stop the local servers (data is kept in var/stack)
	$(RW) stack down

demo: stack-up  ## Set up and run the main job end to end
	$(RW) graph init
	$(RW) demo --out $(DEMO_DIR) --scale $(DEMO_SCALE)

# `make test` starts the stack if it is not running and stops it again afterwards,
# leaving a stack that was already running alone.
test: setup  ## Set up, start the stack, run all tests, stop what it started
	@if $(RW) stack status --quiet; then was_up=1; else was_up=0; fi; \
	$(RW) stack up || exit 1; \
	$(BIN)/pytest tests; rc=$$?; \
	if [ $$was_up = 0 ]; then $(RW) stack down; fi; \
	exit $$rc

unit: setup  ## Unit tests only (no services)
	$(BIN)/pytest tests/unit

integration: stack-up  ## Integration tests against the running stack
	$(BIN)/pytest tests/integration

lint: setup  ## ruff lint, format check and strict types (mypy)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: setup  ## mypy --strict on the product packages (also part of lint)
	$(BIN)/mypy

BENCH_DIR ?= var/bench
# Every benchmark in bench/, at scale 1 (each script's --help shows how to run larger scales;
# docs/benchmarks.md gives the exact commands behind every published figure). Wipes the graph.
bench: stack-up  ## Run every benchmark (long; figures go to stdout)
	$(BIN)/python bench/generate.py --scales 1
	$(RW) generate --out $(BENCH_DIR)/s1 --scale 1 --seed 7
	$(BIN)/python bench/ingest.py --data $(BENCH_DIR)/s1 --rates 2000,1000
	$(BIN)/python bench/check.py --scale 1
	$(BIN)/python bench/detect.py --wipe --scale 1 --seeds 7 --data-dir $(BENCH_DIR)
	$(BIN)/python bench/detect_loaded.py $(BENCH_DIR)/s1 --load --wipe
	$(BIN)/python bench/decide.py --data $(BENCH_DIR)/s1 --rates 2000 --seconds 30
	$(BIN)/python bench/gnn.py --scales 1
	$(BIN)/python bench/app_ring_render.py --sizes 100 500 1000

fixtures: setup  ## Regenerate the small committed dataset in data/fixtures
	$(RW) generate --out data/fixtures --scale 0.05 --seed 1 --format csv

clean:  ## Stop the stack and remove var/ (all local data!) and .venv
	-$(RW) stack down
	rm -rf var $(VENV)
