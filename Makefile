# pulumi-eci-cache developer tasks.
#
#   make venv           .venv with the package (editable), the newest dependencies, the tools
#   make cli            the pulumi CLI of scripts/pulumi-cli-version (built if needed)
#   make lint           ruff check, ruff format --check, mypy
#   make test-fast      unit and provider-server tests (no e2e, SDK or packaging tests)
#   make test           the whole pytest suite, end-to-end tests included (CLI on PATH)
#   make test-matrix    nox: unit + provider-server tests, Python 3.10-3.13 x {floor, newest}
#   make test-corners   nox: the two corners CI runs (3.13 newest, 3.10 floor)
#   make dist           the sdist and the wheel into dist/ (python -m build)
#   make sdks           the plugin's SDKs: npm tarball, wheel, .NET source in dist/sdks/; Go in sdk/go
#   make docs           the API reference in docs/reference/, from the plugin's schema
#   make demo           emulator on 127.0.0.1:8686 + `pulumi up` at the root (examples/quickstart)
#   make destroy        `pulumi destroy` the demo stack (starts the emulator if needed)
#   make stop-emulator  stop the demo emulator
#
# Demo settings (override on the command line: `make demo PULUMI_CONFIG_PASSPHRASE=...`):
#   PULUMI_CONFIG_PASSPHRASE  passphrase of the demo stack's secrets (default: demo)
#   EMULATOR_PORT (8686), EMULATOR_BUILD_SECONDS (6), DEMO_STACK (dev), DEMO_DIR
# The demo keeps everything under .cache/: the file backend (.cache/pulumi-state), a
# PULUMI_HOME of its own (.cache/pulumi-home, so your ~/.pulumi login is untouched),
# the emulator's state, log and pid.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV_STAMP := $(VENV)/.installed
CACHE := $(CURDIR)/.cache

EMULATOR_HOST := 127.0.0.1
EMULATOR_PORT ?= 8686
EMULATOR_BUILD_SECONDS ?= 6
EMULATOR_ACCESS_KEY_ID ?= emulator-access-key-id
EMULATOR_ACCESS_KEY_SECRET ?= emulator-access-key-secret
EMULATOR_REGION ?= cn-hangzhou
EMULATOR_PID := $(CACHE)/emulator.pid
EMULATOR_LOG := $(CACHE)/emulator.log
EMULATOR_STATE := $(CACHE)/emulator-state.json
EMULATOR_URL := http://$(EMULATOR_HOST):$(EMULATOR_PORT)
DEMO_STACK ?= dev
# The directory whose Pulumi.yaml the demo deploys: the repo root (its __main__.py
# runs examples/quickstart). It must be the program directory itself, not a
# Pulumi.yaml with `main: <subdir>`: the engine starts the dynamic provider in the
# program directory and passes it `runtime.options.virtualenv` verbatim, so a relative
# `virtualenv` must be right from there (see tests/e2e/README-notes.md).
DEMO_DIR ?= .
PULUMI_CONFIG_PASSPHRASE ?= demo

export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true

# The CLI dir first, then the virtualenv's bin: the Python language host we build
# (sdk v3.79.0) runs the program with the `python` it finds on PATH.
define with_cli
bin="$$(scripts/ensure-pulumi)"
export PATH="$$bin:$(CURDIR)/$(VENV)/bin:$$PATH"
endef

# Environment of the demo's pulumi commands.
define demo_env
$(with_cli)
export PULUMI_HOME="$(CACHE)/pulumi-home"
export PULUMI_CONFIG_PASSPHRASE='$(PULUMI_CONFIG_PASSPHRASE)'
export ALIBABA_CLOUD_ACCESS_KEY_ID='$(EMULATOR_ACCESS_KEY_ID)'
export ALIBABA_CLOUD_ACCESS_KEY_SECRET='$(EMULATOR_ACCESS_KEY_SECRET)'
export ALIBABA_CLOUD_REGION_ID='$(EMULATOR_REGION)'
mkdir -p "$(CACHE)/pulumi-state" "$$PULUMI_HOME"
demo_pulumi() { pulumi --cwd '$(DEMO_DIR)' --non-interactive "$$@"; }
pulumi login "file://$(CACHE)/pulumi-state" >/dev/null
demo_pulumi stack select --create '$(DEMO_STACK)'
demo_pulumi config set eci-cache:endpoint '$(EMULATOR_URL)'
endef

# Tests wait on I/O (provider processes, the CLI, held builds) more than they compute:
# pytest-xdist runs them in parallel workers, each with its own ports and state; a
# class whose tests share one scenario stays on one worker (--dist loadgroup).
PYTEST_WORKERS ?= 4
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadgroup
FAST_MARKERS = not e2e and not sdk and not packaging

# The matrix corners CI runs besides `make test` (session names of noxfile.py).
CI_CORNERS := tests-3.13(newest) tests-3.10(floor)
NOX_ARGS ?=

.PHONY: help venv cli lint test test-fast test-matrix test-corners dist sdks docs demo destroy emulator stop-emulator

help:
	@sed -n 's/^#   make /make /p' $(MAKEFILE_LIST)

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	if [[ ! -x $(VENV)/bin/python ]]; then $(PYTHON) -m venv $(VENV); fi
	$(VENV)/bin/python -m pip install --upgrade --upgrade-strategy eager -e '.[test,dev,policy]'
	touch $@

