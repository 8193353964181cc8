# The two commands a newcomer needs are `make demo` and `make test`; everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CONNECTORS := $(sort $(notdir $(wildcard connectors/source-*)))
PACKAGES := cdk_extensions integration_tests $(addprefix connectors/,$(CONNECTORS))

.PHONY: help venv lint typecheck unit-tests test demo bench images image-tests hadolint clean

help:
	@echo "make demo   - run every connector against the local sandbox"
	@echo "make test   - lint, type-check and run every test (unit, sandbox, images)"
	@echo "make bench  - throughput and memory benchmarks"
	@echo "make images - build one Docker image per connector"

# The venv is rebuilt whenever a package definition or the pins change.
$(VENV)/.installed: constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -r requirements-dev.txt -e './cdk_extensions[google]' \
		$(addprefix -e ./,$(filter-out cdk_extensions,$(PACKAGES)))
	touch $@

# The BigQuery emulator runs on Python 3.13 from a venv of its own (.local/); its installer is
# idempotent and returns at once when everything is in place.
venv: $(VENV)/.installed
	bash integration_tests/sandbox/bigquery/install.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy --strict (settings in pyproject.toml) over the shared package and every connector package held to it.
TYPED_PACKAGES := cdk_extensions/cdk_extensions connectors/source-bigquery/source_bigquery \
	connectors/source-google-analytics-data-api/source_google_analytics_data_api connectors/source-hubspot/source_hubspot

typecheck: venv
	$(BIN)/mypy $(TYPED_PACKAGES)

# Every test folder that exists; pytest's "no tests ran" (exit 5) fails the target like any failure.
TEST_DIRS := cdk_extensions/unit_tests integration_tests/tests \
	$(wildcard $(addprefix connectors/,$(addsuffix /unit_tests,$(CONNECTORS)) $(addsuffix /integration_tests,$(CONNECTORS))))

unit-tests: venv
	$(BIN)/python -m pytest $(TEST_DIRS)

hadolint: venv
	$(BIN)/hadolint docker/Dockerfile

image-tests: venv hadolint
	bash docker/with-engine.sh $(BIN)/python -m pytest -m docker docker/tests

test: lint typecheck unit-tests image-tests

images: venv
	bash docker/with-engine.sh bash docker/build-images.sh $(CONNECTORS)

demo: venv
	$(BIN)/python -m sandbox.demo

bench: venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .local/bigquery-emulator-venv
