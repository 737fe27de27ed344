package negotiation

import (
	"context"
	"fmt"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// The target's answer to a TLS 1.3 ClientHello, as probing sends it (row
// 26): the ServerHello or HelloRetryRequest must be one the client can
// take. When the client refuses it, probing leaves TLS 1.3 out of the
// profile and every TLS 1.3 check skips; these checks, which run whatever
// the profile says, say why, with the sentence of RFC 8446 that binds the
// server for that refusal. A refusal no sentence puts on the server (the
// RFC words the duty as the client's abort, or describes the field in
// prose) warns.

// ProbeAnswerName is the last part of the ids of the answer checks:
// version-negotiation/tls13/ecdhe/probe-answer-valid/SHARE.
const ProbeAnswerName = "probe-answer-valid"

// answerShare is a key share offer of probing: the groups listed and the
// one that gets a share.
type answerShare struct {
	name   string // the id's last part
	what   string // for titles
	groups []wire.Group
	share  wire.Group
}

// answerShares are probing's two TLS 1.3 offers: first every group the
// engine has with an X25519MLKEM768 share, then (when that fails) X25519
// and secp256r1 with an X25519 share.
func answerShares() []answerShare {
	return []answerShare{
		{"mlkem-share", "an X25519MLKEM768 key share (every group the client has listed)", kx.Groups(), wire.GroupX25519MLKEM768},
		{"classical-share", "an X25519 key share (X25519 and secp256r1 listed)", []wire.Group{wire.GroupX25519, wire.GroupSecp256r1}, wire.GroupX25519},
	}
}

// ProbeAnswerEdit sets a TLS 1.3 probe's key share offer: hybrid is the
// first (X25519MLKEM768), otherwise the classical one. Probing and the
// answer checks make the same offer through it.
func ProbeAnswerEdit(hybrid bool) func(*peers.ClientConfig) {
	s := answerShares()[1]
	if hybrid {
		s = answerShares()[0]
	}
	return func(cfg *peers.ClientConfig) {
		cfg.Groups = s.groups
		cfg.KeyShares = []wire.Group{s.share}
	}
}

// The sentences that bind the server for a refusal of its answer
// (RFC 8446; text as published by the RFC Editor).
var (
	ruleSentInOrder   = checks.Rule{Cite: "RFC 8446 §4", Text: "Protocol messages MUST be sent in the order defined in Section 4.4.1 and shown in the diagrams in Section 2."}
	ruleHRRVersions   = checks.Rule{Cite: "RFC 8446 §4.1.4", Text: "The server's extensions MUST contain \"supported_versions\"."}
	ruleOnlyOffered   = checks.Rule{Cite: "RFC 8446 §4.2.1", Text: "Servers MUST only select a version of TLS present in that extension and MUST ignore any unknown versions that are present in that extension."}
	ruleLegacy0303    = checks.Rule{Cite: "RFC 8446 §4.2.1", Text: "It MUST set the ServerHello.legacy_version field to 0x0303 (TLS 1.2)."}
	ruleCompression0  = checks.Rule{Cite: "RFC 8446 §4.1.3", Text: "legacy_compression_method:  A single byte which MUST have the value 0."}
	ruleHRRSameSuite  = checks.Rule{Cite: "RFC 8446 §4.1.4", Text: "Servers MUST ensure that they negotiate the same cipher suite when receiving a conformant updated ClientHello (if the server selects the cipher suite as the first step in the negotiation, then this will happen automatically)."}
	ruleNoUnsolicited = checks.Rule{Cite: "RFC 8446 §4.2", Text: "Implementations MUST NOT send extension responses if the remote endpoint did not send the corresponding extension requests, with the exception of the \"cookie\" extension in the HelloRetryRequest."}
	rulePSKSuite      = checks.Rule{Cite: "RFC 8446 §4.2.11", Text: "The server MUST ensure that it selects a compatible PSK (if any) and cipher suite."}
	ruleShareGroup    = checks.Rule{Cite: "RFC 8446 §4.2.8", Text: "This value MUST be in the same group as the KeyShareEntry value offered by the client that the server has selected for the negotiated key exchange."}
	ruleNoSpan        = checks.Rule{Cite: "RFC 8446 §5.1", Text: "Handshake messages MUST NOT span key changes."}
)

// The sentences a refusal rests on where none binds the server: prose
// that describes what the server sends, or the client's own MUST.
var (
	proseEcho      = checks.Rule{Cite: "RFC 8446 §4.1.3", Text: "legacy_session_id_echo:  The contents of the client's legacy_session_id field."}
	proseSuite     = checks.Rule{Cite: "RFC 8446 §4.1.3", Text: "cipher_suite:  The single cipher suite selected by the server from the list in ClientHello.cipher_suites."}
	proseHRRGroup  = checks.Rule{Cite: "RFC 8446 §4.2.8", Text: "selected_group:  The mutually supported group the server intends to negotiate and is requesting a retried ClientHello/KeyShare for."}
	proseHRR       = checks.Rule{Cite: "RFC 8446 §4.1.4", Text: "The server will send this message in response to a ClientHello message if it is able to find an acceptable set of parameters but the ClientHello does not contain sufficient information to proceed with the handshake."}
	proseHRRTwice  = checks.Rule{Cite: "RFC 8446 §4.1.4", Text: "If a client receives a second HelloRetryRequest in the same connection (i.e., where the ClientHello was itself in response to a HelloRetryRequest), it MUST abort the handshake with an \"unexpected_message\" alert."}
	proseKeyShare  = checks.Rule{Cite: "RFC 8446 §4.2.8", Text: "If using (EC)DHE key establishment, servers offer exactly one KeyShareEntry in the ServerHello."}
	proseShareByte = checks.Rule{Cite: "RFC 8446 §4.2.8.2", Text: "For the curves secp256r1, secp384r1, and secp521r1, peers MUST validate each other's public value Q by ensuring that the point is a valid point on the elliptic curve."}
)

// faultRule is, for each refusal of the client, the sentence it rests on
// and whether that sentence binds the server (a MUST failure) or not (a
// warning). A fault not listed warns without a sentence.
var faultRule = map[peers.Fault]struct {
	rule  checks.Rule
	binds bool
	why   string // for a warning: why no sentence binds the server
}{
	peers.FaultUnexpectedMessage:  {ruleSentInOrder, true, ""},
	peers.FaultHRRWithoutVersions: {ruleHRRVersions, true, ""},
	peers.FaultHRRVersion:         {ruleOnlyOffered, true, ""},
	peers.FaultVersionNotOffered:  {ruleOnlyOffered, true, ""},
	peers.FaultLegacyVersion:      {ruleLegacy0303, true, ""},
	peers.FaultCompression:        {ruleCompression0, true, ""},
	peers.FaultHRRSuiteChanged:    {ruleHRRSameSuite, true, ""},
	peers.FaultUnsolicitedPSK:     {ruleNoUnsolicited, true, ""},
	peers.FaultPSKHash:            {rulePSKSuite, true, ""},
	peers.FaultKeyShareGroup:      {ruleShareGroup, true, ""},
	peers.FaultSpansKeyChange:     {ruleNoSpan, true, ""},
	peers.FaultSuiteVersion:       {checks.RuleIgnoreSuites13, true, ""},

	peers.FaultSessionIDEcho:      {proseEcho, false, "RFC 8446 §4.1.3 describes the field and puts the MUST on the client, which aborts"},
	peers.FaultSuiteNotOffered:    {proseSuite, false, "RFC 8446 §4.1.3 describes the field and puts the MUST on the client, which aborts"},
	peers.FaultHRRGroupNotOffered: {proseHRRGroup, false, "RFC 8446 §4.2.8 describes selected_group and puts the MUST on the client, which aborts"},
	peers.FaultHRRGroupShared:     {proseHRRGroup, false, "RFC 8446 §4.2.8 describes selected_group and puts the MUST on the client, which aborts"},
	peers.FaultHRRChangesNothing:  {proseHRR, false, "RFC 8446 §4.1.4 says when a server sends a HelloRetryRequest in prose, and puts the MUST on the client, which aborts"},
	peers.FaultHRRTwice:           {proseHRRTwice, false, "no sentence forbids the server a second HelloRetryRequest; the MUST is the client's"},
	peers.FaultNoKeyShare:         {proseKeyShare, false, "RFC 8446 §4.2.8 says it in prose (\"servers offer\")"},
	peers.FaultKeyShareValue:      {proseShareByte, false, "the MUST to validate a share is the receiver's, here the client's"},
	peers.FaultDecode:             {checks.RuleDecode13, false, "the MUST for a message that does not parse is the receiver's, here the client's"},
	peers.FaultHRRNotOffered:      {checks.Rule{}, false, "the client offered no TLS 1.3"},
}

// probeAnswerChecks: the two TLS 1.3 offers of probing, each judged on
// the answer alone (through the ServerHello, or the HelloRetryRequest and
// the ServerHello after it).
func probeAnswerChecks(c checks.Context) []checks.Check {
	if c.Version != wire.VersionTLS13 {
		return nil
	}
	var out []checks.Check
	for i, s := range answerShares() {
		hybrid := i == 0
		ch := versionCheck(c, 26, "RFC 8446 §4.1.3, §4.1.4, §4.2.1, §4.2.8", ProbeAnswerName+"/"+s.name,
			fmt.Sprintf("answers a TLS 1.3 ClientHello with %s, as probing sends it, with a ServerHello or HelloRetryRequest the client can take, or refuses TLS 1.3", s.what),
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				cv := env.ConverseWith(ctx, c, id, ProbeAnswerEdit(hybrid), peers.DefaultScript(c.Version).Through(peers.StepServerHello))
				return judgeProbeAnswer(cv, env.Profile != nil && env.Profile.Speaks(wire.VersionTLS13))
			})
		// Run whatever the profile says: a refused answer is exactly what
		// leaves TLS 1.3 out of it.
		ch.Always = true
		ch.Rule = checks.RuleSupportedVersions
		ch.Script = peers.DefaultScript(c.Version).Through(peers.StepServerHello)
		out = append(out, ch)
	}
	return out
}

