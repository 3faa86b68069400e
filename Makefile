# Two commands for a fresh machine:
#   make demo   - set up and run the demo business on embedded SQLite, serving the web app
#   make test   - set up and run the test suite
#   make audit  - check the locked dependencies for known vulnerabilities (pip-audit)
#   make lock   - rewrite constraints.txt from the venv after a dependency changed
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The lock file: the exact release and SHA-256 of every dependency. `make LOCK=` installs
# without it (its hashes are for CPython 3.11 on Linux x86_64).
LOCK ?= constraints.txt

.PHONY: demo test browser lint audit lock bench bench-stored bench-odoo bench-concurrency bench-demo clean

# Every dependency comes from the lock, hash-checked (pip first: the venv's own may be
# older); then the project itself, editable, with no dependency of its own to pick; and
# `pip check` fails when pyproject.toml names one the lock lacks (then: make lock).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
ifneq ($(LOCK),)
	grep -A1 '^pip==' $(LOCK) > $(VENV)/pip.lock
	$(BIN)/python -m pip install -q --require-hashes -r $(VENV)/pip.lock
	$(BIN)/python -m pip install -q --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps -e '.[dev,bench]'
	$(BIN)/python -m pip check
else
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
endif
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/controltower demo

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The browser tests drive Debian's Chromium (/usr/bin/chromium, or $CT_CHROMIUM); installed
# here when it is missing and this machine can (root with apt-get), else make stops with
# one line saying how to install it.
browser:
	@chromium="$${CT_CHROMIUM:-/usr/bin/chromium}"; [ -x "$$chromium" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make test: the browser tests need Chromium at $$chromium; install it with 'sudo apt-get install chromium' (Debian), or set CT_CHROMIUM to a Chromium binary" >&2; \
	    exit 1; \
	  fi; }

lint: $(STAMP)
	$(BIN)/ruff check src tests bench .ci
	$(BIN)/ruff format --check src tests bench .ci
	$(BIN)/mypy
	$(BIN)/lint-imports

# Says so in one line and passes when no vulnerability service can be reached; fails on
# a known vulnerability (.ci/audit.py).
audit: $(STAMP)
	$(BIN)/python .ci/audit.py $(or $(LOCK),constraints.txt)

# Adds what pyproject.toml names and the venv lacks (keeping the releases installed),
# then writes every release the project needs, with its hash, to constraints.txt.
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python .ci/lock.py constraints.txt

bench: $(STAMP)
	$(BIN)/python -m bench.run

bench-stored: $(STAMP)
	$(BIN)/python -m bench.stored

bench-odoo: $(STAMP)
	$(BIN)/python -m bench.odoo_sync --lines 100000 --runs 3

bench-demo: $(STAMP)
	$(BIN)/python -m bench.demo_first_page --size large --runs 2

bench-concurrency: $(STAMP)
	$(BIN)/python -m bench.concurrency --clients 200 --seconds 60

clean:
	rm -rf $(VENV) build *.egg-info
