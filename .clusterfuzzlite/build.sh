#!/bin/bash -eu
# Builds every fuzz target of tlsconform as a libFuzzer binary in $OUT, the
# way the OSS-Fuzz base-builder-go image builds Go projects (ClusterFuzzLite
# runs this script inside that image; see .clusterfuzzlite/Dockerfile).
#
# Two kinds of target, one line each below (fuzz/clusterfuzzlite_test.go,
# in `make test`, fails when a `func FuzzX(f *testing.F)` of the
# repository has no line, so that a new target cannot be forgotten):
#
#   native PACKAGE FUNCTION FUZZER
#       a native Go fuzz target, built by the image's
#       compile_native_go_fuzzer (go-118-fuzz-build). The function's name
#       must occur in one file of its package directory only (that helper
#       finds the file with grep -r -l); the test checks that too.
#       go-118-fuzz-build compiles that file alone, as a non-test file of
#       the package, without the package's other _test.go files: so it
#       holds everything its targets execute, and takes the seeds built
#       with other test helpers through a hook that those set (see
#       peers/wire/fuzzseeds_test.go). Checked locally with
#       go-118-fuzz-build v0.0.0-20250520111509-a70c2aa677fa: all seven
#       build their .a; the clang link with libFuzzer is not checked.
#
#   gofuzz PACKAGE FUNCTION FUZZER
#       the targets of fuzz/, whose executions fix crypto's randomness
#       with testing/cryptotest: that needs the *testing.T of `go test`,
#       and compile_native_go_fuzzer hands the target a *testing.T of its
#       own, so the file would not compile. They are built instead from
#       their go-fuzz entry points of the same name (fuzz/gofuzz.go, build
#       tag gofuzz, the same harness) with go-fuzz-build -libfuzzer, which
#       on Go 1.26 needs -preserve crypto/internal/fips140/bigmod (its
#       instrumented word loops do not build), and linked with
#       $CXX $CXXFLAGS $LIB_FUZZING_ENGINE as compile_go_fuzzer links.
#       Each gets its seed corpus ($OUT/FUZZER_seed_corpus.zip); the real
#       ClientHellos go beside them (tlsconform-clienthello/). In a
#       coverage build (SANITIZER=coverage) the image's compile_go_fuzzer
#       builds them (its coverage runner needs no go-fuzz-build).
#
# Locally, without the image: bash .clusterfuzzlite/build.sh builds the
# gofuzz targets into fuzz/workdir/out (CXX defaults to clang,
# LIB_FUZZING_ENGINE to -fsanitize=fuzzer) and skips the native ones
# unless compile_native_go_fuzzer is on PATH; BUILD_ONLY=FUZZER,...
# builds only those; LIST=1 prints the targets and builds nothing.

cd "$(dirname "$0")/.."
ROOT=$PWD
MODULE=github.com/tlsconform/tlsconform
: "${SRC:=$(dirname "$ROOT")}"
: "${OUT:=$ROOT/fuzz/workdir/out}"
: "${CXX:=clang}"
: "${CXXFLAGS:=}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${SANITIZER:=address}"
: "${GOFUZZ_VERSION:=v0.0.0-20220726122315-1d375ef9f9f6}"
: "${GOFUZZ_PRESERVE:=crypto/internal/fips140/bigmod}"
: "${GO118_VERSION:=latest}"
: "${BUILD_ONLY:=}"
: "${LIST:=}"
export SRC OUT

native_dep=
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wanted() {
	[ -z "$BUILD_ONLY" ] || [[ ",$BUILD_ONLY," == *",$1,"* ]]
}

native() {
	local pkg=$1 fn=$2 fuzzer=$3
	if [ -n "$LIST" ]; then echo "native $pkg $fn $fuzzer"; return; fi
	wanted "$fuzzer" || return 0
	if ! command -v compile_native_go_fuzzer >/dev/null 2>&1; then
		echo "== $fuzzer: skipped (no compile_native_go_fuzzer: it comes with the base-builder-go image)"
		return 0
	fi
	if [ -z "$native_dep" ]; then
		# The main package go-118-fuzz-build generates imports its testing
		# package from the module: require it for the build, and give
		# go.mod and go.sum back afterwards.
		cp go.mod "$work/go.mod"; cp go.sum "$work/go.sum"
		trap 'cp "$work/go.mod" "$work/go.sum" "$ROOT/"; rm -rf "$work"' EXIT
		go get "github.com/AdamKorcz/go-118-fuzz-build/testing@$GO118_VERSION"
		native_dep=1
	fi
	echo "== $fuzzer ($pkg $fn)"
	compile_native_go_fuzzer "$pkg" "$fn" "$fuzzer"
}

gofuzz() {
	local pkg=$1 fn=$2 fuzzer=$3
	if [ -n "$LIST" ]; then echo "gofuzz $pkg $fn $fuzzer"; return; fi
	wanted "$fuzzer" || return 0
	echo "== $fuzzer ($pkg $fn, go-fuzz entry point)"
	if [[ $SANITIZER == *coverage* ]] && command -v compile_go_fuzzer >/dev/null 2>&1; then
		# Its coverage runner goes into the current directory: the package's.
		(cd "$(go list -tags gofuzz -f '{{.Dir}}' "$pkg")" && compile_go_fuzzer "$pkg" "$fn" "$fuzzer" gofuzz)
	else
		go run "github.com/dvyukov/go-fuzz/go-fuzz-build@$GOFUZZ_VERSION" -libfuzzer \
			-preserve "$GOFUZZ_PRESERVE" -func "$fn" -o "$work/$fuzzer.a" "$pkg"
		# shellcheck disable=SC2086 # the flags are lists
		$CXX $CXXFLAGS $LIB_FUZZING_ENGINE "$work/$fuzzer.a" -o "$OUT/$fuzzer"
	fi
	# The seed corpus, in the byte-string form of the entry points.
	go test "$pkg" -run '^TestExportCorpus$' -export "$work/$fuzzer-seeds" -target "$fn" >/dev/null
	rm -f "$OUT/${fuzzer}_seed_corpus.zip"
	(cd "$work/$fuzzer-seeds" && zip -q -r "$OUT/${fuzzer}_seed_corpus.zip" .)
}

[ -n "$LIST" ] || mkdir -p "$OUT"

# peers/wire: the handshake codec, extensions, records, reassembly.
native $MODULE/peers/wire FuzzUnmarshalHandshake tlsconform_wire_unmarshal_handshake
native $MODULE/peers/wire FuzzExtensions tlsconform_wire_extensions
native $MODULE/peers/wire FuzzRecord tlsconform_wire_record
native $MODULE/peers/wire FuzzHandshakeBuffer tlsconform_wire_handshake_buffer
# peers/record: record protection (open).
native $MODULE/peers/record FuzzOpen tlsconform_record_open
# peers/kx: key exchange (shared secrets, DHE client).
native $MODULE/peers/kx FuzzShared tlsconform_kx_shared
native $MODULE/peers/kx FuzzDHEClient tlsconform_kx_dhe_client
# fuzz: the reference client against in-process crypto/tls.
gofuzz $MODULE/fuzz FuzzClientHello tlsconform_clienthello
gofuzz $MODULE/fuzz FuzzClientKeyExchange tlsconform_clientkeyexchange
gofuzz $MODULE/fuzz FuzzRecord tlsconform_record
gofuzz $MODULE/fuzz FuzzServerFlight tlsconform_serverflight

[ -z "$LIST" ] || exit 0
rm -rf "$OUT/tlsconform-clienthello"
cp -r corpus/clienthello "$OUT/tlsconform-clienthello"
ls -l "$OUT"
