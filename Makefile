# The project's verbs. Every target sets up what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
N ?= 2
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench extracts clean serve-replicas

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

# A local trial of the scale-out setup on loopback: moto's S3 server, N replicas mirroring it, nginx in front
# (deploy/nginx.conf). Ctrl-C stops it all. See docs/deployment.md.
serve-replicas: extracts
	$(BIN)/python -m deploy.local_trial --replicas $(N)

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
