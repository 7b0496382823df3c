# Two entry points for a fresh clone: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup lint typecheck layers pytest bench bundle bundle-smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project metadata changes, so repeated runs are quick.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/eqvisit demo --if-absent
	$(BIN)/eqvisit gui

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

test: lint typecheck layers pytest

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# One-folder PyInstaller bundle: dist/eqvisit/eqvisit (desktop app) and dist/eqvisit/eqvisit-cli.
bundle: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN build.spec

# Build the bundle, make a demo profile with its CLI, open its GUI offscreen, expect exit 0.
bundle-smoke: $(STAMP)
	scripts/bundle_smoke.sh

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
