# `make test` and `make demo` work on a fresh machine with Python 3.10+: each sets up what it needs.
PYTHON ?= python3
VENV := .venv
LATEST := .venv-latest
BIN := $(VENV)/bin
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: test check demo lint typecheck unit test-latest docs docs-serve chromium redis-server node-sdk screenshot bench clean

test: lint typecheck unit test-latest docs

# The inner loop, under a minute warm: lint, types and every test but the slow ones (marked
# `slow`: real Redis processes, Chromium, Ctrl-C through real processes, pytest in a process
# of its own, the wheel install, fault soaks), one pytest-xdist worker per core. `make test`
# runs all, in one process.
check: lint typecheck
	$(BIN)/python -m pytest -m "not slow" -q -p no:cacheprovider -n auto

demo: $(VENV)/.installed
	$(BIN)/clerk-orgs demo

# The main environment: aiohttp held below 3.14 for aioresponses (see constraints/dev.txt).
$(VENV)/.installed: pyproject.toml constraints/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/python -m pip install $(PIP_FLAGS) -c constraints/dev.txt -e '.[dev,docs]'
	touch $@

# A second environment with the newest aiohttp, for every test that needs no aioresponses.
$(LATEST)/.installed: pyproject.toml
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(LATEST)/bin/python -m pip install $(PIP_FLAGS) --upgrade -e '.[test]' aiohttp
	touch $@

# The web console's browser tests drive Debian's Chromium (Playwright downloads no browser: the
# machine reaches only package registries). Installed when missing; if that fails, the browser
# tests fail under CI and skip with a message elsewhere.
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y --no-install-recommends chromium; } \
		|| echo "warning: could not install Chromium with apt: the console's browser tests cannot run"

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed
	$(BIN)/mypy --strict

# tests/redis_budget starts and stops its own redis-server (Debian's package) on free ports.
redis-server:
	command -v redis-server >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server; }

# Clerk's Node SDK for tests/interop, from the committed lockfile (Node 20.9+). Without npm (or
# the registry) the Node interop tests fail under CI and skip with a message elsewhere.
NODE_SDK := tests/interop/node
node-sdk: $(NODE_SDK)/node_modules/.installed

$(NODE_SDK)/node_modules/.installed: $(NODE_SDK)/package.json $(NODE_SDK)/package-lock.json
	@{ command -v npm >/dev/null && cd $(NODE_SDK) && npm ci --no-audit --no-fund && touch node_modules/.installed; } \
		|| echo "warning: could not install @clerk/backend with npm: the Node SDK interop tests cannot run"

unit: $(VENV)/.installed chromium redis-server node-sdk
	$(BIN)/python -m pytest --cov --cov-report=term --cov-fail-under=90

test-latest: $(LATEST)/.installed chromium redis-server node-sdk
	$(LATEST)/bin/python -c 'import aiohttp; print("newest aiohttp:", aiohttp.__version__)'
	$(LATEST)/bin/python -m pytest --ignore=tests/wire -p no:cacheprovider -q

# The documentation site, into site/ (git ignores it); --strict makes any warning an error, so
# a broken link or a reference to a name that moved fails the build.
docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs-serve: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# The README's picture of the web console, from a seeded emulator in headless Chromium.
screenshot: $(VENV)/.installed chromium
	$(BIN)/python -m tests.console.screenshot docs/console.png

bench: $(VENV)/.installed
	$(BIN)/python -m pip install $(PIP_FLAGS) -c constraints/dev.txt -e '.[dev,benchmark]'
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(LATEST) site .mypy_cache .ruff_cache .pytest_cache .coverage .hypothesis
