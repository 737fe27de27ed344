// Package renegotiation is the secure renegotiation family (row 62 of the
// check catalogue, RFC 5746 §3.7): on a TLS 1.0-1.2 connection that
// negotiated secure renegotiation, a renegotiating ClientHello whose
// renegotiated_connection is not the client_verify_data, one with
// neither renegotiation_info nor the SCSV, and one that carries
// TLS_EMPTY_RENEGOTIATION_INFO_SCSV beside the right renegotiation_info
// must be refused with handshake_failure ("abort the handshake", RFC 5746
// §3.3). A control renegotiates correctly first: a server that refuses
// renegotiation altogether is conformant (RFC 5246 §7.2.2,
// no_renegotiation), and then the three checks skip, since a refusal
// proves nothing of what they check.
// An empty renegotiation_info on the initial handshake is a ClientHello
// check (package hello), not repeated here.
//
// Start with Family (family.go), then checks.go. misbehave.go holds the
// reference server's broken renegotiation decisions for the self-test;
// selftest.go what each must make the checks do; deviations.go
// crypto/tls's known deviations here.
//
// renegotiation imports the engine (peers and its sub-packages), reports
// and suite/checks. It must not import package suite (the runner),
// another family, targets, fuzz, Ginkgo or Gomega.
package renegotiation
