# The two commands a newcomer needs: `make run` and `make test`. Only python3 (3.11) is assumed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run demo test test-sqlite test-postgres setup migrate seed messages check-deploy bench loadtest clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py load_plans
	$(PY) manage.py create_demo_accounts

run: seed
	@echo "在浏览器中打开 http://$(HOST)/ ，用上面的演示账号登录。"
	$(PY) manage.py runserver $(HOST)

# Like `make run`, plus three years of generated quarterly reporting (seed_demo --scale 1) so the
# dashboards, bulletin and review queue have something to show. It runs once per database.
demo: seed
	@if [ -z "$$($(PY) manage.py shell -c 'from tasks.models import Update; print(Update.objects.exists() or "")')" ]; then \
		$(PY) manage.py seed_demo --scale 1; \
	else echo "已有季度进展，不再生成演示数据。"; fi
	@echo "在浏览器中打开 http://$(HOST)/ ，用上面的演示账号登录。"
	$(PY) manage.py runserver $(HOST)

# Runs the whole suite. With CI=true it runs again on PostgreSQL (DATABASE_URL or the local server),
# and a database that cannot be reached is a failure there, never a skip.
test: setup
	$(PY) -m pytest
	@if [ "$$CI" = "true" ] || [ -n "$$TEST_POSTGRES" ]; then $(MAKE) --no-print-directory test-postgres; fi

test-postgres: setup
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://root@127.0.0.1:5432/actionplan} $(PY) -m pytest --require-postgres

# Re-extract interface text into the Chinese catalogue and compile it (needs gettext; the .mo is committed).
messages: setup
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles
	$(PY) -m tests.i18n_check locale/zh_Hans/LC_MESSAGES/django.po
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

check-deploy: setup
	DEBUG=false SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=actionplan.example $(PY) manage.py check --deploy --fail-level WARNING

# 50 simulated reporters for 60 s against gunicorn + PostgreSQL with production settings, on 127.0.0.1 only;
# then the stored updates are counted against the submitted ones (loadtest/run.py; LOADTEST_ARGS="--help").
loadtest: setup
	$(PY) -m loadtest.run $(LOADTEST_ARGS)

# Server time, queries and memory of the main pages, the export and an import, at scale 1 and 50 on
# SQLite and PostgreSQL, against a bare view and the admin's task list (bench/run.py; BENCH_ARGS="--help").
bench: setup
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
