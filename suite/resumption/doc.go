// Package resumption is the session resumption family (rows 59-61 of the
// check catalogue): RFC 7627 §5.3 in both directions (a session with
// extended_master_secret offered by a ClientHello without it, and the
// reverse), a session resumed by ticket or session ID with another cipher
// suite or another version than its own (RFC 5246 §7.4.1.3, RFC 5077
// §3.4), and TLS 1.3 PSKs with a binder that does not verify or a hash
// other than the chosen suite's (RFC 8446 §4.2.11). A pre_shared_key that
// is not the last extension, and a PSK identity the server never issued,
// are ClientHello checks (package hello), not repeated here.
//
// Every check needs a target that resumes sessions at its version
// (checks.NeedResumption) and skips, with the reason, where the target
// gives no session of the kind it needs. A full handshake passes only
// once a control conversation shows the target resumes the unchanged
// session: a target that never resumes proves nothing by not resuming.
//
// Start with Family (family.go), then checks.go. misbehave.go holds the
// reference server's broken resumption decisions for the self-test;
// selftest.go what each must make the checks do; deviations.go
// crypto/tls's known deviations here.
//
// resumption imports the engine (peers and its sub-packages), reports and
// suite/checks. It must not import package suite (the runner), another
// family, targets, fuzz, Ginkgo or Gomega.
package resumption
