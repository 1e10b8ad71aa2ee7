# negsim: `make run` sweeps the baseline and plots it; `make test` runs the whole suite.
# The venv is built from the first Python >= 3.12 found (Mesa 3.5 needs it).
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# A candidate counts only if it runs: pyenv shims exist for versions that are not selected.
PYTHON_CANDIDATES := python3.13 python3.12 \
	$(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) \
	$(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) \
	$(wildcard /usr/local/bin/python3.1[23]) $(wildcard /usr/bin/python3.1[23]) python3
FIND_PYTHON = for p in $(PYTHON_CANDIDATES); do \
	  if $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo $$p; break; fi; \
	done

.PHONY: setup run test lint bench clean browser screenshots app-timings

setup: $(STAMP)

$(STAMP): pyproject.toml
	@py="$$($(FIND_PYTHON))"; \
	if [ -z "$$py" ]; then echo "error: no Python >= 3.12 found (tried: $(PYTHON_CANDIDATES))" >&2; exit 1; fi; \
	echo "building $(VENV) with $$py"; \
	[ -x $(PY) ] || $$py -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: setup
	$(VENV)/bin/negsim sweep scenarios/baseline.yaml --out results/baseline --resume
	$(VENV)/bin/negsim plot results/baseline

test: setup browser
	$(VENV)/bin/ruff check sim tests benchmarks
	$(VENV)/bin/ruff format --check sim tests benchmarks
	NEGSIM_REQUIRE_BROWSER=1 $(VENV)/bin/python -m pytest -q -n auto --dist loadgroup --no-loadscope-reorder --durations=10

# The app's browser test drives Debian's Chromium and its driver (Playwright's own browser
# download does not work offline); install them when missing.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "installing chromium and chromium-driver (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi

# The app's screenshots in docs/img/, taken by its browser test.
screenshots: setup browser
	NEGSIM_REQUIRE_BROWSER=1 NEGSIM_SCREENSHOTS=docs/img $(VENV)/bin/python -m pytest -q tests/test_app_browser.py

app-timings: setup browser
	$(PY) benchmarks/app_timings.py

lint: setup
	$(VENV)/bin/ruff check --fix sim tests benchmarks
	$(VENV)/bin/ruff format sim tests benchmarks

bench: setup
	$(PY) benchmarks/sweep_throughput.py
	$(PY) benchmarks/deu3_forecast.py
	$(PY) benchmarks/eu_compromise_rules.py
	$(PY) benchmarks/model_soundness.py
	$(PY) benchmarks/per_run_cost.py
	$(PY) benchmarks/search_scaling.py
	$(PY) benchmarks/deu3_bargaining.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
