# tlsconform: a TLS handshake conformance and fuzz test suite.
GO ?= go
TESTFLAGS ?=

.PHONY: test build vet fmt bench conformance corpus fuzz fuzz-smoke gofuzz libfuzzer

## test: unit, known-answer and interop tests (the CI command)
## (the Ginkgo suite runs here against the in-process reference server,
## which passes every check; the self-tests in suite/ run the catalogue
## through the same runner against each of its misbehaviours and against
## crypto/tls)
test:
	$(GO) vet ./...
	TARGET=reference CLIENT=reference REPORT_DIR=$(CURDIR)/reports/out/selftest $(GO) test $(TESTFLAGS) -timeout 15m ./...

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

## conformance: the conformance gate (Ginkgo, JUnit included; see the README
## for every variable). TARGET=builtin|openssl|gnutls|nss|erlang|wolfssl|
## mbedtls|HOST:PORT|reference[:MISBEHAVIOUR], STRICT=1 (warnings fail),
## VERSIONS=1.2,1.3, REPORT_DIR=DIR (replaced at each run), FULL_REPORT=1
## (every conversation in report.json and the pcap), SEED=N, SNI=NAME, TIMEOUT=2s,
## EXPECT=FILE|none (default for builtin: suite/crypto-tls.expect.json),
## RUN=GLOB,... SKIP=GLOB,... (check ids), CLIENT_CERT=FILE CLIENT_KEY=FILE,
## LABELS='tls1.3 && finished' (Ginkgo's label filter, added to
## GINKGO_FLAGS). Any failure exits make with status 2: a CI that branches
## on the status calls bin/tlsconform conformance instead (0, 1, 2).
TARGET ?= builtin
REPORT_DIR ?= $(CURDIR)/reports/out
STRICT ?= 0
FULL_REPORT ?= 0
SEED ?= 1
VERSIONS ?=
SNI ?=
TIMEOUT ?= 2s
EXPECT ?=
RUN ?=
SKIP ?=
CLIENT_CERT ?=
CLIENT_KEY ?=
LABELS ?=
GINKGO_FLAGS ?= --succinct --silence-skips --fail-on-empty

conformance: export LABELS := $(LABELS)
conformance: export RUN := $(RUN)
conformance: export SKIP := $(SKIP)
REPORT_FILES = report.json summary.md junit.xml report.html conversations.pcapng keylog.txt

conformance:
	@mkdir -p "$(REPORT_DIR)" && cd "$(REPORT_DIR)" && rm -f $(REPORT_FILES)
	TARGET='$(TARGET)' STRICT='$(STRICT)' FULL_REPORT='$(FULL_REPORT)' REPORT_DIR='$(abspath $(REPORT_DIR))' SEED='$(SEED)' VERSIONS='$(VERSIONS)' \
		SNI='$(SNI)' TIMEOUT='$(TIMEOUT)' EXPECT='$(if $(filter none,$(EXPECT)),none,$(if $(EXPECT),$(abspath $(EXPECT))))' CLIENT_CERT='$(if $(CLIENT_CERT),$(abspath $(CLIENT_CERT)))' \
		CLIENT_KEY='$(if $(CLIENT_KEY),$(abspath $(CLIENT_KEY)))' \
		$(GO) tool ginkgo $(GINKGO_FLAGS) $${LABELS:+--label-filter="$$LABELS"} --seed=$(SEED) ./suite -- -test.run='^TestConformance$$'; \
		status=$$?; $(GO) run ./cmd/tlsconform report -report-dir '$(abspath $(REPORT_DIR))'; exit $$status

## conformance-client: the client gate: the suite's server against a client
## under test, started once per check. CLIENT=builtin|openssl|gnutls|curl|
## reference[:MISBEHAVIOUR]|'a command with {addr} {host} {port} {servername}
## {ca}'; STRICT, VERSIONS, REPORT_DIR (default reports/out/client), SEED,
## TIMEOUT, EXPECT, RUN, SKIP, LABELS as for conformance (Ginkgo, JUnit
## included; bin/tlsconform conformance -client is the same gate without it).
CLIENT ?= builtin
CLIENT_REPORT_DIR = $(if $(filter file,$(origin REPORT_DIR)),$(CURDIR)/reports/out/client,$(REPORT_DIR))

.PHONY: conformance-client
conformance-client: export CLIENT := $(CLIENT)
conformance-client: export RUN := $(RUN)
conformance-client: export SKIP := $(SKIP)
conformance-client: export LABELS := $(LABELS)
conformance-client:
	@mkdir -p "$(CLIENT_REPORT_DIR)" && cd "$(CLIENT_REPORT_DIR)" && rm -f $(REPORT_FILES)
	STRICT='$(STRICT)' FULL_REPORT='$(FULL_REPORT)' REPORT_DIR='$(abspath $(CLIENT_REPORT_DIR))' SEED='$(SEED)' VERSIONS='$(VERSIONS)' TIMEOUT='$(TIMEOUT)' \
		EXPECT='$(if $(filter none,$(EXPECT)),none,$(if $(EXPECT),$(abspath $(EXPECT))))' \
		$(GO) tool ginkgo $(GINKGO_FLAGS) $${LABELS:+--label-filter="$$LABELS"} --seed=$(SEED) ./suite/clientgate -- -test.run='^TestClientConformance$$'; \
		status=$$?; $(GO) run ./cmd/tlsconform report -report-dir '$(abspath $(CLIENT_REPORT_DIR))'; exit $$status

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

