# ThreadLift developer commands. `make demo` and `make test` are the README's quick start.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types docs bench browser clean

# The virtual environment is rebuilt only when the project's dependencies change.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] <= (3, 12), "ThreadLift needs Python 3.11 or 3.12 (MediaPipe 0.10.21 has no wheel for newer)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The demo clinic in the browser: SQLite in demo-clinic/, staff for every role, patients at every stage.
demo: $(STAMP)
	$(BIN)/threadlift demo

# Two workers (CI's machine has two cores), a module's tests on one worker (they share its fixtures); the
# tests that time requests against each other run afterwards, alone.
test: $(STAMP) lint types browser
	$(BIN)/python -m pytest -n 2 --dist loadscope -m "not alone"
	$(BIN)/python -m pytest -m alone

# The browser tests drive Debian's chromium through Playwright (no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium >/dev/null || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium >/dev/null; }; }

# ruff, and the layering contracts of pyproject.toml (import-linter): interfaces see only the use cases.
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

types: $(STAMP)
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python -c 'from threadlift.face.reference import markdown_table; print(markdown_table(), end="")' > docs/measurements.md
	$(BIN)/python -c 'import json; from threadlift.plan.model import plan_schema; print(json.dumps(plan_schema(), indent=2))' > src/threadlift/plan/data/plan.schema.json
	$(BIN)/python -c 'import json; from threadlift.clinic.catalogue import catalogue_schema; print(json.dumps(catalogue_schema(), indent=2))' > src/threadlift/clinic/data/thread_catalogue.schema.json

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/repeatability.py
	$(BIN)/python bench/framing.py
	$(BIN)/python bench/compare.py
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/records.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/exports.py
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/backup.py
	$(BIN)/python bench/portal.py

clean:
	rm -rf $(VENV) demo-clinic threadlift-sample test-artifacts .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
