# Huntaze — every command a developer, CI or an operator runs locally.
# `make run` and `make test` are the two that matter; the rest are their steps.

SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
export PYTHONDONTWRITEBYTECODE := 1

UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.cache/uv/bin/uv)
PY := $(CURDIR)/.venv/bin/python
SERVICES = $(shell $(PY) tools/services.py names)

.PHONY: help install run down test test-faults bench lint test-unit contracts contracts-check docs k8s migrate infra-up infra-down status clean lock new-service

help: ## list the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(CURDIR)/.cache/uv/bin/uv:
	@echo "[install] bootstrapping uv $(UV_VERSION) into .cache/uv"
	@python3 -m venv .cache/uv && .cache/uv/bin/pip install -q "uv==$(UV_VERSION)"

install: $(UV) ## install Python and every workspace package into .venv (from uv.lock)
	@$(UV) sync --locked --all-packages --quiet
	@echo "[install] .venv ready ($$($(PY) --version 2>&1))"

lock: $(UV) ## re-resolve dependencies into uv.lock
	@$(UV) lock

new-service: $(UV) ## scaffold services/NAME (make new-service NAME=x): migration, sample route and consumer, tests
	@test -n "$(NAME)" || { echo "usage: make new-service NAME=<name>"; exit 2; }
	@UV=$(UV) $(if $(wildcard $(PY)),$(PY),python3) tools/new_service.py "$(NAME)"
	@$(MAKE) --no-print-directory install
	@$(MAKE) --no-print-directory docs  # the event catalog and AsyncAPI now list its consumer
	@$(MAKE) --no-print-directory dashboards  # and Grafana has its dashboard
	@$(MAKE) --no-print-directory k8s  # and Kubernetes its Deployments, scaling, Kafka user, database

run: install ## start Kafka, PostgreSQL and every service; Ctrl-C stops everything
	@tools/run.sh

down: ## stop what `make run` started
	@tools/run.sh --down

migrate: install ## apply every service's migrations to the local (run) databases
	@source <($(PY) tools/infra.py env --profile run) && for s in $(SERVICES); do $(PY) -m $$s migrate; done

infra-up: install ## start only Kafka and PostgreSQL (run profile)
	@$(PY) tools/infra.py up --profile run

infra-down: ## stop Kafka and PostgreSQL (run profile)
	@$(PY) tools/infra.py down --profile run

status: install ## what is running
	@$(PY) tools/infra.py status --profile run

test: install ## everything CI runs: unit, contract, integration tests and, alongside, the fault suite (real Kafka, PostgreSQL, S3)
	@tools/test-all.sh

test-faults: install ## F1–F40: faults injected into real processes, Kafka, PostgreSQL and S3 (own fresh infrastructure)
	@tools/faults.sh

lint: install ## ruff: errors, bugbear, imports
	@$(PY) -m ruff check .

test-unit: install ## unit and contract tests only (no infrastructure)
	@$(PY) -m pytest -m "not integration" --ignore=tests/faults -q

bench: $(UV) ## B1–B14 (B9 public redirect, B10 publish lateness, B11 calendar) against raw baselines (ONLY="B9 B10" for some; not part of make test)
	@$(UV) sync --locked --all-packages --group bench --quiet
	@tools/bench.sh

contracts: install ## snapshot event schemas and golden samples (refuses breaking changes)
	@$(PY) -m huntaze_events.compat write

contracts-check: install ## fail when event contracts drifted or broke compatibility
	@$(PY) -m huntaze_events.compat check

k8s: install ## deploy/k8s (base, overlays, README table) generated from the code; python -m tools.k8s --check tells what is stale
	@$(PY) -m tools.k8s

docs: install ## AsyncAPI documents (docs/asyncapi), the one OpenAPI document (docs/openapi.json) and the README event catalog, from the code
	@$(PY) tools/catalog.py

.PHONY: otelcol-check
otelcol-check: ## validate deploy/observability/otel-collector.yaml with a real collector built from its modules (~10 min the first time; not in make test)
	@cd deploy/observability/otelcol-validate && GOPATH=$(CURDIR)/.cache/go GOMODCACHE=$(CURDIR)/.cache/go/mod GOCACHE=$(CURDIR)/.cache/go/build GOFLAGS=-modcacherw GOTOOLCHAIN=local go build -o $(CURDIR)/.cache/go/bin/otelcol-huntaze .
	@TRACES_BACKEND=tempo.observability:4317 .cache/go/bin/otelcol-huntaze validate --config=deploy/observability/otel-collector.yaml && echo "[otelcol] deploy/observability/otel-collector.yaml is valid"

.PHONY: dashboards
dashboards: install ## Grafana dashboards (deploy/observability/grafana): the overview and one per service, from the code
	@$(PY) -m tools.dashboards

clean: ## stop everything and delete local data (.data); keeps downloaded caches
	@tools/run.sh --down || true
	@if [ -x $(PY) ]; then $(PY) tools/infra.py clean --profile test; $(PY) tools/infra.py clean --profile run; fi
	@rm -rf .data
