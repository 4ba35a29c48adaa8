# Two entry points: `make run` opens the workbench, `make test` runs every check.
# Both install exactly what requirements.lock pins (with hashes); `make lock` refreshes it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCK := requirements.lock
DIR ?= .
# The set-up tools are locked too, so the venv holds nothing unpinned.
SETUP_TOOLS := 'pip' 'setuptools>=69' 'wheel'
UV_SPEC := uv>=0.9,<0.14

.PHONY: run demo test lint screenshots bench lock test-latest clean

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "workbench needs Python >= 3.11")'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	@touch $(STAMP)
	@echo "workbench is installed in $(VENV): run '. $(VENV)/bin/activate' to type 'workbench' directly"

run: $(STAMP)
	$(BIN)/workbench $(DIR)

demo: $(STAMP)
	$(BIN)/workbench demo

lint: $(STAMP)
	$(BIN)/ruff check workbench tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q

screenshots: $(STAMP)
	$(BIN)/python screenshots/make_screenshots.py

# Re-resolve every pin from pyproject.toml's ranges, for every platform and Python >= 3.11, with hashes.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install -q '$(UV_SPEC)'
	printf '%s\n' $(SETUP_TOOLS) | .venv-lock/bin/uv pip compile pyproject.toml - --extra dev --universal \
		--python-version 3.11 --generate-hashes --no-header --quiet -o $(LOCK).new
	{ echo '# The whole dependency tree of workbench and its checks, pinned with hashes. Made by `make lock`;'; \
	  echo '# `make run` and `make test` install exactly this. pyproject.toml keeps the ranges.'; \
	  cat $(LOCK).new; } > $(LOCK)
	rm -rf .venv-lock $(LOCK).new

# An early warning: the newest releases pyproject.toml allows, in a throwaway venv, through every check.
test-latest:
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install -q --upgrade pip
	.venv-latest/bin/python -m pip install -q --upgrade -e '.[dev]'
	.venv-latest/bin/python -c 'from tests.test_setup import print_drift; print_drift()'
	.venv-latest/bin/ruff check workbench tests bench
	.venv-latest/bin/mypy
	.venv-latest/bin/lint-imports
	.venv-latest/bin/pytest -q
	rm -rf .venv-latest

clean:
	rm -rf $(VENV) .venv-lock .venv-latest
