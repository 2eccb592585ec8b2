# One command each: `make ask Q="..."` answers offline, `make test` runs the suite, `make test-fast` the
# tests that do not load the real model, `make lint` ruff and pyright.
# Both create .venv on first use. torch is pinned to 2.13.0, the CPU build these machines keep on
# local disk; an unpinned torch would pull several GB of CUDA packages.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
Q ?= What did Putin say at the Valdai Club?

.PHONY: install ask test test-fast test-container lint format bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

ask: install
	$(BIN)/essaybot ask "$(Q)"

test: install
	$(BIN)/python -m pytest -q

# The edit-and-rerun loop: everything but the tests marked `model` (the real embedding model), in seconds.
# The fast tests are independent (own ports, own temporary folders), so they run on two workers.
test-fast: install
	$(BIN)/python -m pytest -q -n 2 -m "not model and not container"

# Builds the Dockerfile for real with podman (../shared/tools/container-check) and checks the image.
test-container: install
	ESSAYBOT_CONTAINER_TESTS=1 $(BIN)/python -m pytest -q -m container tests/test_container.py

# pyright is given the project's settings by name: a stray pyrightconfig.json in a folder above would win.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyright -p pyproject.toml

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) var .pytest_cache
