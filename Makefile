# Every target creates .venv and installs the dependencies first, so a fresh clone needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo test lint format check-migrations bench bench-policies bench-matching bench-services bench-devices bench-console bench-reference bench-api stop-db clean-db

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-18s %s\n", $$1, $$2}'

# The dependencies come from the lock file: every package pinned, with its hashes, so that every
# machine, CI and the Docker image (requirements.lock) install the same files. `make lock` updates it.
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the locked dependencies (requirements-dev.lock)

.PHONY: lock
lock: $(STAMP) ## Re-resolve requirements.lock and requirements-dev.lock from pyproject.toml (after changing a dependency)
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
		-o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
		--extra dev -o requirements-dev.lock pyproject.toml

demo: $(STAMP) ## Migrate, load the demo data and serve on 127.0.0.1:8000 (with a worker and beat if REDIS_URL is set)
	@bash scripts/demo.sh

test: $(STAMP) ## Run the whole test suite (extra pytest options: make test PYTEST_ARGS="-x -k seed")
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff lint and format check, and the import layers (lint-imports, contracts in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP) ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: $(STAMP) ## Fail if a model change has no migration
	$(BIN)/python manage.py makemigrations --check --dry-run

.PHONY: messages
messages: $(STAMP) ## Extract the translatable strings into locale/zh_Hans and compile them (needs GNU gettext)
	$(BIN)/python manage.py makemessages -l zh_Hans --no-location --no-obsolete \
		--ignore=.venv --ignore=tests --ignore=bench --ignore=docs --ignore=scripts --ignore=staticfiles --ignore=.pgdata
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

bench: bench-policies bench-matching bench-services bench-devices bench-console bench-reference bench-api ## Run every benchmark

bench-policies: $(STAMP) ## Policy import, search, calculator and reverse-match benchmarks
	$(BIN)/python -m bench.policies

bench-matching: $(STAMP) ## Matching engine speed and quality benchmarks
	$(BIN)/python -m bench.matching

bench-services: $(STAMP) ## Catalog search benchmark (full-text search against an ILIKE scan)
	$(BIN)/python -m bench.services

bench-devices: $(STAMP) ## MQTT telemetry ingestion through Mosquitto, with the worker SIGKILLed mid-stream
	$(BIN)/python -m bench.devices
bench-console: $(STAMP) ## Export throughput and peak memory for 100,000 members (CSV and XLSX against a bare read)
	$(BIN)/python -m bench.console

bench-reference: $(STAMP) ## Industry reference list (complete GB/T 4754-2017) against the region list
	$(BIN)/python -m bench.reference

bench-api: $(STAMP) ## Catalog list and policy search under wrk against a bare DRF list, both on gunicorn (needs wrk)
	$(BIN)/python -m bench.api

stop-db: ## Stop the embedded PostgreSQL (it keeps running between commands otherwise)
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m cluster_platform.embedded_db stop; fi

clean-db: ## Stop the embedded PostgreSQL and delete its data (.pgdata)
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m cluster_platform.embedded_db delete; else rm -rf .pgdata; fi
