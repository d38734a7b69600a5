# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK = 1
export MALLOC_ARENA_MAX ?= 2

.PHONY: run test test-container bench translations clean

run: $(VENV)/.app  ## install what the app needs and serve it on http://127.0.0.1:8000
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py app:app

test: $(VENV)/.tests node_modules/.installed  ## install what the tests need and run the whole suite
	bash tests/system-packages.sh
	$(BIN)/ruff check .
	TMPDIR=/tmp $(BIN)/python -m pytest

test-container: $(VENV)/.tests  ## as root: build deploy/Dockerfile, run it and deploy/compose.yaml under podman (docs/containers.md)
	TMPDIR=/tmp $(BIN)/python -m pytest -m container tests/test_container.py
	cat artifacts/container-figures.json

$(VENV)/.app: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.tests: requirements-test.txt $(VENV)/.app
	$(BIN)/python -m pip install -q -r requirements-test.txt
	touch $@

node_modules/.installed: package.json package-lock.json  # Lighthouse and axe-core for the browser tests
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench: $(VENV)/.tests  ## every speed benchmark in one run, into bench/results/ (docs/performance.md quotes its summary)
	TMPDIR=/tmp $(BIN)/python bench/run.py

translations:  ## re-extract UI strings and compile the catalogues after editing templates or code
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --omit-header --no-wrap -o hantei/translations/messages.pot .
	$(BIN)/pybabel update -i hantei/translations/messages.pot -d hantei/translations --no-fuzzy-matching --no-wrap
	$(BIN)/pybabel compile -d hantei/translations

clean:
	rm -rf $(VENV)
