package clientrecords

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Record size limits and zero-length records, from the server (row 74).
//
// Over the limits: in TLS 1.3 the EncryptedExtensions record padded
// (RFC 8446 §5.4) to a ciphertext of 2^14+257 bytes, over §5.2's limit
// (MUST record_overflow), or to an inner plaintext of 2^14+2 bytes,
// within the ciphertext limit (§5.4 bounds the inner plaintext for the
// sender only: a warning). Below TLS 1.3 the Certificate message, made
// longer than 2^14 by an extra certificate at the end of the chain, in
// one plaintext record: RFC 5246 §6.2.1's limit binds the sender, but
// §6.2.2 binds the receiver, null compression included (as the server
// family reads it). A client that takes the record goes on with its next
// message; before judging a refusal, the same chain is served in records
// within the limit, so that a client which refuses the chain itself is
// not mistaken for one that refuses the record. Below TLS 1.3 no record
// can be protected and too long here: the server's only protected
// handshake message is its Finished.
//
// Zero-length records: under TLS 1.3 protection, a handshake or an alert
// record after the EncryptedExtensions (RFC 8446 §5.4: MUST
// unexpected_message); in the clear, a handshake record (and below TLS
// 1.3 an alert record) before the ServerHello, which RFC 5246 §6.2.1 and
// RFC 8446 §5.1 forbid only the sender to send: warnings.

var (
	ruleInner13   = checks.Rule{Cite: "RFC 8446 §5.4", Text: "The presence of padding does not change the overall record size limitations: the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets."}
	ruleZero12    = checks.Rule{Cite: "RFC 5246 §6.2.1", Text: "Implementations MUST NOT send zero-length fragments of Handshake, Alert, or ChangeCipherSpec content types."}
	ruleZeroPlain = checks.Rule{Cite: "RFC 8446 §5.1", Text: "Implementations MUST NOT send zero-length fragments of Handshake types, even if those fragments contain padding."}
)

// aeadTag is the tag length of every TLS 1.3 suite the engine has.
const aeadTag = 16

// writeThrough sends msgs up to the first message of type t as the
// server would, each in its own record, and t through write (with its
// marshalled bytes); each goes into the transcript. It returns the rest
// of the flight for the server to send, or msgs unchanged when they hold
// no message of type t.
func writeThrough(st *peers.ServerState, msgs []wire.Message, t wire.HandshakeType, write func(raw []byte) error) []wire.Message {
	i := slices.IndexFunc(msgs, func(m wire.Message) bool { return m.Type() == t })
	if i < 0 {
		return msgs
	}
	for _, m := range msgs[:i+1] {
		raw, err := m.Marshal()
		if err != nil {
			return msgs
		}
		st.Transcript().Add(raw)
		if m.Type() == t {
			_ = write(raw)
		} else {
			_ = st.WriteRecord(wire.ContentHandshake, raw)
		}
	}
	return msgs[i+1:]
}

// afterEE sends the EncryptedExtensions, then a record of type typ with
// an empty payload, under the server handshake traffic key.
func afterEE(name string, typ wire.ContentType) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		return writeThrough(st, msgs, wire.TypeEncryptedExtensions, func(raw []byte) error {
			if err := st.WriteRecord(wire.ContentHandshake, raw); err != nil {
				return err
			}
			return st.WriteRecord(typ, nil)
		})
	})
}

// paddedEE sends the EncryptedExtensions alone in one record whose inner
// plaintext is inner bytes long (content, type and zero padding).
func paddedEE(name string, inner int) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		return writeThrough(st, msgs, wire.TypeEncryptedExtensions, func(raw []byte) error {
			return st.WriteOneRecord(wire.ContentHandshake, raw, inner-len(raw)-1,
				fmt.Sprintf("an inner plaintext of %d bytes, a ciphertext of %d", inner, inner+aeadTag))
		})
	})
}

// emptyBefore sends an empty record of type typ in front of the
// ServerHello.
func emptyBefore(name string, typ wire.ContentType) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		for _, m := range msgs {
			if sh, ok := m.(*wire.ServerHello); ok && !sh.IsHelloRetryRequest() {
				_ = st.WriteRecord(typ, nil)
				break
			}
		}
		return msgs
	})
}

// oneRecordCertificate sends the Certificate message in one plaintext
// record, however long.
var oneRecordCertificate = checks.EditServerFlight("oversize-plaintext", func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
	return writeThrough(st, msgs, wire.TypeCertificate, func(raw []byte) error {
		return st.WriteOneRecord(wire.ContentHandshake, raw, 0, fmt.Sprintf("%d bytes of plaintext in one record", len(raw)))
	})
})

// fillerSize makes the Certificate message longer than 2^14 bytes and
// its record shorter than 2^14+2048, whatever the chain before it: only
// the plaintext limit is broken.
const fillerSize = 16500

// fillerCertificate is a self-signed certificate with a private,
// non-critical extension of fillerSize bytes (under 1.3.6.1.4.1.32473,
// the enterprise number RFC 5612 sets aside for documentation), which a
// chain can carry at its end as a certificate the client does not need
// (RFC 5246 §7.4.2 and RFC 8446 §4.4.2 let the chain carry more than the
// path).
func fillerCertificate() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{Organization: []string{"tlsconform"}, CommonName: "tlsconform filler certificate"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		ExtraExtensions: []pkix.Extension{{
			Id:    asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 1},
			Value: make([]byte, fillerSize),
		}},
	}
	return x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
}

