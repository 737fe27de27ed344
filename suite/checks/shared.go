package checks

import (
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// BadFinishedScript sends the handshake up to a (changed) client Finished
// and expects the target to stop there.
func BadFinishedScript(v wire.Version) peers.Script {
	return peers.DefaultScript(v).Through(peers.StepFinished).Then(peers.ExpectRejection(true))
}

// WithLength rewrites a handshake message's body and fixes its header.
func WithLength(raw []byte, body []byte) []byte {
	n := len(body)
	return append([]byte{raw[0], byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

type HelloEdit = func(*wire.ClientHello)

// HelloScript is the default script of v with a changed ClientHello.
func HelloScript(v wire.Version, edits ...HelloEdit) peers.Script {
	return peers.DefaultScript(v).Replace(peers.StepClientHello, peers.SendClientHello(edits...))
}

func (e *Env) Supports(v wire.Version) bool {
	return e.Profile == nil || slices.Contains(e.Profile.Versions, v)
}

func (e *Env) SupportsCtx(c Context) bool {
	return e.Profile == nil || (slices.Contains(e.Profile.Versions, c.Version) && slices.Contains(e.Profile.KX[c.Version], c.KX))
}

// TopVersion is the highest version the target supports (0 unknown).
func (e *Env) TopVersion() wire.Version {
	if e.Profile == nil || len(e.Profile.Versions) == 0 {
		return 0
	}
	return slices.Max(e.Profile.Versions)
}

// ObservedHello describes the conversation, with the ServerHello's choice
// when there was one.
func ObservedHello(cv *peers.Conversation) string {
	sh := cv.ServerHello()
	if sh == nil {
		return Observed(cv)
	}
	return fmt.Sprintf("%s; then %s", HelloChoice(sh), Observed(cv))
}

// HelloChoice is what a ServerHello chose: "ServerHello with TLS 1.2 and
// TLS_RSA_WITH_AES_128_GCM_SHA256".
func HelloChoice(sh *wire.ServerHello) string {
	return fmt.Sprintf("ServerHello with %s and %s", NegotiatedOf(sh), sh.CipherSuite)
}

// CompletesWith is Complete with the check's own expectation, the
// ServerHello's choice in the observation, and a reason for a failure.
func CompletesWith(cv *peers.Conversation, expected, failure string) Verdict {
	v := Complete(cv)
	v.Expected, v.Observed = expected, ObservedHello(cv)
	if v.Status == reports.Fail && v.Reason == "" {
		v.Reason = failure
	}
	return v
}

// RejectsHello is Reject at the ClientHello, with the ServerHello's choice in
// the observation when the target answered one.
func RejectsHello(cv *peers.Conversation, script peers.Script, want ...wire.AlertDescription) Verdict {
	v := Reject(cv, script, peers.StepClientHello, want...)
	v.Observed = ObservedHello(cv)
	switch sh := cv.ServerHello(); {
	case sh == nil:
	case v.Status == reports.Fail:
		v.Reason = fmt.Sprintf("the target answered with a %s ServerHello; %s", NegotiatedOf(sh), v.Reason)
	default:
		// A ServerHello accepts the ClientHello, whatever alert about
		// something else follows it.
		v.Status = reports.Fail
		v.Reason = fmt.Sprintf("the target answered the ClientHello with a %s ServerHello (acceptance) before it stopped", NegotiatedOf(sh))
	}
	return v
}

// JudgeServerHello applies what every ServerHello must respect, whatever
// the target supports: the version is one the ClientHello offered
// (RFC 5246 §7.4.1.3 and Appendix E.1; RFC 8446 §4.1.3, §4.2.1), never
// SSL 3.0 (RFC 7568 §3), and the suite was offered and fits the version
// (RFC 5246 §7.4.1.3). aware13: the server implements RFC 8446, so it must
// pick from supported_versions when the client sent it. The answer is ""
// when all holds.
func JudgeServerHello(ch *wire.ClientHello, sh *wire.ServerHello, aware13 bool) string {
	var offered []wire.Version
	e, hasSV := wire.FindExtension(ch.Extensions, wire.ExtSupportedVersions)
	if hasSV {
		var err error
		if offered, err = wire.ParseSupportedVersionsClient(e.Body); err != nil {
			return "the check's own ClientHello does not parse: " + err.Error()
		}
	}
	got := sh.Version
	if se, ok := wire.FindExtension(sh.Extensions, wire.ExtSupportedVersions); ok {
		sel, err := wire.ParseSupportedVersionsServer(se.Body)
		switch {
		case err != nil:
			return "the ServerHello's supported_versions does not parse: " + err.Error()
		case !hasSV:
			return "the ServerHello carries supported_versions, which the client did not send (RFC 8446 §4.2)"
		case !slices.Contains(offered, sel):
			return fmt.Sprintf("supported_versions selects %s, which the client did not offer (RFC 8446 §4.2.1)", sel)
		case sel < wire.VersionTLS13:
			return fmt.Sprintf("supported_versions selects %s: a server negotiating a version before TLS 1.3 MUST NOT send it (RFC 8446 §4.2.1)", sel)
		case sh.Version != wire.VersionTLS12:
			return fmt.Sprintf("a TLS 1.3 ServerHello with legacy_version %s, not TLS 1.2 (RFC 8446 §4.1.3)", sh.Version)
		}
		got = sel
	} else {
		switch {
		case got >= wire.VersionTLS13:
			return fmt.Sprintf("ServerHello.version is %s: TLS 1.3 and later are negotiated only through supported_versions (RFC 8446 §4.1.3)", got)
		case got < wire.VersionTLS10:
			return fmt.Sprintf("the target negotiated %s (RFC 7568 §3: never SSL 3.0)", got)
		case got > ch.Version:
			return fmt.Sprintf("ServerHello.version %s exceeds client_version %s (RFC 5246 Appendix E.1)", got, ch.Version)
		case hasSV && aware13 && !slices.Contains(offered, got):
			return fmt.Sprintf("the target negotiated %s, which supported_versions did not offer (RFC 8446 §4.2.1)", got)
		}
	}
	if !slices.Contains(ch.CipherSuites, sh.CipherSuite) {
		return fmt.Sprintf("the target chose %s, which the client did not offer (RFC 5246 §7.4.1.3)", sh.CipherSuite)
	}
	if spec, ok := suites.Lookup(sh.CipherSuite); !ok || !spec.SupportsVersion(got) {
		return fmt.Sprintf("the target chose %s, which is not defined for %s", sh.CipherSuite, got)
	}
	return ""
}
