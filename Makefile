# tlsconform: a TLS handshake conformance and fuzz test suite.
GO ?= go
TESTFLAGS ?=

.PHONY: test build vet fmt bench conformance

## test: unit, known-answer and interop tests (the CI command)
test:
	$(GO) vet ./...
	$(GO) test $(TESTFLAGS) -timeout 15m ./...

## build: the tlsconform command into bin/
build:
	$(GO) build -o bin/tlsconform ./cmd/tlsconform

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .

## bench: engine benchmarks (compare runs with benchstat)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./peers/...

## conformance: the conformance gate. TARGET=builtin|openssl|gnutls|HOST:PORT,
## STRICT=1 turns SHOULD-level warnings into failures, REPORT_DIR=DIR.
TARGET ?= builtin
REPORT_DIR ?= $(CURDIR)/reports/out
STRICT ?= 0
SEED ?= 1
VERSIONS ?=
GINKGO_FLAGS ?= --succinct --silence-skips --fail-on-empty

conformance:
	@mkdir -p "$(REPORT_DIR)"
	TARGET='$(TARGET)' STRICT='$(STRICT)' REPORT_DIR='$(abspath $(REPORT_DIR))' SEED='$(SEED)' VERSIONS='$(VERSIONS)' \
		$(GO) tool ginkgo $(GINKGO_FLAGS) --seed=$(SEED) ./suite