// withFiller is the server's certificates with the filler at the end of
// each chain.
func withFiller(pairs []*certs.Pair, filler []byte) []*certs.Pair {
	var out []*certs.Pair
	for _, p := range pairs {
		c := *p
		c.Chain = append(slices.Clone(p.Chain), filler)
		out = append(out, &c)
	}
	return out
}

// oversizePlaintext12: the Certificate message in one record over 2^14
// bytes (TLS 1.0-1.2).
func oversizePlaintext12(c checks.Context) checks.Check {
	want := []wire.AlertDescription{wire.AlertRecordOverflow, wire.AlertDecompressionFailure}
	ch := checks.ClientCheck(area, c, "oversize-plaintext", "RFC 5246 §6.2.1, §6.2.2", checks.RuleDecompression12, checks.MUST,
		"aborts on a Certificate record with more than 2^14 bytes of plaintext, with record_overflow or decompression_failure",
		oneRecordCertificate, wire.TypeCertificate, want...)
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		filler, err := fillerCertificate()
		if err != nil {
			return checks.Verdict{Status: reports.Inconclusive, Reason: "the filler certificate: " + err.Error()}
		}
		chain := func(cfg *peers.ServerConfig) { cfg.Certificates = withFiller(cfg.Certificates, filler) }
		s := env.ServeWith(ctx, c, ch.ID, chain, oneRecordCertificate)
		v := checks.ClientRejects(s, wire.TypeCertificate, want...)
		if v.Status == reports.Pass || v.Status == reports.Fail {
			return v
		}
		// A refusal with another alert, or none: was it the record, or the
		// longer chain?
		ctl := env.ServeWith(ctx, c, ch.ID+"/control", chain)
		if cv := checks.ClientCompletes(ctl); cv.Status != reports.Pass {
			u := checks.Unchanged(s, "the client does not complete a handshake with the longer chain even in records within the limit ("+cv.Observed+"): its refusal of the long record proves nothing about the record")
			u.Served = append(u.Served, ctl)
			return u
		}
		v.Served = append(v.Served, ctl)
		return v
	}
	return ch
}

// limitChecks are the size-limit and zero-length checks of context c.
func limitChecks(c checks.Context) []checks.Check {
	if c.Version == wire.VersionTLS13 {
		return []checks.Check{
			checks.ClientCheck(area, c, "oversize-ciphertext", "RFC 8446 §5.2", checks.RuleOverflowCT13, checks.MUST,
				"aborts on an EncryptedExtensions record whose ciphertext is longer than 2^14+256 bytes (padding), with record_overflow",
				paddedEE("oversize-ciphertext", wire.MaxCiphertext13+1-aeadTag), wire.TypeEncryptedExtensions, wire.AlertRecordOverflow),
			checks.ClientCheck(area, c, "oversize-inner-plaintext", "RFC 8446 §5.4", ruleInner13, checks.SHOULD,
				"aborts on an EncryptedExtensions record whose inner plaintext is longer than 2^14+1 bytes (padding; ciphertext within the limit), with record_overflow",
				paddedEE("oversize-inner-plaintext", wire.MaxPlaintext+2), wire.TypeEncryptedExtensions, wire.AlertRecordOverflow),
			checks.ClientCheck(area, c, "zero-length-handshake-protected", "RFC 8446 §5.4", checks.RuleZeroLength13, checks.MUST,
				"aborts on a protected handshake record with zero-length content after the EncryptedExtensions, with unexpected_message",
				afterEE("zero-length-handshake-protected", wire.ContentHandshake), wire.TypeEncryptedExtensions, wire.AlertUnexpectedMessage),
			checks.ClientCheck(area, c, "zero-length-alert-protected", "RFC 8446 §5.4", checks.RuleZeroLength13, checks.MUST,
				"aborts on a protected alert record with zero-length content after the EncryptedExtensions, with unexpected_message",
				afterEE("zero-length-alert-protected", wire.ContentAlert), wire.TypeEncryptedExtensions, wire.AlertUnexpectedMessage),
			checks.ClientCheck(area, c, "zero-length-handshake", "RFC 8446 §5.1", ruleZeroPlain, checks.SHOULD,
				"aborts on a zero-length handshake record before the ServerHello, with unexpected_message",
				emptyBefore("zero-length-handshake", wire.ContentHandshake), wire.TypeServerHello, wire.AlertUnexpectedMessage),
		}
	}
	return []checks.Check{
		oversizePlaintext12(c),
		checks.ClientCheck(area, c, "zero-length-handshake", "RFC 5246 §6.2.1", ruleZero12, checks.SHOULD,
			"aborts on a zero-length handshake record before the ServerHello, with unexpected_message",
			emptyBefore("zero-length-handshake", wire.ContentHandshake), wire.TypeServerHello, wire.AlertUnexpectedMessage),
		checks.ClientCheck(area, c, "zero-length-alert", "RFC 5246 §6.2.1", ruleZero12, checks.SHOULD,
			"aborts on a zero-length alert record before the ServerHello, with unexpected_message",
			emptyBefore("zero-length-alert", wire.ContentAlert), wire.TypeServerHello, wire.AlertUnexpectedMessage),
	}
}
