# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test lint format migrate seed bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt .ci/system-packages | $(PY)
	.ci/system-packages
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

migrate: $(STAMP)
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo --once

run: seed
	DEBUG=$${DEBUG:-1} $(PY) manage.py ensure_champion --report artifacts/application-report.json
	DEBUG=$${DEBUG:-1} $(PY) manage.py open_review_tasks
	DEBUG=$${DEBUG:-1} $(PY) manage.py nightly
	DEBUG=$${DEBUG:-1} $(PY) manage.py setup_schedules
	DEBUG=$${DEBUG:-1} $(PY) manage.py demo_accounts --url http://$(HOST):$(PORT)/
	@echo "Web: http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	DEBUG=$${DEBUG:-1} $(PY) manage.py qcluster & QPID=$$!; \
	DEBUG=$${DEBUG:-1} $(PY) manage.py demo_accounts --url http://$(HOST):$(PORT)/ \
	  --after-start 120 & APID=$$!; \
	trap "kill $$QPID $$APID 2>/dev/null" EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

# Production mode: DEBUG off, gunicorn and the django-q2 cluster. Needs SECRET_KEY,
# PAYMENT_WEBHOOK_SECRET, ALLOWED_HOSTS and usually DATABASE_URL (see the README).
serve: $(STAMP)
	@test -n "$$SECRET_KEY" || { echo "make serve needs SECRET_KEY (see README: Production mode)"; exit 2; }
	DEBUG=0 $(PY) manage.py check_services
	DEBUG=0 $(PY) manage.py migrate --noinput
	DEBUG=0 $(PY) manage.py collectstatic --noinput -v 0
	DEBUG=0 $(PY) manage.py setup_schedules
	DEBUG=0 $(PY) manage.py qcluster & QPID=$$!; \
	trap "kill $$QPID 2>/dev/null" EXIT INT TERM; \
	DEBUG=0 $(VENV)/bin/gunicorn zaymer.wsgi --workers $${WEB_WORKERS:-2} \
	  --bind $(HOST):$(PORT) --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DEBUG=1 $(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

CHROMIUM ?= $(shell command -v chromium || echo /usr/bin/chromium)

test: lint
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	@test -x "$(CHROMIUM)" && echo "Browser tests: Chromium at $(CHROMIUM)" \
	  || echo "Browser tests SKIPPED: no Chromium (Debian: apt-get install chromium)"
	CHROMIUM_PATH=$(CHROMIUM) DEBUG=1 $(PY) -m pytest -q -n 2 -rs

bench: $(STAMP)
	DEBUG=1 $(PY) bench/run_all.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
