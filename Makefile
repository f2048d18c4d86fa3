# samtykke — run `make help` for the targets.
.DEFAULT_GOAL := help
GO ?= go

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## build the samtykke binary
	$(GO) build -o samtykke ./cmd/samtykke

run: ## run the service on the embedded default (SQLite in ./samtykke-data)
	$(GO) run ./cmd/samtykke serve

test: ## run the whole test suite, SQLite and PostgreSQL (TEST_DATABASE_URL)
	$(GO) test ./...

test-race: ## the test suite under the race detector (needs cgo)
	$(GO) test -race -count=1 ./...

test-pg: ## run the tests, failing when PostgreSQL is unreachable
	SAMTYKKE_TEST_POSTGRES=require $(GO) test -race -count=1 ./...

bench: ## run the Go benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l cmd internal)" || (gofmt -l cmd internal; exit 1)
	$(GO) vet ./...

.PHONY: help build run test test-race test-pg bench lint
