package clientkx

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// A signature (TLS 1.2 ServerKeyExchange, TLS 1.3 CertificateVerify)
// with a scheme the client did not offer in signature_algorithms. Both
// RFCs bind the server to the client's list and name no duty of the
// client's: these checks warn.
var (
	ruleScheme12 = checks.Rule{Cite: "RFC 5246 §7.4.3", Text: "If the client has offered the \"signature_algorithms\" extension, the signature algorithm and hash algorithm MUST be a pair listed in that extension."}
	ruleScheme13 = checks.Rule{Cite: "RFC 8446 §4.4.3", Text: "If the CertificateVerify message is sent by a server, the signature algorithm MUST be one offered in the client's \"signature_algorithms\" extension unless no valid certificate chain can be produced without unsupported algorithms (see Section 4.2.3)."}
)

// unofferedScheme is the first scheme the key can sign with at v that
// offered does not list.
func unofferedScheme(pub crypto.PublicKey, v wire.Version, offered []wire.SignatureScheme) (wire.SignatureScheme, bool) {
	for _, s := range kx.SchemesForKey(pub, v) {
		if !slices.Contains(offered, s) {
			return s, true
		}
	}
	return 0, false
}

// unofferedSchemeMis signs with a scheme the client did not offer; a key
// that has none is ruled out (TLS 1.3 tries the next certificate).
var unofferedSchemeMis = peers.Misbehaviour{Name: "client-check/unoffered-signature-scheme", Apply: func(p *peers.ServerPlan) {
	p.SignatureScheme = func(st *peers.ServerState, pub crypto.PublicKey, offered []wire.SignatureScheme) (wire.SignatureScheme, error) {
		if s, ok := unofferedScheme(pub, st.Version(), offered); ok {
			return s, nil
		}
		return 0, fmt.Errorf("the client offered every scheme this key can sign with")
	}
}}

// schemeKeys are the keys of the server's certificates that sign in
// context c.
func schemeKeys(c checks.Context, pairs []*certs.Pair) []crypto.PublicKey {
	var out []crypto.PublicKey
	for _, p := range pairs {
		alg := p.Leaf.PublicKeyAlgorithm
		if c.Version == wire.VersionTLS13 || c.KX == checks.KXECDHERSA && alg == x509.RSA || c.KX == checks.KXECDHEECDSA && alg == x509.ECDSA {
			out = append(out, p.Leaf.PublicKey)
		}
	}
	return out
}

// schemeCheck: the server signs with a scheme the client did not offer.
func schemeCheck(c checks.Context) checks.Check {
	at, rfc, rule, what := wire.TypeServerKeyExchange, "RFC 5246 §7.4.3, §7.4.1.4.1", ruleScheme12, "a ServerKeyExchange"
	if c.Version == wire.VersionTLS13 {
		at, rfc, rule, what = wire.TypeCertificateVerify, "RFC 8446 §4.4.3, §4.2.3", ruleScheme13, "a CertificateVerify"
	}
	ch := checks.ClientCheck(area, c, "unoffered-signature-scheme", rfc, rule, checks.SHOULD,
		"aborts on "+what+" signed with a scheme its signature_algorithms did not offer", unofferedSchemeMis, at)
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		if env.Profile != nil {
			if len(env.Profile.Schemes) == 0 {
				return checks.Verdict{Status: reports.Skip, Reason: "the client sends no signature_algorithms"}
			}
			found := false
			for _, pub := range schemeKeys(c, env.ServerCerts) {
				if _, ok := unofferedScheme(pub, c.Version, env.Profile.Schemes); ok {
					found = true
				}
			}
			if !found {
				return checks.Verdict{Status: reports.Skip, Reason: fmt.Sprintf("the client offers every scheme the server's keys can sign with at TLS %s: there is none it did not offer", c.Version.Short())}
			}
		}
		v := checks.ClientRejects(env.Serve(ctx, c, ch.ID, unofferedSchemeMis), at)
		if v.Status == reports.Fail {
			v.Status = reports.Warn
		}
		return v
	}
	return ch
}