// judgeProbeAnswer judges a conversation that offered TLS 1.3 alone and
// ran through the ServerHello. speaks13 says the target completes TLS 1.3
// handshakes (the profile), so that a TLS 1.2 answer breaks RFC 8446's
// rule rather than showing a server without TLS 1.3.
func judgeProbeAnswer(cv *peers.Conversation, speaks13 bool) checks.Verdict {
	v := checks.Verdict{
		Expected:      "a TLS 1.3 ServerHello (or HelloRetryRequest, then ServerHello) that the client takes, or a refusal of TLS 1.3",
		Observed:      checks.ObservedHello(cv),
		Conversations: []*peers.Conversation{cv},
	}
	if n := cv.HelloRetryRequests(); n > 0 {
		v.Observed = fmt.Sprintf("%d HelloRetryRequest(s); %s", n, v.Observed)
	}
	o := cv.Outcome
	sh := cv.ServerHello()
	answered := sh != nil || cv.HelloRetryRequests() > 0
	switch {
	case o.Unreachable():
		v.Status, v.Reason = reports.Fail, "target unreachable"
	case o.Kind == peers.OutcomeCompleted:
		v.Status = reports.Pass
	case o.Kind == peers.OutcomeError && !o.Undecryptable && answered:
		judgeRefusal(&v, o, sh, speaks13)
	case sh != nil:
		// The client took the ServerHello (the script ends there).
		v.Status = reports.Pass
	case answered && checks.Inconclusive(o) != "":
		v.Status, v.Reason = reports.Inconclusive, checks.Inconclusive(o)
	case answered:
		// The client took the HelloRetryRequest; the target then refused
		// the second ClientHello, which it had asked for.
		v.Status = reports.Warn
		v.Reason = "the client took the target's HelloRetryRequest, but the target did not answer the second ClientHello with a ServerHello (" + checks.Observed(cv) + ")"
	case checks.Inconclusive(o) != "":
		v.Status, v.Reason = reports.Inconclusive, checks.Inconclusive(o)
	case o.Kind == peers.OutcomeAlert || o.Kind == peers.OutcomeClosed:
		if speaks13 {
			// Probing completed TLS 1.3 with the other offer: this one it
			// refused, which no MUST of the answer's rules covers.
			v.Status = reports.Warn
			v.Reason = "the target completes TLS 1.3 handshakes, but refused this offer (" + checks.Observed(cv) + "): a server that takes a listed group without a share answers with a HelloRetryRequest (RFC 8446 §4.1.1)"
			return v
		}
		v.Status, v.Reason = reports.Skip, "the target does not take a TLS 1.3 ClientHello ("+checks.Observed(cv)+"): there is no TLS 1.3 answer to judge"
	case o.Kind == peers.OutcomeTimeout:
		// Silence breaks none of the sentences of the answer: there is no
		// answer to judge (a target that stops answering altogether is
		// the runner's to find).
		v.Status, v.Reason = reports.Inconclusive, "the target neither answered nor refused before the deadline: there is no TLS 1.3 answer to judge"
	default:
		v.Status, v.Reason = reports.Warn, "the client could not read the target's answer ("+checks.Observed(cv)+"); no sentence that binds the server names why"
	}
	return v
}