cli:
	@scripts/ensure-pulumi

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: venv
	@$(with_cli)
	sdk="$$($(VENV)/bin/python -c 'import importlib.metadata as m; print(m.version("pulumi"))')"
	echo "pulumi CLI: $$(command -v pulumi) ($$(pulumi version)); Python SDK: $$sdk"
	$(VENV)/bin/pytest -q $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-fast: venv
	$(VENV)/bin/pytest -q $(PYTEST_PARALLEL) -m '$(FAST_MARKERS)' $(PYTEST_ARGS)

test-matrix: venv
	$(VENV)/bin/nox $(NOX_ARGS)

test-corners: venv
	$(VENV)/bin/nox -s $(foreach s,$(CI_CORNERS),'$(s)') $(NOX_ARGS)

dist: venv
	rm -f dist/*.whl dist/*.tar.gz  # not dist/sdks/, which make sdks writes
	$(VENV)/bin/python -m build --outdir dist .

# dist/sdks/ and sdk/go from the plugin's own schema (tests/support/packaged_sdks.py).
sdks: venv
	PYTHON=$(VENV)/bin/python scripts/make-sdks

# tests/test_reference_docs.py fails, naming this target, when the pages fall behind.
docs: venv
	$(VENV)/bin/python -m pulumi_eci_cache.engine.plugin.reference docs/reference

# Start the demo emulator unless it is already running (pid file + live process).
emulator: venv
	@mkdir -p "$(CACHE)"
	if [[ -f "$(EMULATOR_PID)" ]] && kill -0 "$$(cat "$(EMULATOR_PID)")" 2>/dev/null; then
	  echo "emulator already running (pid $$(cat "$(EMULATOR_PID)")) on $(EMULATOR_URL)"
	  exit 0
	fi
	: >"$(EMULATOR_LOG)"
	nohup $(VENV)/bin/python -u -m pulumi_eci_cache.emulator --port $(EMULATOR_PORT) \
	  --state "$(EMULATOR_STATE)" --build-seconds $(EMULATOR_BUILD_SECONDS) \
	  --access-key-id '$(EMULATOR_ACCESS_KEY_ID)' --access-key-secret '$(EMULATOR_ACCESS_KEY_SECRET)' \
	  --region '$(EMULATOR_REGION)' </dev/null >>"$(EMULATOR_LOG)" 2>&1 &
	pid=$$!
	echo "$$pid" >"$(EMULATOR_PID)"
	for _ in $$(seq 300); do
	  if grep -q '^ECI emulator listening on ' "$(EMULATOR_LOG)"; then
	    echo "emulator (pid $$pid): $$(grep -m1 '^ECI emulator listening on ' "$(EMULATOR_LOG)")"
	    exit 0
	  fi
	  if ! kill -0 "$$pid" 2>/dev/null; then break; fi
	  sleep 0.1
	done
	echo "the emulator did not start; its log ($(EMULATOR_LOG)):" >&2
	cat "$(EMULATOR_LOG)" >&2
	kill "$$pid" 2>/dev/null || true
	rm -f "$(EMULATOR_PID)"
	exit 1

stop-emulator:
	@if [[ ! -f "$(EMULATOR_PID)" ]]; then echo "no emulator pid file ($(EMULATOR_PID))"; exit 0; fi
	pid="$$(cat "$(EMULATOR_PID)")"
	if kill -0 "$$pid" 2>/dev/null; then
	  kill "$$pid"
	  for _ in $$(seq 100); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.1; done
	  if kill -0 "$$pid" 2>/dev/null; then kill -9 "$$pid"; fi
	  echo "emulator (pid $$pid) stopped"
	else
	  echo "emulator (pid $$pid) was not running"
	fi
	rm -f "$(EMULATOR_PID)"

demo: venv emulator
	@$(demo_env)
	demo_pulumi up --yes
	demo_pulumi stack output
	printf '%s\n' "" \
	  "The demo stack '$(DEMO_STACK)' is up; the emulator keeps running on $(EMULATOR_URL)" \
	  "(state: $(EMULATOR_STATE), log: $(EMULATOR_LOG))." "" \
	  "  make destroy          # pulumi destroy the demo stack" \
	  "  make stop-emulator    # then stop the emulator" "" \
	  "To run pulumi yourself against the demo stack:" \
	  "  export PATH=\"$$bin:$(CURDIR)/$(VENV)/bin:\$$PATH\" PULUMI_HOME=\"$(CACHE)/pulumi-home\"" \
	  "  export PULUMI_CONFIG_PASSPHRASE='$(PULUMI_CONFIG_PASSPHRASE)' ALIBABA_CLOUD_REGION_ID='$(EMULATOR_REGION)'" \
	  "  export ALIBABA_CLOUD_ACCESS_KEY_ID='$(EMULATOR_ACCESS_KEY_ID)' ALIBABA_CLOUD_ACCESS_KEY_SECRET='$(EMULATOR_ACCESS_KEY_SECRET)'" \
	  "  pulumi --cwd '$(DEMO_DIR)' destroy --yes"

destroy: venv emulator
	@$(demo_env)
	demo_pulumi destroy --yes
	echo "demo stack '$(DEMO_STACK)' destroyed; the emulator is still running: make stop-emulator"
