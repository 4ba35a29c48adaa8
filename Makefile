# Two entry points: `make run` opens the workbench, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DIR ?= .

.PHONY: run test lint screenshots bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "workbench needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/workbench $(DIR)

lint: $(STAMP)
	$(BIN)/ruff check workbench tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q

screenshots: $(STAMP)
	$(BIN)/python screenshots/make_screenshots.py

clean:
	rm -rf $(VENV)
