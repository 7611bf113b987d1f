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

# The redaction engine compiled with mypyc (1.2-1.5x as fast; see docs/redaction.md), rebuilt
# whenever one of its sources changes. Without a C compiler the engine runs interpreted.
REDACTION := src/memory_machines/redaction
NATIVE := $(REDACTION)/_native/FINGERPRINT
$(NATIVE): $(STAMP) $(wildcard $(REDACTION)/*.py)
	$(BIN)/python -m memory_machines.redaction.build --if-possible

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
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache $(REDACTION)/_native
