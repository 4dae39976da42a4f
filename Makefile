# Tessera — every entry point. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
RUN := $(UV) run --frozen --all-packages
PYTEST_ARGS ?=
CHAOS_ROUNDS ?= 3

# Offline checks of infra/k8s: kustomize (built once with Go; v5.8.2 and later need Go
# 1.27) and KEDA's ScaledObject CRD (from its Go module), both kept under .cache/tools.
KUSTOMIZE_VERSION := v5.8.1
KEDA_VERSION := v2.17.2
TOOLS := $(CURDIR)/.cache/tools
export TESSERA_KUSTOMIZE := $(TOOLS)/kustomize-$(KUSTOMIZE_VERSION)/kustomize
export TESSERA_KEDA_CRD := $(TOOLS)/keda-$(KEDA_VERSION)/keda.sh_scaledobjects.yaml

# A local `.env` (see .env.example) overrides the defaults for every command.
ifneq (,$(wildcard .env))
include .env
export
endif

.PHONY: help bootstrap kube-tools up down status kpi logs test test-unit chaos lint fmt contracts lock clean archive restore rebuild bench bench-compare shard-add move-tenant move-resume move-abort isolate-tenant ring-grow reshard-drill

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

bootstrap: ## Install uv (if missing) and the Python workspace into .venv
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@$(UV) sync --frozen --all-packages --quiet

kube-tools: $(TESSERA_KUSTOMIZE) $(TESSERA_KEDA_CRD) ## kustomize and KEDA's CRD for the Kubernetes checks

$(TESSERA_KUSTOMIZE):
	@echo "Building kustomize $(KUSTOMIZE_VERSION) (once, about a minute)"
	@GOBIN=$(dir $@) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

$(TESSERA_KEDA_CRD):
	@mkdir -p $(dir $@)
	@module=$$(go mod download -json github.com/kedacore/keda/v2@$(KEDA_VERSION) \
		| $(PYTHON) -c 'import json, sys; print(json.load(sys.stdin)["Dir"])') \
		&& cp "$$module/config/crd/bases/keda.sh_scaledobjects.yaml" $@ && chmod u+w $@

up: bootstrap ## Start the whole stack locally (Postgres shards, Redis, Kafka, services); KAFKA_BROKERS=3: three brokers
	@$(RUN) tessera-stack up

shard-add: bootstrap ## Add a shard server to the running stack: make shard-add SHARD=shard-3 REGION=us-east (REGION= for none)
	@$(RUN) tessera-stack shard-add --shard "$(SHARD)" --region "$(REGION)"

move-tenant: bootstrap ## Move a tenant's rows to another shard, online: make move-tenant TENANT=<id> TO=shard-3
	@$(RUN) tessera-stack run python -m accounts.moves start --tenant "$(TENANT)" --to "$(TO)"

ring-grow: bootstrap ## Grow the billing ring onto a shard, moving exactly the tenants it reassigns: make ring-grow SHARD=shard-3
	@$(RUN) tessera-stack ring-grow --shard "$(SHARD)"

isolate-tenant: bootstrap ## Give a tenant a shard server of its own and move it there: make isolate-tenant TENANT=<id>
	@$(RUN) tessera-stack isolate-tenant --tenant "$(TENANT)"

reshard-drill: bootstrap ## Add a shard and move tenants onto it under live commands and reads, then audit every write (figures in .run/drill/)
	@$(RUN) tessera-stack run python -m tessera_bench.reshard_drill

move-resume: bootstrap ## Run a killed or failed tenant move on from its last step: make move-resume MOVE=<id>
	@$(RUN) tessera-stack run python -m accounts.moves resume --move "$(MOVE)"

move-abort: bootstrap ## Undo a tenant move that has not flipped: make move-abort MOVE=<id>
	@$(RUN) tessera-stack run python -m accounts.moves abort --move "$(MOVE)"

down: ## Stop exactly what `make up` started
	@$(RUN) tessera-stack down

status: ## Show each component and its health
	@$(RUN) tessera-stack status

kpi: ## The running stack's KPIs beside docs/kpis.md's targets (JSON in .run/kpi.json)
	@$(RUN) python -m tessera_stack.kpi $(KPI_ARGS)

bench: bootstrap ## Every hot path under load beside raw baselines: BENCHMARKS.md, plots, JSON (QUICK=1: seconds each)
	@$(RUN) tessera-bench run $(if $(QUICK),--quick) $(BENCH_ARGS)

bench-compare: bootstrap ## Two benchmark runs side by side: make bench-compare A=.run/bench/runs/x.json B=…
	@$(RUN) tessera-bench compare $(A) $(B)

logs: ## Follow the logs (make logs C=gateway for one component)
	@$(RUN) tessera-stack logs $(C)

test: bootstrap kube-tools ## Run every test; starts what the tests need and stops it after
	@$(RUN) pytest $(PYTEST_ARGS)

test-unit: bootstrap kube-tools ## Run the unit and contract tests (no infrastructure)
	@$(RUN) pytest tests/unit tests/contract $(PYTEST_ARGS)

chaos: bootstrap ## Every fault test, each fault CHAOS_ROUNDS times (3): a table, and .run/chaos/latest.json for make kpi
	@rm -rf .run/chaos/rounds
	@CHAOS_SUITE=1 CHAOS_ROUNDS=$(CHAOS_ROUNDS) $(RUN) pytest tests/chaos $(PYTEST_ARGS); tests=$$?; \
		$(RUN) python -m tessera_stack.chaos $(CHAOS_ARGS) && exit $$tests

lint: bootstrap ## ruff, mypy and the import-linter contracts
	@$(RUN) ruff check .
	@$(RUN) ruff format --check .
	@$(RUN) mypy
	@$(RUN) lint-imports

fmt: bootstrap ## Format and autofix
	@$(RUN) ruff check --fix --quiet .
	@$(RUN) ruff format .

contracts: bootstrap ## Regenerate the event schema registry and the upstream OpenAPI snapshots
	@$(RUN) python -m tessera_common.events.registry
	@$(RUN) python tests/openapi_snapshots.py
	@$(RUN) python -m tessera_stack.edge

archive: bootstrap ## Move usage partitions older than the retention to .run/archive (gzip + manifest)
	@$(RUN) tessera-stack run python -m usage.archive archive

restore: bootstrap ## Bring an archived usage month back: make restore PERIOD=YYYY-MM
	@$(RUN) tessera-stack run python -m usage.archive restore --period $(PERIOD)

rebuild: bootstrap ## Replay a read model into a shadow copy and switch over: make rebuild READ_MODEL=accounts|billing|usage
	@$(RUN) tessera-stack run python -m projector.rebuild $(READ_MODEL)

lock: ## Refresh uv.lock after a dependency change
	@$(UV) lock

clean: down ## Stop the stack and delete its data (.run)
	@rm -rf .run