## fuzz: one native fuzz target against in-process crypto/tls, FUZZ=ClientHello|
## ClientKeyExchange|Record|ServerFlight, FUZZTIME=60s. A crasher lands in
## fuzz/testdata/fuzz/FuzzX/ (commit it: it becomes a regression seed).
## fuzz-smoke: every native target for FUZZ_SMOKE_TIME each, one after the other.
FUZZ ?= ClientHello
FUZZTIME ?= 60s
FUZZ_SMOKE_TIME ?= 10s
FUZZ_TARGETS = ClientHello ClientKeyExchange Record ServerFlight
FUZZ_FLAGS ?= -parallel=1 -fuzzminimizetime=10x

fuzz:
	$(GO) test ./fuzz -run '^$$' -fuzz '^Fuzz$(FUZZ)$$' -fuzztime $(FUZZTIME) $(FUZZ_FLAGS)

fuzz-smoke:
	@for t in $(FUZZ_TARGETS); do \
		echo "== Fuzz$$t"; \
		$(GO) test ./fuzz -run '^$$' -fuzz "^Fuzz$$t\$$" -fuzztime $(FUZZ_SMOKE_TIME) $(FUZZ_FLAGS) || exit 1; \
	done

## gofuzz: the same harness under go-fuzz for FUZZTIME (FUZZ as above); the
## work directory is fuzz/workdir/<target>/ (corpus, crashers). The first
## run seeds it from testdata/fuzz, leaving out inputs longer than
## GOFUZZ_MAXLEN (go-fuzz minimizes every input it loads). Fails when a
## crasher is found.
## libfuzzer: the same harness as a libFuzzer binary (needs clang:
## apt-get install -y clang), fuzz/workdir/<target>-libfuzzer, run for
## LIBFUZZER_TIME seconds or LIBFUZZER_RUNS inputs on the whole seed corpus.
GOFUZZ_VERSION ?= v0.0.0-20220726122315-1d375ef9f9f6
GOFUZZ_BUILD = $(GO) run github.com/dvyukov/go-fuzz/go-fuzz-build@$(GOFUZZ_VERSION)
GOFUZZ_RUN = $(GO) run github.com/dvyukov/go-fuzz/go-fuzz@$(GOFUZZ_VERSION)
# bigmod's word loops are not instrumented: coverage there says nothing
# about our code and costs a great deal.
GOFUZZ_PRESERVE ?= crypto/internal/fips140/bigmod
GOFUZZ_PROCS ?= 1
GOFUZZ_MAXLEN ?= 256
CLANG ?= clang
LIBFUZZER_TIME ?= 30
LIBFUZZER_RUNS ?= -1
FUZZ_WORKDIR = $(CURDIR)/fuzz/workdir
FUZZ_NAME = $(shell echo '$(FUZZ)' | tr A-Z a-z)

gofuzz:
	@mkdir -p "$(FUZZ_WORKDIR)/$(FUZZ_NAME)/corpus"
	$(GOFUZZ_BUILD) -preserve $(GOFUZZ_PRESERVE) -func Fuzz$(FUZZ) -o "$(FUZZ_WORKDIR)/$(FUZZ_NAME).zip" ./fuzz
	@if [ -z "$$(ls -A '$(FUZZ_WORKDIR)/$(FUZZ_NAME)/corpus')" ]; then \
		$(GO) test ./fuzz -run '^TestExportCorpus$$' -export '$(FUZZ_WORKDIR)/$(FUZZ_NAME)/corpus' -target Fuzz$(FUZZ) -maxlen $(GOFUZZ_MAXLEN) >/dev/null; \
	fi
	timeout -s INT $(FUZZTIME) $(GOFUZZ_RUN) -bin "$(FUZZ_WORKDIR)/$(FUZZ_NAME).zip" \
		-workdir "$(FUZZ_WORKDIR)/$(FUZZ_NAME)" -procs $(GOFUZZ_PROCS); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 124 ]
	@crashers=$$(ls "$(FUZZ_WORKDIR)/$(FUZZ_NAME)/crashers" 2>/dev/null | grep -v '\.' || true); \
	if [ -n "$$crashers" ]; then \
		echo "gofuzz: crashers in $(FUZZ_WORKDIR)/$(FUZZ_NAME)/crashers (see the .output files):"; echo "$$crashers"; exit 1; \
	fi

libfuzzer:
	@command -v $(CLANG) >/dev/null || { echo "libfuzzer: no $(CLANG): apt-get install -y clang"; exit 1; }
	@mkdir -p "$(FUZZ_WORKDIR)"
	$(GOFUZZ_BUILD) -libfuzzer -preserve $(GOFUZZ_PRESERVE) -func Fuzz$(FUZZ) -o "$(FUZZ_WORKDIR)/$(FUZZ_NAME).a" ./fuzz
	$(CLANG) -fsanitize=fuzzer "$(FUZZ_WORKDIR)/$(FUZZ_NAME).a" -o "$(FUZZ_WORKDIR)/$(FUZZ_NAME)-libfuzzer"
	@mkdir -p "$(FUZZ_WORKDIR)/$(FUZZ_NAME)-libfuzzer-corpus"
	@if [ -z "$$(ls -A '$(FUZZ_WORKDIR)/$(FUZZ_NAME)-libfuzzer-corpus')" ]; then \
		$(GO) test ./fuzz -run '^TestExportCorpus$$' -export '$(FUZZ_WORKDIR)/$(FUZZ_NAME)-libfuzzer-corpus' -target Fuzz$(FUZZ) >/dev/null; \
	fi
	"$(FUZZ_WORKDIR)/$(FUZZ_NAME)-libfuzzer" -max_total_time=$(LIBFUZZER_TIME) -runs=$(LIBFUZZER_RUNS) -timeout=60 \
		-print_final_stats=1 -artifact_prefix="$(FUZZ_WORKDIR)/$(FUZZ_NAME)-libfuzzer-" "$(FUZZ_WORKDIR)/$(FUZZ_NAME)-libfuzzer-corpus"

## campaign: network fuzz campaign against a live TARGET=builtin|openssl|gnutls|
## HOST:PORT for DURATION (60s) with WORKERS (2) and SEED (1). TARGET_CMD='...'
## starts the target itself (listening on TARGET=HOST:PORT) and restarts it
## after each crash; TARGET2=... adds the differential oracle; MUTATORS=
## prefix,... narrows the changes; EXPECT=FILE|none the expected deviations
## (the gate's file; default for builtin: suite/crypto-tls.expect.json):
## acceptances it names are counted, not saved. Findings go to REPORT_DIR/findings/ (default
## reports/out/campaign); the same REPORT_DIR resumes. Replay a finding with
## bin/tlsconform replay REPORT_DIR/findings/NAME/finding.json.
## CLIENT=builtin|openssl|gnutls|curl|'COMMAND {addr}' makes it a client
## campaign: the suite's server sends changed server flights to the client,
## started once per conversation (crash, hang and accept oracles).
## SHARD=K/N runs shard K of N (the same SEED on every shard; they never
## send the same input); each ends with REPORT_DIR/summary.md and report.html.
## campaign-merge: MERGE='DIR DIR ...' merged into REPORT_DIR (default
## reports/out/campaign-merged) with the same deduplication.
TARGET_CMD ?=
SHARD ?=
MERGE ?=
TARGET2 ?=
DURATION ?= 60s
WORKERS ?= 2
MUTATORS ?=
CAMPAIGN_REPORT_DIR = $(if $(filter file,$(origin REPORT_DIR)),$(CURDIR)/reports/out/campaign,$(REPORT_DIR))

.PHONY: campaign
campaign: export TARGET_CMD := $(TARGET_CMD)
# CLIENT given on the command line (or in the environment) makes it a
# client campaign; its default (builtin, for conformance-client) does not.
CAMPAIGN_CLIENT = $(if $(filter file,$(origin CLIENT)),,$(CLIENT))

campaign: export CAMPAIGN_CLIENT_SPEC := $(CAMPAIGN_CLIENT)
campaign: build
	@if [ -n "$$CAMPAIGN_CLIENT_SPEC" ]; then \
		echo bin/tlsconform campaign -client "$$CAMPAIGN_CLIENT_SPEC" -duration '$(DURATION)' -seed '$(SEED)' -report-dir '$(CAMPAIGN_REPORT_DIR)'; \
		bin/tlsconform campaign -client "$$CAMPAIGN_CLIENT_SPEC" -duration '$(DURATION)' -seed '$(SEED)' -report-dir '$(CAMPAIGN_REPORT_DIR)'; \
	else \
		echo bin/tlsconform campaign -target '$(TARGET)' ...; \
		bin/tlsconform campaign -target '$(TARGET)' -target-cmd "$$TARGET_CMD" -target2 '$(TARGET2)' \
			-duration '$(DURATION)' -workers '$(WORKERS)' -seed '$(SEED)' -report-dir '$(CAMPAIGN_REPORT_DIR)' -mutators '$(MUTATORS)' -shard '$(SHARD)' \
			-expect '$(if $(filter none,$(EXPECT)),none,$(if $(EXPECT),$(abspath $(EXPECT))))'; \
	fi

.PHONY: campaign-merge
campaign-merge: build
	@if [ -z '$(MERGE)' ]; then echo "campaign-merge: MERGE='DIR DIR ...' names the campaigns (shards) to merge"; exit 2; fi
	bin/tlsconform campaign merge -o '$(if $(filter file,$(origin REPORT_DIR)),$(CURDIR)/reports/out/campaign-merged,$(REPORT_DIR))' $(MERGE)
