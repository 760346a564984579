# The project's verbs. Every target sets up what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench extracts clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# Rebuild the Parquet extracts only when the sources no longer match the published version.
extracts: setup
	$(BIN)/sdcf-metrics build --if-stale

run: extracts
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

test: extracts
	$(BIN)/ruff check .
	$(BIN)/sdcf-metrics audit
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: extracts
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
