# The two commands a newcomer needs: `make run` and `make test`. Each bootstraps .venv and
# the embedded PostgreSQL it needs; nothing else has to be installed beforehand.

# pyenv honours .python-version; elsewhere a python3.13 on PATH is used.
PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Machines here set PYTHONDONTWRITEBYTECODE, so without compiled files every command would
# compile the whole of Django again (about a second at each start).
export UV_COMPILE_BYTECODE := 1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test faults bench lint format install browser migrate clean-db

$(VENV)/.synced: pyproject.toml uv.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv>=0.9"
	# --inexact keeps uv itself, which the lock does not list.
	$(UV) sync --locked --inexact --python $(PY)
	touch $@

install: $(VENV)/.synced

migrate: install
	env DEBUG=1 $(PY) manage.py migrate --no-input

# Migrates, loads the demo, then runs the background worker (large browser imports) beside
# the server. However `make run` is stopped (Ctrl-C, kill of make alone or of the whole group,
# kill -9 of either), config/run.py stops all of them and then the embedded PostgreSQL. DEBUG
# is off unless set; `env` rather than the shell's VAR=value, which would put a shell between
# make and the supervisor.
run: install
	env DEBUG=1 $(PY) config/run.py $(HOST):$(PORT)

# Debian's chromium: Playwright's own browser download is not reachable from here.
browser:
	@command -v chromium >/dev/null || { \
		echo "Installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

# The long fault runs: writers through a production server while its database restarts and
# stays down for ten seconds.
faults: install
	$(PY) -m pytest -m fault $(PYTEST_ARGS)

# In-process figures, then the HTTP ones against gunicorn with DEBUG off (BENCH_ARGS=--quick
# for a short smoke run; --database-url URL to measure on a server), then the JSON API beside
# the browser's endpoints, the exports, the admin with a million annotations, the review
# desk's pages and actions over HTTP, and the search over 100,000 articles with a million
# annotations with how soon a 10,000-article import is searchable (these five read
# DATABASE_URL, else use databases of their own on the embedded server; the admin's, the review
# desk's and the search's data are seeded once, in about four, three and fifteen minutes).
bench: install
	$(PY) bench/run_all.py
	$(PY) bench/http_bench.py $(BENCH_ARGS)
	$(PY) bench/api_bench.py
	$(PY) bench/export_bench.py
	$(PY) bench/admin_bench.py
	$(PY) bench/review_bench.py
	$(PY) bench/search_bench.py
	$(PY) bench/counterpart_bench.py
	$(PY) bench/reanchor_bench.py
	$(PY) bench/claims_bench.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
