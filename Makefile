# Two commands for a fresh machine with Python 3.11 and make: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

.PHONY: run test lint setup install install-dev clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The quickstart runs in debug mode (a generated dev secret key, mail to var/outbox)
# through a .env copied from .env.example; edit .env to change anything.
.env:
	cp .env.example .env
	@echo "Created .env from .env.example (DJANGO_DEBUG=true for local use)."

setup: install .env
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) setup_schedules
	$(MANAGE) ensure_admin

# One pipeline run on the embedded defaults (sample prospects, template drafts), then
# the web server and the worker. A second run on the same day only tops up to the limit.
run: setup
	$(MANAGE) create_sample_campaign
	$(MANAGE) run_prospect_queue
	@echo ""
	@echo "Approve the drafts at http://127.0.0.1:8000/admin/outreach/outreachemail/ (sign in as admin)."
	@echo "Starting the web server and the worker (Ctrl-C stops both)."
	$(MANAGE) serve 127.0.0.1:8000

lint: install-dev
	$(VENV)/bin/ruff check .

test: install-dev lint
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) var db.sqlite3
