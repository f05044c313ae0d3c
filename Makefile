VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: run test test-browser lint bench messages install clean

$(PY):
	python3 -m venv $(VENV)

# XStatic-Bootstrap ships only an sdist whose setup still imports pkg_resources,
# which setuptools 81 removed: build it against the venv's own older setuptools.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet "setuptools<81" wheel
	$(PIP) install --quiet --no-build-isolation "XStatic-Bootstrap>=5.3"
	$(PIP) install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Local development settings: debugging on, a secret key of this checkout's own, and the
# demo's TechSupport address as where users write for help.
.env: | $(PY)
	$(PY) -c "import secrets; print('DEBUG=true'); print('SECRET_KEY=' + secrets.token_urlsafe(50)); print('SUPPORT_EMAIL=techsupport@portal.example')" > .env

run: $(STAMP) .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py run_with_worker 127.0.0.1:8000

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	DJANGO_SETTINGS_MODULE=portal.test_settings $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=portal.test_settings $(PY) manage.py check

test: $(STAMP) lint
	$(PY) tests/run_suite.py

test-browser: $(STAMP)
	$(PY) -m pytest -m browser tests/e2e

# The benchmarks also compare the validator with peppol-py, and keep database connections
# between requests as production does.
bench: $(STAMP)
	$(PIP) install --quiet -e ".[test,bench]"
	DATABASE_CONN_MAX_AGE=60 $(PY) -m pytest -m bench tests/bench -s -p no:cacheprovider

messages: $(STAMP) .env
	$(PY) manage.py makemessages -l nl --no-obsolete --ignore=.venv --ignore=tests
	$(PY) manage.py compilemessages -l nl -l en --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles
