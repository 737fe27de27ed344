package records

import "github.com/tlsconform/tlsconform/suite/checks"

// goDeviations: crypto/tls meets every MUST of the record-layer
// checks. What it does differently is SHOULD-level, and shows as warnings
// (conn.go, readRecordOrCCS):
//
//   - until the ClientHello is read, a record that is neither handshake nor
//     alert ("first record does not look like a TLS handshake": an unknown
//     content type, a ChangeCipherSpec between ClientHello fragments) closes
//     the connection without an alert;
//   - until the ClientHello is read, any record-layer version below
//     {10,00} is accepted, {02,00} included (RFC 8446 App. D.5: SHOULD NOT);
//   - before the version is known, a warning alert between two fragments of
//     the ClientHello is dropped (the no-interleaving rule of RFC 8446 §5.1
//     is enforced only once TLS 1.3 is negotiated).
var goDeviations = []checks.Deviation{}
