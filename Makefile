# summitry: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCENARIO ?= singapore-2018
PYTEST_ARGS ?=

.PHONY: install run test lint typecheck unit bench recovery calibrate-check run-cost spike clock-check fuzz mutate mutate-again mutation-score schema browser-deps clean

# the install also keeps the wheels of the coexist extra (openai-agents) in .venv/wheelhouse: tests/test_wheel.py installs
# them beside summitry in a fresh venv, offline
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip download -q --only-binary=:all: -d $(VENV)/wheelhouse $$($(PY) -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['coexist'])")
	touch $(STAMP)

# summitry/: three symbolic links (sim -> ../sim, agents -> ../agents, dashboard -> ../dashboard) through which mypy
# and mutmut see the modules under their installed names (CONTRIBUTING.md, "Import names"); made here, not kept in git
NS_LINKS := summitry/sim summitry/agents summitry/dashboard
$(NS_LINKS):
	mkdir -p summitry
	ln -sfn ../$(notdir $@) $@

install: $(STAMP) $(NS_LINKS)

MUTATE_STAMP := $(VENV)/.installed-mutate
$(MUTATE_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install -q -e '.[test,mutate]'
	touch $(MUTATE_STAMP)

## run: the dashboard on the built-in default scenario (http://127.0.0.1:8050)
run: install
	$(VENV)/bin/summitry dashboard

## browser-deps: Debian Chromium and ChromeDriver for the dashboard's browser tests (one install at a time: two
## `make test` started together on a fresh machine wait for each other's apt-get instead of failing on its lock)
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then \
		echo "installing chromium, chromium-driver and poppler-utils"; \
		flock /var/lock/summitry-browser-deps sh -c 'command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || { apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium chromium-driver poppler-utils >/dev/null; }'; \
	fi

lint: install
	$(VENV)/bin/ruff check sim agents dashboard tests benchmarks tools
	$(VENV)/bin/ruff format --check sim agents dashboard tests benchmarks tools
	$(VENV)/bin/lint-imports
	$(PY) tools/function_imports.py

typecheck: install
	$(VENV)/bin/mypy

unit: install
	$(PY) -m pytest -n 2 --dist worksteal -m "not fuzz and not clock and not calibration" --durations=25 $(PYTEST_ARGS)

## test: lint, types and the whole suite (the CI command)
test: install browser-deps lint typecheck unit

## schema: regenerate scenarios/schema.json
schema: install
	$(VENV)/bin/summitry schema -o scenarios/schema.json

## bench: every script in benchmarks/ but recovery.py, results in benchmarks/results.json
bench: install
	@for f in benchmarks/*.py; do [ "$$f" = benchmarks/recovery.py ] && continue; echo "== $$f"; $(PY) $$f || exit 1; done

## recovery: ABC-SMC parameter recovery on 20 synthetic histories of the teaching case (long: 20 default calibrations)
recovery: install
	$(PY) benchmarks/recovery.py

## calibrate-check: the ABC-SMC tests on singapore-2018 (same seed on serial, local processes and Dask; SIGKILL and
## resume); make test runs the same checks on a short teaching case
calibrate-check: install
	$(PY) -m pytest -p no:cacheprovider -n 2 -m calibration tests/sim/experiments/test_calibration_smc.py $(PYTEST_ARGS)

## run-cost: one hanoi-2019 run, its decision rule and delivery against a bare Mesa model, 30 seeds (also part of make bench)
run-cost: install
	$(PY) benchmarks/run_cost.py

SPIKE_STAMP := $(VENV)/.installed-spike
$(SPIKE_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install -q -e '.[test,spike]'
	touch $(SPIKE_STAMP)

## spike: the batch-runs spike (numpy replicate axis, numba, both) on the decision rule and the bulk delivery; see benchmarks/results.md
spike: $(SPIKE_STAMP)
	$(PY) benchmarks/spikes/batch_decision.py
	$(PY) benchmarks/spikes/batch_delivery.py

## clock-check: the teaching case on a daily and a weekly clock, 500 seeds each: outcome shares equal within sampling error
clock-check: install
	$(PY) -m pytest -p no:cacheprovider -m clock -s tests/sim/mechanisms/test_clock.py $(PYTEST_ARGS)

## fuzz: the long fuzzing target (2,000 cases per strategy, over 5,000 in all)
fuzz: install
	SUMMITRY_FUZZ_EXAMPLES=2000 $(PY) -m pytest -p no:cacheprovider tests/test_reliability.py -k "random or mutated" $(PYTEST_ARGS)
	SUMMITRY_FUZZ_EXAMPLES=2000 $(PY) -m pytest -p no:cacheprovider tests/sim/mechanisms/test_winset_fast_path.py $(PYTEST_ARGS)
	SUMMITRY_HYPOTHESIS_PROFILE=explore $(PY) -m pytest -p no:cacheprovider -n 2 -m "not fuzz and not clock and not calibration" $$(grep -rl "from hypothesis import" tests) $(PYTEST_ARGS)

## mutate: mutation testing (mutmut, config in pyproject's [tool.mutmut]) of the mechanism modules and the
## decision rule, then the score per module. A fresh run each time, over about 5,700 mutants: on two cores the first
## 2,660 took 65 min (6 December 2026); a surviving mutant runs every selected test that calls its function, up to
## about 40 s, so the rest goes at 25 to 60 a minute;
## MUTANTS narrows it to mutant-name globs, e.g. make mutate MUTANTS="summitry.sim.mechanisms.trust.* summitry.agents.policy.x_quantal_choice*"
MUTANTS ?=
MUTATE_CHILDREN ?= $(shell nproc 2>/dev/null || echo 2)
mutate: $(MUTATE_STAMP) $(NS_LINKS)
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children $(MUTATE_CHILDREN) $(MUTANTS)
	$(PY) tools/mutation_score.py --survivors

## mutate-again: after new tests, check again only the mutants that survived the last `make mutate`
mutate-again: $(MUTATE_STAMP)
	$(PY) tools/mutation_score.py --reset-survivors
	$(VENV)/bin/mutmut run --max-children $(MUTATE_CHILDREN) $(MUTANTS)
	$(PY) tools/mutation_score.py --survivors

## mutation-score: the score per module of the last `make mutate` (mutants/ left by it)
mutation-score: install
	$(PY) tools/mutation_score.py --survivors

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants
