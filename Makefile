# tlsconform: a TLS handshake conformance and fuzz test suite.
GO ?= go
TESTFLAGS ?=

.PHONY: test build vet fmt bench conformance corpus

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

## corpus: capture again the ClientHello of every TLS client installed here
## into corpus/clienthello/ (bin + provenance json). Run as root, it first
## installs the missing clients with apt-get; clients still missing are
## skipped with the reason and keep their earlier capture.
## CORPUS_ONLY=name,... captures a subset.
CORPUS_CLIENTS = openssl:openssl gnutls-cli:gnutls-bin curl:curl javac:default-jdk-headless \
	node:nodejs python3:python3 tstclnt:libnss3-tools chromium:chromium
CORPUS_ONLY ?=

corpus:
	@missing=""; for p in $(CORPUS_CLIENTS); do \
		command -v "$${p%%:*}" >/dev/null 2>&1 || missing="$$missing $${p#*:}"; \
	done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" != 0 ]; then echo "corpus: not root, not installing:$$missing"; \
	else echo "corpus: installing$$missing"; \
		timeout 300 apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
		|| echo "corpus: apt-get install$$missing failed; capturing with what is installed"; \
	fi
	$(GO) build -o "$(CURDIR)/bin/capturehello" ./cmd/capturehello
	"$(CURDIR)/bin/capturehello" -dir "$(CURDIR)/corpus/clienthello" $(if $(CORPUS_ONLY),-only '$(CORPUS_ONLY)')
