# Every target does its own set-up: a fresh machine needs only python3 and make.
SHELL := /bin/bash
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/.prefect

.PHONY: help install run test lint ckan-up ckan-down serve serve-down bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on CI), every command would
	# otherwise compile Prefect, pandas and pyarrow from source: about half its CPU time.
	$(UV) sync --frozen --compile-bytecode
	touch $@

install: $(VENV)/.synced ## create .venv from the lock file
	@# The project's own modules too (quick when up to date): PYTHONDONTWRITEBYTECODE would
	@# otherwise make every command compile them again.
	@$(PY) -m compileall -q opendata flows publish

run: install ## publish every bundled dataset (local catalog, or CKAN when CKAN_URL is set)
	$(VENV)/bin/opendata publish --all

test: lint ## lint, then the whole suite with coverage (starts the CKAN test portal when it is not running)
	bash scripts/ckan-up.sh
	bash scripts/browser-deps.sh
	$(VENV)/bin/pytest --cov --cov-report=term:skip-covered --durations=20

lint: install ## the guardrails: ruff (with complexity limits), ruff format, mypy strict, the lock in step
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy opendata publish flows tests
	$(UV) lock --check

ckan-up: ## start the local CKAN 2.12 test portal (writes .ckan/env)
	bash scripts/ckan-up.sh

ckan-down: ## stop what ckan-up started
	bash scripts/ckan-down.sh

serve: install ## local Prefect server + worker, deployments from prefect.yaml (UI: http://127.0.0.1:4200)
	bash scripts/serve.sh up

serve-down: ## stop what serve started
	bash scripts/serve.sh down

bench: install ## frictionless vs the fast validator vs validate + convert, 1M rows (bench/README.md)
	$(PY) bench/run.py --findings

clean: ## remove build outputs (keeps the raw archive in archive/, see docs/sources.md)
	rm -rf build
