# The two commands: `make run` and `make test`. Everything else is a step they share.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WITH_SERVICES := scripts/with-services

.PHONY: run test setup lint format browser pdf-libs bench serve load mutation services-stop clean

run: setup
	$(WITH_SERVICES) scripts/run-dev

test: setup lint
	$(WITH_SERVICES) $(BIN)/python manage.py makemigrations --check --dry-run -v 1
	$(WITH_SERVICES) $(BIN)/pytest

# The production web server (gunicorn, gunicorn.conf.py) on 127.0.0.1:$(PORT), default 8000.
serve: setup
	$(WITH_SERVICES) scripts/prepare-database
	$(WITH_SERVICES) scripts/serve

# 32 clients against gunicorn, 12 s per target: health baseline, overview, KPI API, NPS submit.
load: setup
	$(WITH_SERVICES) scripts/load

# Mutation testing (mutmut, [tool.mutmut] in pyproject.toml), outside `make test`: slow.
mutation: setup
	scripts/mutation

setup: $(BIN)/.installed node_modules/.installed browser pdf-libs

$(BIN)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Browser tests drive Debian's Chromium (no browser download); install it when missing.
browser:
	@command -v chromium >/dev/null || scripts/install-chromium

# WeasyPrint (the report's PDF) needs Pango and HarfBuzz; install Debian's packages when missing.
pdf-libs:
	@ldconfig -p | grep -q libpangoft2-1.0 || scripts/install-pdf-libs

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy smarketing tenants surveys

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every workload (or BENCH="kpis import"), its table also in bench/results/latest.json.
bench: setup
	$(WITH_SERVICES) scripts/prepare-database
	$(WITH_SERVICES) $(BIN)/python -m benchmarks $(BENCH)

services-stop:
	$(BIN)/python -m smarketing.devservices stop

clean:
	rm -rf $(VENV) node_modules staticfiles .local test-artifacts
