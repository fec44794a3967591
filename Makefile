# Two commands do all set-up on a fresh machine:
#   make run   installs everything and starts the app with the Markaryd demo data
#   make test  installs what the tests need (Debian's chromium included) and runs them all
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
TRYGG_DEMO ?= 1

.PHONY: run test lint setup setup-test seed-demo

# `make run` asks for the Markaryd demo (an empty database gets it), so a newcomer sees a map at
# once; a municipality's own deployment runs without it (`make run TRYGG_DEMO=0`) and is set up
# with `python -m geo setup` or the set-up page.
run: setup
	$(BIN)/python -m geo db upgrade
	TRYGG_DEMO=$(TRYGG_DEMO) $(BIN)/streamlit run serve.py --server.port $(PORT)

test: setup-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

setup: $(VENV)/.installed static/vendor/manifest.json

setup-test: $(VENV)/.installed-dev static/vendor/manifest.json
	scripts/install_system.sh test

seed-demo: setup
	$(BIN)/python -m geo seed-demo

$(VENV)/.installed: requirements.txt
	scripts/install_system.sh run
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

static/vendor/manifest.json: package.json package-lock.json scripts/install_vendor.py $(VENV)/.installed
	$(BIN)/python scripts/install_vendor.py
