// Package keys derives the key material of the reference TLS engine:
//
//   - TLS 1.0 to 1.2: the PRF (RFC 2246 §5, RFC 5246 §5), the master and
//     extended master secret (RFC 5246 §8.1, RFC 7627 §4), the key block
//     (RFC 5246 §6.3), Finished verify_data (RFC 5246 §7.4.9) and the keying
//     material exporter (RFC 5705);
//   - TLS 1.3: HKDF and HKDF-Expand-Label (RFC 8446 §7.1) and the key schedule
//     as typed stages EarlySecret → HandshakeSecret → MasterSecret13, traffic
//     keys (§7.3), Finished (§4.4.4), KeyUpdate (§7.2), resumption PSKs and
//     binders (§4.6.1, §4.2.11.2);
//   - the handshake Transcript, whose hash is chosen late and which performs
//     the HelloRetryRequest rewrite (RFC 8446 §4.4.1);
//   - NSS key log lines, so that captures of our peers can be decrypted.
//
// Versions are plain uint16 values (0x0301 is TLS 1.0, 0x0304 TLS 1.3) and
// hashes are crypto.Hash values, so the package imports only the standard
// library and nothing else of this project; keep it that way. Start with
// prf.go (TLS 1.0-1.2), tls13.go (the TLS 1.3 schedule) and transcript.go.
//
// Nothing here validates secrets: a fuzzing peer may feed any bytes. The
// functions panic only on programming errors: a hash that is not linked in,
// an HKDF output longer than 255 blocks, or a label or context too long for
// an HkdfLabel.
package keys
