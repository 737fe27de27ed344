// Package negotiation is the version-negotiation family (RFC 5246
// App. E.1; RFC 8446 §4.1.3, §4.2.1, App. D.5; RFC 7507; RFC 6176): which
// version the server picks from client_version and supported_versions,
// GREASE and unknown versions, legacy_version at or below SSL 3.0, the
// downgrade sentinel, TLS_FALLBACK_SCSV, the record-layer version of the
// first record, the SSL 2.0-compatible ClientHello, a ServerHello that
// never exceeds what was offered, and the answer to probing's TLS 1.3
// ClientHellos (a ServerHello or HelloRetryRequest the client refuses
// fails on the sentence that binds the server, and warns where none does).
//
// Start with Family (family.go), then checks.go; answer.go holds the
// probe-answer checks and the sentence of each refusal. sslv2.go builds
// the SSL 2.0 records; misbehave.go holds the reference server's broken
// negotiations for the self-test; selftest.go what each must make the
// checks do; deviations.go crypto/tls's known MUST failures here. A new
// check of version negotiation or downgrade protection goes in this
// package.
//
// negotiation imports the engine (peers and its sub-packages), reports and
// suite/checks. It must not import package suite (the runner), another
// family, targets, fuzz, Ginkgo or Gomega.
package negotiation
