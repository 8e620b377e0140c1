# cxloop: every target installs what it needs first (a .venv at the repo root and
# the pinned CDK CLI in node_modules), so a fresh clone needs only Python 3.11+ and Node.js.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
# checkov, the template scanner tests/infra runs, in a venv of its own: checkov 3.3 pins
# boto3==1.35.49 (and packaging<24, networkx<2.7), which cannot live beside the project's
# boto3>=1.40. The stamp names the version, so changing the pin reinstalls it.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
NODE_STAMP := node_modules/.installed
CDK := JSII_SILENCE_WARNING_DEPRECATED_NODE=1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 \
       CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true node_modules/.bin/cdk
CDK_CONTEXT ?=
PYTEST_WORKERS ?= 2

.PHONY: install demo serve test iam-contract lint unit integration infra e2e bench bench-faults api-contract synth bootstrap deploy clean

install: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing cxloop with its dev tools"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

$(CHECKOV_STAMP):
	@echo "==> installing checkov $(CHECKOV_VERSION) in $(CHECKOV_VENV)"
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet "checkov==$(CHECKOV_VERSION)"
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@echo "==> installing the pinned AWS CDK CLI (node_modules)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: install  ## run the whole loop locally with a simulated insurer
	$(BIN)/cxloop demo

serve: install  ## run the local runtime on http://127.0.0.1:8000, keeping its data in .cxloop/data
	$(BIN)/cxloop serve --data-dir .cxloop/data

# The AWS calls every function makes in the suites, recorded for the IAM contract test
# (cxloop.adapters.call_log), which runs after them: README "IAM contract".
AWS_CALLS := $(CURDIR)/.cxloop/aws-calls

test: install $(CHECKOV_STAMP) lint browser  ## everything CI runs
	rm -rf $(AWS_CALLS)
	CXLOOP_RECORD_AWS_CALLS=$(AWS_CALLS) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup
	$(MAKE) iam-contract

iam-contract: $(PY_STAMP)  ## check the calls the last `make test` recorded against the template's IAM
	CXLOOP_CHECK_AWS_CALLS=$(AWS_CALLS) $(BIN)/python -m pytest tests/iam_contract

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared functions infra
	$(BIN)/lint-imports

unit: $(PY_STAMP)
	$(BIN)/python -m pytest tests/unit

integration: $(PY_STAMP)
	$(BIN)/python -m pytest tests/integration

infra: install $(CHECKOV_STAMP)
	$(BIN)/python -m pytest tests/infra

e2e: $(PY_STAMP)
	$(BIN)/python -m pytest tests/e2e

.PHONY: browser
browser:  ## Debian's headless Chromium for tests/browser (tests never download a browser)
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y --no-install-recommends chromium)

bench: install  ## cold-start ratios, answer-to-alert latency, comment accuracy, lake query ratios
	$(BIN)/python tests/benchmarks/cold_start.py
	$(BIN)/python tests/benchmarks/answer_to_alert.py
	$(BIN)/python tests/benchmarks/comment_accuracy.py
	$(BIN)/python tests/benchmarks/lake_queries.py

bench-faults: install  ## 1,000 events and answers at 10 % of AWS requests faulted (long: see README)
	$(BIN)/python tests/benchmarks/faults.py --events 1000 --share 0.1

api-contract: install  ## schemathesis at full scale against a fresh `cxloop serve` (see README)
	PYTHONPATH=. $(BIN)/python tests/contract/run.py

synth: install
	$(CDK) synth $(CDK_CONTEXT)

bootstrap: install  ## once per account and region
	$(CDK) bootstrap $(CDK_CONTEXT)

deploy: install
	$(CDK) deploy $(CDK_CONTEXT)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache .cxloop
