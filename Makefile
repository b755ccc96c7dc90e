# promptbank: `make run` serves the API locally; `make test` runs everything CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 3000
PROMPTBANK_STATE_DIR ?= .local
VENV := .venv
PY := $(VENV)/bin/python
# Lambda's runtime is Python 3.12: prefer it (sam build needs it on PATH); any 3.12 from PATH or pyenv will do.
# pyenv's shims exist even when 3.12 is not the active version, so each candidate is run before it is chosen.
PYTHON312 := $(firstword $(foreach p,$(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null),$(shell $(p) -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && echo $(p))))
STAMP := $(VENV)/.installed
export PATH := $(abspath $(VENV))/bin:$(PATH)
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
PYTEST_WORKERS ?= 2
# Tests, fuzz and load runs and benchmarks may connect to loopback only (promptbank.egress, PROMPTBANK_EGRESS):
# nothing they do can send traffic off this machine, whatever the shell has set.
# The patterns cover targets added later (test-fuzz, fuzz-*, load-*, bench-*) without a change here.
EGRESS_GUARDED := test test-unit test-integration test-local test-e2e test-contract test-slow bench
$(EGRESS_GUARDED): export PROMPTBANK_EGRESS := loopback
test-% fuzz% load% bench-%: export PROMPTBANK_EGRESS := loopback

.PHONY: help venv run test lint typecheck validate build bench openapi openapi-check sdk-python sdk-python-check test-node test-unit test-integration \
        test-local test-e2e test-contract test-schemathesis test-schemathesis-long test-slow browser tools clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): requirements/dev.lock sdk/python/pyproject.toml
	@test -n "$(PYTHON312)" || { echo "Python 3.12 is needed (python3.12 on PATH or under pyenv)"; exit 1; }
	test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.lock
	# the Python client and its `promptbank` CLI, editable (its dependencies are in dev.lock)
	$(PY) -m pip install --quiet --no-deps -e sdk/python
	touch $(STAMP)

venv: $(STAMP) ## create .venv and install the pinned requirements

run: $(STAMP) ## the local API on http://127.0.0.1:$(PORT) (moto inside; state in $(PROMPTBANK_STATE_DIR))
	PORT=$(PORT) PROMPTBANK_STATE_DIR=$(PROMPTBANK_STATE_DIR) $(PY) -m local

lint: $(STAMP) ## ruff
	$(PY) -m ruff check shared functions local tests bench scripts sdk/python

typecheck: $(STAMP) ## mypy with the pydantic plugin (the service, then the Python client, strict)
	$(PY) -m mypy
	$(PY) -m mypy --config-file sdk/python/pyproject.toml

validate: $(STAMP) ## cfn-lint and sam validate --lint
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/sam validate --lint --region $(AWS_DEFAULT_REGION)

build: $(STAMP) ## sam build (arm64 layer from platform wheels)
	$(VENV)/bin/sam build --build-in-source --cached --parallel

openapi: $(STAMP) ## regenerate docs/openapi.json from the typed routes
	$(PY) scripts/openapi.py

openapi-check: $(STAMP)
	$(PY) scripts/openapi.py --check

sdk-python: $(STAMP) ## regenerate the Python client's models (from docs/openapi.json) and its blocking twin
	$(PY) sdk/python/scripts/generate.py

sdk-python-check: $(STAMP)
	$(PY) sdk/python/scripts/generate.py --check

test-node: ## the TypeScript client (sdk/node): npm ci from its lock file, the generated types' drift check, its unit tests
	@command -v npm >/dev/null 2>&1 || { echo "node and npm are needed for sdk/node (the TypeScript client)"; exit 1; }
	cd sdk/node && npm ci --no-audit --no-fund && npm run check-types && npm test

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

test-integration: $(STAMP)
	$(PY) -m pytest -q tests/integration

test-local: $(STAMP)
	$(PY) -m pytest -q tests/local

test-e2e: $(STAMP) browser
	$(PY) -m pytest -q tests/e2e

test-contract: $(STAMP)
	$(PY) -m pytest -q tests/contract

test-schemathesis: $(STAMP) ## schemathesis, every check, on every operation, as a session and as an API key (short)
	$(PY) -m tests.contract.schemathesis_run

test-schemathesis-long: $(STAMP) ## the same with many random examples per operation (run by make test-slow)
	$(PY) -m tests.contract.schemathesis_run --long

browser: $(STAMP) ## headless Chromium from Debian's packages, for the share-page test
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "chromium not installed: browser tests will be skipped"; }

tools: ## curl and jq from Debian's packages, for the README quick-start test
	@command -v curl >/dev/null 2>&1 && command -v jq >/dev/null 2>&1 || { command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl jq >/dev/null) || \
	  echo "curl or jq not installed: the README quick-start test will be skipped"; }

test: $(STAMP) browser tools lint typecheck validate openapi-check sdk-python-check test-node ## everything CI runs
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) -m "not slow" tests
	$(MAKE) --no-print-directory test-schemathesis
	$(MAKE) --no-print-directory build

test-slow: $(STAMP) ## long load and fuzz runs (not part of make test)
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) -m slow tests
	$(MAKE) --no-print-directory test-schemathesis-long

bench: $(STAMP) ## benchmarks, printed as ratios
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
