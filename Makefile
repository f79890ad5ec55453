# ThreadLift developer commands. `make demo` and `make test` are the README's quick start.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types docs bench clean

# The virtual environment is rebuilt only when the project's dependencies change.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] <= (3, 12), "ThreadLift needs Python 3.11 or 3.12 (MediaPipe 0.10.21 has no wheel for newer)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/threadlift demo --out demo-output

test: $(STAMP) lint types
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

types: $(STAMP)
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python -c 'from threadlift.face.metrics import markdown_table; print(markdown_table(), end="")' > docs/measurements.md
	$(BIN)/python -c 'import json; from threadlift.plan.model import plan_schema; print(json.dumps(plan_schema(), indent=2))' > src/threadlift/plan/data/plan.schema.json
	$(BIN)/python -c 'import json; from threadlift.clinic.catalogue import catalogue_schema; print(json.dumps(catalogue_schema(), indent=2))' > src/threadlift/clinic/data/thread_catalogue.schema.json

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/repeatability.py
	$(BIN)/python bench/compare.py
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/records.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
