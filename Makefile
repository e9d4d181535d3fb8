# Thematic coding workbench. `make demo` runs the app with demo data on SQLite;
# `make test` runs the whole test suite (DATABASE_URL chooses PostgreSQL).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Development commands run with DEBUG=1 (without it the settings require a SECRET_KEY).
DEV := DEBUG=1

.PHONY: messages demo install dev-install migrate seed run worker test check lint format bench bench-10x loadtest bench-taguette clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev-install: $(VENV)/.dev-installed

migrate: install
	$(DEV) $(PY) manage.py migrate --noinput

seed: migrate
	$(DEV) $(PY) manage.py seed_demo --login-url http://$(HOST):$(PORT)/accounts/login/

run: install
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The task worker runs long exports (background jobs); expired job files are pruned first.
worker: migrate
	$(DEV) $(PY) manage.py jobs_prune
	$(DEV) $(PY) manage.py db_worker --no-reload

# The worker runs in the background beside the server and stops with it (Ctrl+C).
demo: seed
	@echo "Open http://$(HOST):$(PORT)/accounts/login/ and log in with the users printed above."
	@$(DEV) $(PY) manage.py jobs_prune
	@$(DEV) $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: dev-install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: dev-install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: dev-install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: dev-install lint
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

bench: dev-install
	$(DEV) $(PY) manage.py bench

bench-10x: dev-install
	$(DEV) $(PY) manage.py bench --scale 10

# 30 simulated coders against gunicorn (3 workers, 127.0.0.1) and PostgreSQL for 2 minutes;
# drops and rebuilds its own database. LOADTEST_ARGS e.g. "--think 0 --out loadtest.json".
LOADTEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/wb_loadtest
LOADTEST_ARGS ?=
loadtest: install
	$(DEV) DATABASE_URL=$(LOADTEST_DATABASE_URL) $(PY) manage.py loadtest $(LOADTEST_ARGS)

# Side by side with Taguette 1.5.2 on its own workload (needs PyPI once for Taguette's venv,
# and Chromium); BENCH_TAGUETTE_ARGS e.g. "--repeat 20 --out taguette.json".
BENCH_TAGUETTE_ARGS ?=
bench-taguette: dev-install
	$(DEV) $(PY) manage.py bench_taguette $(BENCH_TAGUETTE_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# The interface's translations (README "Languages"): extract the strings of templates, Python
# and static/js into locale/zh_Hant, then compile the .mo files the app reads.
LOCALES ?= zh_Hant
messages: install
	$(DEV) $(PY) manage.py makemessages $(addprefix -l ,$(LOCALES)) -d django --no-obsolete --no-wrap --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=node_modules
	$(DEV) $(PY) manage.py makemessages $(addprefix -l ,$(LOCALES)) -d djangojs --no-obsolete --no-wrap --ignore=.venv --ignore=staticfiles --ignore=node_modules --ignore=tests
	$(PY) -m workbench.lib.po_locations $(foreach l,$(LOCALES),locale/$(l)/LC_MESSAGES/django.po locale/$(l)/LC_MESSAGES/djangojs.po)
	$(DEV) $(PY) manage.py compilemessages $(addprefix -l ,$(LOCALES)) --ignore=.venv
