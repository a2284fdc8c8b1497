# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Parallel test processes (pytest-xdist): one per core; each has its own test database.
TEST_WORKERS ?= auto

.PHONY: run test lint bench load worker migrate clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Re-install only when the project's dependencies changed.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Browser libraries (idiomorph) come from the npm registry at set-up, pinned in package-lock.json, and
# are served from our own origin by staticfiles (config/settings.py); nothing is fetched at run time.
$(NODE_STAMP): package.json package-lock.json
	npm ci --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(NODE_STAMP)

var: $(NODE_STAMP)
	mkdir -p var/media var/bench var/static

migrate: $(STAMP) var
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py load_catalog --quiet
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r config threatmodel catalog assessments -ll

# The suite runs in parallel (pytest-xdist, one test database per process; the tests that commit or start
# a real worker share one process, tests/conftest.py). Browser tests run in their
# own pytest process, not in parallel: Playwright's sync API leaves an event loop running in the main
# thread, which Django's ORM would refuse for the tests after them.
test: lint var
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -m "not browser" -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)
	$(VENV)/bin/pytest -m browser $(PYTEST_ARGS)
	$(PY) -m tests.bench --smoke

bench: $(STAMP) var
	$(PY) -m tests.bench

load: $(STAMP) var
	$(PY) -m pip install --quiet -e '.[dev,load]'
	$(PY) -m tests.load
	$(PY) -m tests.load.two_servers

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker -Q celery,reports,imports,webhooks -l info

clean:
	rm -rf $(VENV) node_modules var/db.sqlite3
