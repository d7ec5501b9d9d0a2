# Entraide developer tasks. Every target is idempotent; stamp files keep re-runs fast.
#   make test                  the suite (PostgreSQL + Redis + headless Chromium)
#   make test PYTEST_ARGS='-k routing -x'
#   make test ENTRAIDE_TEST_DATABASE_URL=... ENTRAIDE_TEST_REDIS_URL=...

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed

NODE_STAMP := node_modules/.installed
VENDOR_DIR := agent_ui/static/vendor
# Files copied from node_modules/ into $(VENDOR_DIR) (a .map next to each is copied too).
VENDOR_FILES := node_modules/socket.io-client/dist/socket.io.min.js
VENDOR_TARGETS := $(addprefix $(VENDOR_DIR)/,$(notdir $(VENDOR_FILES)))
# The chat widget runs on brands' sites and is served by the hub itself (hub/webchat).
WIDGET_VENDOR_DIR := hub/webchat/static/vendor
WIDGET_VENDOR_TARGETS := $(addprefix $(WIDGET_VENDOR_DIR)/,$(notdir $(VENDOR_FILES)))

TRANSLATIONS := hub/translations

ENTRAIDE_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
ENTRAIDE_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=
TEST_ENV := ENTRAIDE_TEST_DATABASE_URL='$(ENTRAIDE_TEST_DATABASE_URL)' \
	ENTRAIDE_TEST_REDIS_URL='$(ENTRAIDE_TEST_REDIS_URL)'

.PHONY: help venv assets translations translations-update chromium services demo \
	test test-all lint fmt bench migrate

help:
	@echo "make venv | assets | translations | translations-update | chromium | services"
	@echo "make demo | test | test-all | lint | fmt | bench | migrate"

# --- Python ---------------------------------------------------------------------------

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[test]' --config-settings editable_mode=compat
	@touch $@

# --- Front-end packages (npm at build time, served by the hub, never a CDN) -----------

assets: $(VENDOR_TARGETS) $(WIDGET_VENDOR_TARGETS)

$(NODE_STAMP): package.json $(wildcard package-lock.json)
	@command -v npm >/dev/null || { echo "make assets needs Node.js and npm: apt-get install nodejs npm"; exit 1; }
	@if [ -f package-lock.json ]; then \
		npm ci --no-audit --no-fund; \
	else \
		npm install --no-audit --no-fund; \
	fi
	@touch $@

$(VENDOR_TARGETS): $(NODE_STAMP)
	@mkdir -p $(VENDOR_DIR)
	@for f in $(VENDOR_FILES); do \
		cp "$$f" $(VENDOR_DIR)/ || exit 1; \
		if [ -f "$$f.map" ]; then cp "$$f.map" $(VENDOR_DIR)/; fi; \
	done
	@touch $(VENDOR_TARGETS)

$(WIDGET_VENDOR_TARGETS): $(VENDOR_TARGETS)
	@mkdir -p $(WIDGET_VENDOR_DIR)
	@cp $(VENDOR_DIR)/* $(WIDGET_VENDOR_DIR)/
	@touch $(WIDGET_VENDOR_TARGETS)

# --- Translations ---------------------------------------------------------------------

translations: venv
	@if [ -d $(TRANSLATIONS) ] && [ -n "$$(find $(TRANSLATIONS) -name '*.po' -print -quit)" ]; then \
		$(VENV)/bin/pybabel -q compile -d $(TRANSLATIONS) -f; \
	fi

translations-update: venv
	@mkdir -p $(TRANSLATIONS)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext \
		--ignore-dirs='.* ._ node_modules var' -o $(TRANSLATIONS)/messages.pot .
	@if [ -n "$$(find $(TRANSLATIONS) -name '*.po' -print -quit)" ]; then \
		$(VENV)/bin/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS); \
	else \
		echo "no catalog yet: $(VENV)/bin/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l fr"; \
	fi

# --- Machine prerequisites ------------------------------------------------------------

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	fi

services:
	@tools/ensure-services

# --- Running --------------------------------------------------------------------------

demo: venv assets translations
	$(VENV)/bin/entraide demo

migrate: venv
	$(VENV)/bin/entraide db upgrade

test: venv assets translations chromium services
	$(TEST_ENV) $(VENV)/bin/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test-all: venv assets translations chromium services
	$(TEST_ENV) ENTRAIDE_SLOW=1 $(VENV)/bin/pytest -q -p no:cacheprovider -m "" $(PYTEST_ARGS)

bench: venv
	@for f in $(sort $(wildcard bench/*.py)); do \
		echo "== $$f"; \
		$(PY) "$$f" || exit 1; \
	done

# --- Code quality ---------------------------------------------------------------------

lint: venv
	@rc=0; \
	$(VENV)/bin/ruff check . || rc=1; \
	$(VENV)/bin/lint-imports || rc=1; \
	exit $$rc

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
