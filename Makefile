# The README's two commands: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The NLU model file is named by a hash of its data and code: built once (a few seconds),
# then this is a no-op, so the bot's first reply never waits for training.
model: $(STAMP)
	$(BIN)/python -m nlu

demo: $(STAMP) model
	$(BIN)/yichuang demo

lint: $(STAMP)
	$(BIN)/ruff check identifiers nlu dialogs backend bot tests benchmarks
	$(BIN)/mypy

test: $(STAMP) lint model
	$(BIN)/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
