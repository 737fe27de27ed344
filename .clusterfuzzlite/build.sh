#!/bin/bash -eu
# Builds the libFuzzer binaries of tlsconform's fuzz targets the OSS-Fuzz
# way: go-fuzz-build -libfuzzer on the gofuzz entry points (fuzz/gofuzz.go),
# linked with $CXX $CXXFLAGS $LIB_FUZZING_ENGINE into $OUT, each with its
# seed corpus as $OUT/<fuzzer>_seed_corpus.zip and the real ClientHellos
# beside them (tlsconform-clienthello/).
#
# compile_native_go_fuzzer does not fit: it builds the FuzzXxx(f
# *testing.F) functions outside `go test`, where the targets' fixed
# crypto randomness (testing/cryptotest) is not allowed.
#
# Locally (no Docker): bash .clusterfuzzlite/build.sh from the repository
# root; OUT defaults to fuzz/workdir/out, CXX to clang, LIB_FUZZING_ENGINE
# to -fsanitize=fuzzer.

cd "$(dirname "$0")/.."
ROOT=$PWD
: "${SRC:=$(dirname "$ROOT")}"
: "${OUT:=$ROOT/fuzz/workdir/out}"
: "${CXX:=clang}"
: "${CXXFLAGS:=}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${GOFUZZ_VERSION:=v0.0.0-20220726122315-1d375ef9f9f6}"
: "${GOFUZZ_PRESERVE:=crypto/internal/fips140/bigmod}"
export SRC OUT
mkdir -p "$OUT"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for target in ClientHello ClientKeyExchange Record ServerFlight; do
	name=tlsconform_$(echo "$target" | tr A-Z a-z)
	echo "== $name"
	go run "github.com/dvyukov/go-fuzz/go-fuzz-build@$GOFUZZ_VERSION" -libfuzzer \
		-preserve "$GOFUZZ_PRESERVE" -func "Fuzz$target" -o "$work/$name.a" ./fuzz
	# shellcheck disable=SC2086 # the flags are lists
	$CXX $CXXFLAGS $LIB_FUZZING_ENGINE "$work/$name.a" -o "$OUT/$name"
	# The seed corpus, in the byte-string form of the entry points.
	go test ./fuzz -run '^TestExportCorpus$' -export "$work/$name-seeds" -target "Fuzz$target" >/dev/null
	rm -f "$OUT/${name}_seed_corpus.zip"
	(cd "$work/$name-seeds" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
done

rm -rf "$OUT/tlsconform-clienthello"
cp -r corpus/clienthello "$OUT/tlsconform-clienthello"
ls -l "$OUT"
