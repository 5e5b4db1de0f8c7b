# GSLTS: `make run` starts the app on the embedded default; `make test` runs every test; `make lock` re-locks.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev lint format bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Dependencies: declared in pyproject.toml, locked per install target in requirements/ (`make lock`).
RUNTIME_LOCK := requirements/runtime.txt
TEST_LOCK := requirements/test.txt
LOCK_ARGS ?=
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
	--custom-compile-command "make lock" $(LOCK_ARGS)

# The runtime lock only: no test, bench or dev tools (a venv `make test` set up keeps its test lock).
$(VENV)/.installed: $(BIN)/python $(RUNTIME_LOCK) pyproject.toml
	$(BIN)/pip install --quiet -r $(if $(wildcard $(VENV)/.installed-dev),$(TEST_LOCK),$(RUNTIME_LOCK))
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# The test lock on top: runtime + test + bench + dev, as `make test`, `make lint` and `make bench` need.
$(VENV)/.installed-dev: $(VENV)/.installed $(TEST_LOCK)
	$(BIN)/pip install --quiet -r $(TEST_LOCK)
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/gslts run

test: install-dev
	DASH_TEST_CHROMEPATH=$${DASH_TEST_CHROMEPATH:-$$(command -v chromium || true)} $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	$(BIN)/python bench/paper.py
	$(BIN)/python bench/backtest.py

# Regenerate both locks from pyproject.toml, keeping the current pins where they still fit
# (`make lock LOCK_ARGS=--upgrade` for the newest allowed, `LOCK_ARGS="--upgrade-package dash"` for one).
lock: install-dev
	$(UV_COMPILE) -o $(RUNTIME_LOCK)
	$(UV_COMPILE) --extra test --extra bench --extra dev -o $(TEST_LOCK)

clean:
	rm -rf $(VENV) build *.egg-info
