# Banca — everyday commands. The two a new user needs (README):
#   make run    set up .venv, migrate the embedded SQLite database, seed demo data, serve on :5000
#   make test   set up .venv, run the whole suite except the browser tests
# Also: make e2e (browser tests, headless Chromium), make ci (= bash .ci/run),
#       make web / make worker / make scheduler (production processes, see README).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
PYTEST := $(BIN)/pytest
STAMP  := $(VENV)/.installed

HOST ?= 127.0.0.1
PORT ?= 5000
# pytest arguments, e.g. make test ARGS="tests/sales -x"
ARGS ?=

# Production process settings (make web / worker / scheduler).
BIND        ?= 0.0.0.0:8000
WEB_WORKERS ?= 4
WEB_THREADS ?= 4

.PHONY: help venv run test e2e ci chromium web worker scheduler clean-venv

help:
	@echo "make run        set up and run the app on the embedded default (SQLite, demo data) at http://$(HOST):$(PORT)/"
	@echo "make test       run the test suite (all but the browser tests)"
	@echo "make e2e        run the browser tests (Playwright + headless Debian Chromium)"
	@echo "make ci         run .ci/run: SQLite suite, PostgreSQL+Redis suite, migration check, browser tests"
	@echo "make web        production web server (gunicorn gthread)"
	@echo "make worker     production RQ worker (needs REDIS_URL)"
	@echo "make scheduler  the one RQ cron process (needs REDIS_URL)"

# Create .venv and install the project with its dev extras when missing or when pyproject.toml
# changed (the stamp holds its hash); otherwise this is a no-op taking milliseconds.
venv:
	@set -euo pipefail; \
	want="$$(sha256sum pyproject.toml | cut -d' ' -f1)"; \
	if [ -x "$(BIN)/python" ] && [ -f "$(STAMP)" ] && [ "$$(cat $(STAMP))" = "$$want" ]; then exit 0; fi; \
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Banca needs Python >= 3.11 ($(PYTHON) is $$($(PYTHON) --version 2>&1))" >&2; exit 1; }; \
	[ -x "$(BIN)/python" ] || { echo ">> creating $(VENV)"; $(PYTHON) -m venv $(VENV); }; \
	echo ">> installing banca[dev] into $(VENV)"; \
	PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/pip install --progress-bar off -q -e '.[dev]'; \
	echo "$$want" > $(STAMP)

# The first README command. DATABASE_URL unset = SQLite file instance/banca.sqlite3; without
# REDIS_URL, `flask serve` also runs the in-process scheduler (draws open and close on time).
run: venv
	LOG_JSON=$${LOG_JSON:-0} $(FLASK) db upgrade
	LOG_JSON=$${LOG_JSON:-0} $(FLASK) seed-demo
	LOG_JSON=$${LOG_JSON:-0} $(FLASK) serve --host $(HOST) --port $(PORT)

# The second README command: every test but the browser ones (SQLite unless DATABASE_URL is set).
test: venv
	$(PYTEST) -m "not e2e" $(ARGS)

# Browser tests in headless Debian Chromium (never `playwright install`).
e2e: venv chromium
	$(PYTEST) -m e2e tests/e2e --screenshot only-on-failure --output test-results $(ARGS)

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "Install Debian's chromium first: sudo apt-get install -y chromium" >&2; exit 1; fi; \
	  echo ">> installing Debian chromium"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	fi

ci:
	bash .ci/run

# ---------------------------------------------------------------- production processes
# Needs SECRET_KEY, BANCA_ENV=production, DATABASE_URL, REDIS_URL, and `flask db upgrade` first.
web: venv
	$(BIN)/gunicorn --worker-class gthread --workers $(WEB_WORKERS) --threads $(WEB_THREADS) \
	  --bind $(BIND) --access-logfile - wsgi:app

worker: venv
	@test -n "$$REDIS_URL" || { echo "REDIS_URL is required" >&2; exit 1; }
	$(BIN)/rq worker --with-scheduler --url "$$REDIS_URL" default

# Exactly ONE of these per deployment; RQ 3 reads cron strings in the process's local time.
scheduler: venv
	@test -n "$$REDIS_URL" || { echo "REDIS_URL is required" >&2; exit 1; }
	TZ=America/Costa_Rica $(BIN)/rq cron --url "$$REDIS_URL" app.jobs.cron_config

clean-venv:
	rm -rf $(VENV)
