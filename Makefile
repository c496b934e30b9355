# Parley — the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV_HOME := .cache/uv-tool
UV := $(UV_HOME)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
#: One test database per pytest-xdist worker (see the pytest target).
TEST_WORKER_DATABASES := parley_test_gw0 parley_test_gw1 parley_test_gw2 parley_test_gw3

.PHONY: help install services services-stop services-status migrate demo test lint typecheck contracts pytest schema

help:
	@echo "make demo           run the demo on the embedded default (SQLite, in-process jobs, FTS5)"
	@echo "make test           install, start PostgreSQL/Redis/OpenSearch, lint, type-check, test"
	@echo "make services       start the local services (idempotent); make services-stop stops them"
	@echo "make schema         regenerate frontend_contract/schema.graphql"

$(UV):
	python3 -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install --quiet "uv==$(UV_VERSION)"

# The locked set from uv.lock, exactly; the project itself is installed editable.
install: $(UV)
	$(UV) sync --frozen --python python3

services:
	PARLEY_SERVICES_EXTRA_DATABASES="$(TEST_WORKER_DATABASES) $$PARLEY_SERVICES_EXTRA_DATABASES" \
		bash scripts/services.sh start

services-stop:
	bash scripts/services.sh stop

services-status:
	bash scripts/services.sh status

migrate: install
	$(BIN)/parley migrate

demo: install
	$(BIN)/parley demo

lint:
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy api domain workers search migrations tests

contracts:
	$(BIN)/lint-imports

# Tests run on PYTEST_WORKERS processes, each with its own test database
# (parley_test_gw<N>, created by `make services`); tests that stop a shared
# service run alone afterwards.
PYTEST_WORKERS ?= 3
pytest:
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not serial"
	$(BIN)/pytest -m serial

schema: install
	$(BIN)/parley schema export --output frontend_contract/schema.graphql

test: install services
	$(MAKE) --no-print-directory migrate
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory contracts
	$(MAKE) --no-print-directory pytest
