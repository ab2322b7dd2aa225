PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/default.yaml

.PHONY: install demo test lint format schema hooks docs scenarios organic readme clean bench bench-memory golden dashboard screenshot

# the example plug-in (examples/insect_farm) too: make test runs its tests and its scenario
$(BIN)/mfcsim: pyproject.toml examples/insect_farm/pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip install --quiet -e examples/insect_farm
	@touch $@

install: $(BIN)/mfcsim

# ends with the path of the run's HTML report
demo: install
	@out=$$($(BIN)/mfcsim run $(SCENARIO) | tee /dev/stderr | sed -n 1p) && \
	    echo "open the report: $$out/report.html"

# the explorer over every run folder under runs/ (http://127.0.0.1:8050/)
RUNS ?= runs
PORT ?= 8050
dashboard: install
	$(BIN)/mfcsim dashboard $(RUNS) --port $(PORT)

# docs/report.png, the README's picture of the report: the default scenario's year in Chromium
screenshot: install
	rm -rf runs/screenshot
	$(BIN)/mfcsim run scenarios/default.yaml --out runs/screenshot/default --quiet
	$(BIN)/python -m dashboards.browser runs/screenshot/default/report.html docs/report.png 1000

test: install
	$(BIN)/python -m pytest -q tests examples/insect_farm/tests

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/python tools/mypy_ratchet.py

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

schema: install
	$(BIN)/mfcsim schema > scenarios/schema.json

# docs/scenario-reference.md from `mfcsim schema` (tests/test_docs.py fails while it is stale)
docs: install
	$(BIN)/python tools/scenario_reference.py

# docs/firm-hooks.md from mfcsim/firms/hooks.py (tests/test_hooks.py fails while it is stale)
# scenarios/README.md: every shipped scenario's header and one run's headline figures
scenarios: organic
	$(BIN)/python tools/scenarios_readme.py

# scenarios/organic/: the organic farming cluster and its variants, from the generator
organic: install
	$(BIN)/python tools/organic_scenarios.py
	$(BIN)/python tools/organic_scenarios.py --table

# README.md's block of the default year (headline figures, indicators), from one run
readme: install
	$(BIN)/python tools/readme_default_run.py

hooks: install
	$(BIN)/python tools/hooks_page.py

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis

# make bench: about 15 minutes on the 2-core machine (the engine's full grid of issue 4, 365
# days, about 7 of them); a shorter grid, e.g. `make bench BENCH_ENGINE_FLAGS="--sizes 10 100 1000"`.
BENCH_ENGINE_FLAGS ?=
BENCH_CW1_FLAGS ?= --firms 1000 --days 365

bench: install
	$(BIN)/python benchmarks/clearing.py
	$(BIN)/python benchmarks/engine.py $(BENCH_ENGINE_FLAGS)
	$(BIN)/python benchmarks/cw1.py $(BENCH_CW1_FLAGS)  # runs benchmarks/cw1_simpy.py too
	$(BIN)/python benchmarks/indicators.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/sweep.py
	$(BIN)/python benchmarks/stateful.py  # a stateful type with type-level hooks vs generic
	$(BIN)/python benchmarks/quality.py   # each policy's allocations against optimal

# the 10,000-firm year's peak memory per policy (about 6-9 GB; not part of make bench)
bench-memory: install
	$(BIN)/python benchmarks/memory.py

golden: install
	MFCSIM_WRITE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_golden.py
