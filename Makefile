# Two commands for a fresh machine:
#   make demo   - set up and run the demo business on embedded SQLite, serving the web app
#   make test   - set up and run the test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test browser lint bench bench-stored clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/controltower demo

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The browser tests drive Debian's Chromium (/usr/bin/chromium); installed here when it
# is missing and this machine can (root with apt-get).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and cannot be installed here (needs root and apt-get):"; \
	    echo "install Debian's chromium package for the browser tests"; \
	  fi; }

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench.run

bench-stored: $(STAMP)
	$(BIN)/python -m bench.stored

clean:
	rm -rf $(VENV) build *.egg-info
