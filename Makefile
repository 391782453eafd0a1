# Two commands set everything up: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run serve migrate demo lint test test-sqlite test-pg bench soak browser migration clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

.env:
	cp .env.example .env

migrate: install .env
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load

# Installs, migrates, loads demo data, then serves the web app and the scheduler process.
run: demo
	scripts/run.sh

# Dependency direction (import-linter contracts in pyproject.toml) and ruff's lint rules.
lint: install
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .

test: install browser lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-pg

test-sqlite: install
	$(PY) -m pytest -q

# The same suite on PostgreSQL; skipped with a message when no server answers, unless
# REQUIRE_PG=1 (CI), where a missing server is an error.
test-pg: install
	@if scripts/pg_ready.sh "$(PG_TEST_URL)"; then \
		TEST_DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest -q; \
	elif [ "$$REQUIRE_PG" = "1" ]; then echo "PostgreSQL is required but not reachable" >&2; exit 1; \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): PostgreSQL run skipped"; fi

# Debian's chromium and chromium-driver for the browser tests (no browser downloads).
browser:
	scripts/install-browser.sh

# Benchmarks (loopback only; wrk from Debian): figures and verdicts, see docs/BENCHMARKS.md.
bench: install
	scripts/install-bench-tools.sh
	$(PY) bench/run_all.py

# Write the next numbered migration from the models: make migration MESSAGE="what changed".
migration: install
	$(PY) migrations/regen.py "$(MESSAGE)"

clean:
	rm -rf $(VENV) instance .pytest_cache

# Soak test with faults on its own private PostgreSQL cluster (loopback; not part of `make test`):
# see docs/BENCHMARKS.md.
SOAK_MINUTES ?= 10
soak: install
	SOAK_MINUTES=$(SOAK_MINUTES) $(PY) bench/soak.py
