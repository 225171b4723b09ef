# Glossary: `make run` serves the sample glossary, `make test` runs the whole suite.

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The first interpreter that is Python >= 3.12 (Django 6 needs it): $PYTHON, then
# python3.13/python3.12/python3 on PATH, then pyenv's versions.
PYTHON ?= $(shell for c in python3.13 python3.12 python3 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null); do \
	command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$c; break; }; done)

.PHONY: run serve editor test lint format sample export clean soak bench

$(PY):
	@test -n "$(PYTHON)" || { echo "error: Glossary needs Python 3.12 or newer; none found on PATH or in pyenv. Install one, or run: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	@echo "Installing the requirements into $(VENV)..."
	@$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# Quiet: migrate (which also runs the system checks) says nothing unless something fails, the
# import says one line, and the server ends its start-up lines with where to go. The task
# worker (webhook deliveries) runs beside the server and stops when it stops.
run: $(VENV)/.installed
	@$(PY) manage.py migrate --no-input --verbosity 0
	@$(PY) manage.py import_glossary --if-empty terms/sample_glossary
	@$(PY) manage.py collectstatic --no-input --verbosity 0
	@$(PY) manage.py worker --verbosity 0 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
		$(PY) manage.py serve --skip-checks $(HOST):$(PORT)

# The production path on this machine: nginx (deploy/nginx.conf) in front of two gunicorns
# (deploy/gunicorn.conf.py) on PostgreSQL and Redis, and the task worker. DATABASE_URL, REDIS_URL and SERVE_PORT
# override the defaults in bench/serve.py.
serve: $(VENV)/.installed
	@$(PY) -m bench.serve

# An editor account in one command: `make editor NAME=alice` prints a generated password;
# GLOSSARY_EDITOR_PASSWORD=... sets one instead.
editor: $(VENV)/.installed
	@test -n "$(NAME)" || { echo "usage: make editor NAME=yourname" >&2; exit 2; }
	@$(PY) manage.py migrate --no-input --verbosity 0
	@$(PY) manage.py make_editor "$(NAME)"

# axe-core, the accessibility checker the browser tests inject into pages (npm registry, pinned).
AXE_VERSION := 4.14.1
AXE := $(VENV)/axe-core/axe.min.js

$(AXE): | $(PY)
	mkdir -p $(VENV)/axe-core
	cd $(VENV)/axe-core && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
		&& tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js \
		&& rm axe-core-$(AXE_VERSION).tgz

test: $(VENV)/.installed-dev $(AXE)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Not part of `make test`: the production setup under load and through outages (minutes).
soak: $(VENV)/.installed-dev
	$(PY) -m bench.soak

# Not part of `make test`: the production path (nginx, two gunicorns, PostgreSQL, Redis) under
# wrk, one table of req/s, p50 and p99 against a bare view. BENCH_ARGS="--search-terms 100000"
# adds the synthetic set for search; "--duration 5s" shortens the run.
bench: $(VENV)/.installed-dev
	$(PY) -m bench.run $(BENCH_ARGS)
