// Package suite is the Ginkgo conformance suite: specs generated from the
// catalogue in suite/checks, run against a target (built-in crypto/tls,
// openssl, gnutls, or any HOST:PORT), with reports written to REPORT_DIR.
// Run it with `make conformance` or `go test ./suite/ -args -target=...`.
// Ginkgo and Gomega live here and nowhere else.
package suite
