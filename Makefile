# Portal: `make run` serves a demo on 127.0.0.1:8000; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The server closes websocket messages over 64 KB with 1009 (portal/server.py, docs/realtime.md).
DAPHNE_LIMITS := --websocket-max-message-size 1048576 --websocket-max-frame-size 1048576
# The test suite runs on real PostgreSQL and Redis; it starts its own S3 server (moto).
TEST_ENV := DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal} \
            REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/1}

.PHONY: run install install-test services lint test migrate messages clean \
        frontend-install frontend-build frontend-lint frontend-test browser-deps office-deps \
        frontend-types frontend-types-check janus-deps calls-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: $(BIN)/python requirements/runtime.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements/runtime.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements/test.lock
	$(BIN)/pip install --quiet -r requirements/test.lock
	touch $@

# The browser client (frontend/): node_modules is reinstalled with `npm ci` only when the
# lock file or package.json changed since the last install (the stamp lives inside it).
FRONTEND := frontend
NPM_STAMP := $(FRONTEND)/node_modules/.installed

$(NPM_STAMP): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20.19 or newer) is needed for frontend/" >&2; exit 1; }
	cd $(FRONTEND) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend-install: $(NPM_STAMP)

# The built client (frontend/dist), rebuilt when a source file changed; Django serves it.
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
                    $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig.json
$(FRONTEND)/dist/index.html: $(NPM_STAMP) $(FRONTEND_SOURCES)
	cd $(FRONTEND) && npx --no-install vite build --logLevel warn
	touch $@

frontend-build: $(FRONTEND)/dist/index.html

frontend-lint: $(NPM_STAMP)
	cd $(FRONTEND) && npx --no-install tsc --noEmit

frontend-test: $(NPM_STAMP)
	cd $(FRONTEND) && npx --no-install vitest run

# The browser tests (tests/browser/) drive Debian's Chromium through Playwright; never
# `playwright install`: no browser is downloaded from anywhere else.
APT_GET := DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) apt-get -qq -y

browser-deps:
	@test -x /usr/bin/chromium || $(APT_GET) install chromium chromium-driver >/dev/null \
	  || { $(APT_GET) update >/dev/null && $(APT_GET) install chromium chromium-driver >/dev/null; }

# Document previews of office files convert them with LibreOffice headless (Debian's
# packages, ~105 MB to download, ~330 MB installed); the watermark draws with DejaVu Sans.
OFFICE_PACKAGES := libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui \
                   fonts-dejavu-core

office-deps:
	@{ command -v soffice >/dev/null && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; } \
	  || $(APT_GET) install --no-install-recommends $(OFFICE_PACKAGES) >/dev/null \
	  || { $(APT_GET) update >/dev/null && \
	       $(APT_GET) install --no-install-recommends $(OFFICE_PACKAGES) >/dev/null; }

# The conference tests start Debian's Janus (VideoRoom plugin, HTTP transport) on loopback
# with a configuration of their own (tests/conferencing/janus_server.py); the package's own
# service is not used.
janus-deps:
	@command -v janus >/dev/null || $(APT_GET) install --no-install-recommends janus >/dev/null \
	  || { $(APT_GET) update >/dev/null && $(APT_GET) install --no-install-recommends janus >/dev/null; }

# The call tests (tests/conferencing/) start Debian's coturn (`turnserver`) on loopback.
# Installing the package enables no service: coturn runs only when systemd starts it
# (deploy/coturn/ is the production configuration).
calls-deps:
	@command -v turnserver >/dev/null || $(APT_GET) install --no-install-recommends coturn >/dev/null \
	  || { $(APT_GET) update >/dev/null && $(APT_GET) install --no-install-recommends coturn >/dev/null; }

# The API types come from the OpenAPI schema (scripts/api-types); the check fails when the
# committed file no longer matches the server's schema.
API_TYPES := $(FRONTEND)/src/api/schema.d.ts

frontend-types: install-test $(NPM_STAMP)
	scripts/api-types $(API_TYPES)

frontend-types-check: install-test $(NPM_STAMP)
	@tmp=$$(mktemp --suffix=.d.ts) && trap 'rm -f "$$tmp"' EXIT && \
	scripts/api-types "$$tmp" && \
	if ! diff -q $(API_TYPES) "$$tmp" >/dev/null 2>&1; then \
	  diff -u $(API_TYPES) "$$tmp" | head -40; \
	  echo '$(API_TYPES) is stale: run `make frontend-types`' >&2; exit 1; \
	fi

install: $(VENV)/.runtime

install-test: $(VENV)/.test

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate frontend-build
	$(BIN)/python manage.py seed_demo
	$(BIN)/python -m portal.server -b 127.0.0.1 -p $(PORT) $(DAPHNE_LIMITS) portal.asgi:application

services:
	scripts/ensure-services

lint: install-test frontend-lint frontend-types-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

test: install-test services lint frontend-test frontend-build browser-deps office-deps janus-deps calls-deps
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

messages: install-test
	$(BIN)/python manage.py makemessages -l ru --ignore=.venv --ignore=var --ignore=tests --ignore=frontend --no-location
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var $(FRONTEND)/node_modules $(FRONTEND)/dist
