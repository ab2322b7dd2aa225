PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/default.yaml

.PHONY: install demo test lint format schema clean bench golden

$(BIN)/mfcsim: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/mfcsim

demo: install
	$(BIN)/mfcsim run $(SCENARIO)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

schema: install
	$(BIN)/mfcsim schema > scenarios/schema.json

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis

bench: install
	$(BIN)/python benchmarks/clearing.py

golden: install
	MFCSIM_WRITE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_golden.py
