# tlsconform: a TLS handshake conformance and fuzz test suite.
GO ?= go
TESTFLAGS ?=

.PHONY: test build vet fmt bench conformance

## test: unit, known-answer and interop tests (the CI command)
## (the Ginkgo suite runs here against the in-process reference server,
## which passes every check; the self-test in suite/checks runs the
## catalogue against each of its misbehaviours and against crypto/tls)
test:
	$(GO) vet ./...
	TARGET=reference REPORT_DIR=$(CURDIR)/reports/out/selftest $(GO) test $(TESTFLAGS) -timeout 15m ./...

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
