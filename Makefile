# One command per task. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev,gcp,bench

.PHONY: install native run test test-unit lint typecheck format bench bench-redaction clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

# The redaction engine and the request path compiled with mypyc (docs/redaction.md,
# docs/benchmarks.md), rebuilt whenever a source changes: only the parts whose sources changed
# are compiled again. Without a C compiler everything runs interpreted.
PACKAGE := src/memory_machines
NATIVE := $(PACKAGE)/_native/BUILT
$(NATIVE): $(STAMP) $(wildcard $(PACKAGE)/*.py $(PACKAGE)/*/*.py)
	$(BIN)/python -m memory_machines.build --if-possible

native: $(NATIVE)

install: $(STAMP) $(NATIVE)

run: install
	$(BIN)/memory-machines serve --host 127.0.0.1 --port 8080

test: install
	$(BIN)/pytest

test-unit: install
	$(BIN)/pytest -m "not integration"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

bench: install
	$(BIN)/python -m benchmarks.run

bench-redaction: install
	$(BIN)/memory-machines bench-redaction

include deploy/cloudrun.mk

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache $(PACKAGE)/_native
