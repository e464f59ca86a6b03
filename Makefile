# The two commands of the README: `make demo` and `make test`. Both set everything up on a fresh machine first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo demo-build test test-fast lint bench

$(STAMP): pyproject.toml constraints.txt scripts/install-system-packages
	bash scripts/install-system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/nianbao demo

demo-build: setup
	$(BIN)/nianbao demo --no-serve

test: setup  # type checks, then every test
	$(BIN)/mypy common archive parsers publish
	$(BIN)/pytest

test-fast: setup  # for development: everything but the crawls of the replica and the LibreOffice conversions
	$(BIN)/pytest -m 'not slow' -n 2

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python -m bench.pipeline_bench
	$(BIN)/python -m bench.parse_bench
	$(BIN)/python -m bench.build
	$(BIN)/python -m bench.recrawl
	$(BIN)/python -m bench.hostile
	$(BIN)/python -m bench.ocr
	$(BIN)/python -m bench.other_text
	$(BIN)/python -m bench.serve