// judgeRefusal judges the client's refusal of the target's answer: a
// failure on the sentence that binds the server, else a warning with the
// sentence the refusal rests on.
func judgeRefusal(v *checks.Verdict, o peers.Outcome, sh *wire.ServerHello, speaks13 bool) {
	f := peers.FaultOf(o.Err)
	if f == peers.FaultVersionNotOffered && sh != nil && checks.NegotiatedOf(sh) < wire.VersionTLS13 && !speaks13 {
		// A server without TLS 1.3 reads legacy_version (RFC 5246) and
		// knows nothing of supported_versions: its TLS 1.2 answer is its
		// way of refusing TLS 1.3, not an RFC 8446 fault.
		v.Status = reports.Skip
		v.Reason = fmt.Sprintf("the target answered a TLS 1.3-only ClientHello with %s and completes no TLS 1.3 handshake: a server without TLS 1.3 reads only legacy_version, so there is no TLS 1.3 answer to judge", checks.NegotiatedOf(sh))
		return
	}
	r, ok := faultRule[f]
	switch {
	case ok && r.binds:
		v.Status, v.Rule = reports.Fail, r.rule
		v.Reason = fmt.Sprintf("the client refused the target's answer (%v): %s, which binds the server", o.Err, r.rule.Cite)
		if f == peers.FaultVersionNotOffered && sh != nil && checks.NegotiatedOf(sh) < wire.VersionTLS13 {
			v.Reason = fmt.Sprintf("the target completes TLS 1.3 handshakes, yet answered a ClientHello whose supported_versions offers only TLS 1.3 with %s: %s", checks.NegotiatedOf(sh), ruleOnlyOffered.Cite)
		}
	case ok:
		v.Status, v.Rule = reports.Warn, r.rule
		v.Reason = fmt.Sprintf("the client refused the target's answer (%v); no sentence binds the server with MUST here: %s", o.Err, r.why)
	default:
		v.Status = reports.Warn
		v.Reason = fmt.Sprintf("the client refused the target's answer (%v); no sentence that binds the server names this", o.Err)
	}
}
