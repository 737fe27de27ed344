package order

import (
	"context"
	"fmt"
	"strings"

	"github.com/tlsconform/tlsconform/suite/checks"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// Message order and state machine (RFC 5246 §7.1, §7.3; RFC 8446 §4, §5):
// rows 1-14 of the check catalogue. A check sends
// something where the RFC allows no such thing, then the rest of the
// client's flight as if nothing were wrong, so that a target that let it
// pass shows it by going on (or, having hashed it, by failing the
// Finished with another alert).
//
// Row 14 (the server's own flight in RFC order) is checked by the client
// on every handshake; the baseline of each context is its plain form, and
// the checks here add the flights the baseline never sees: after a
// HelloRetryRequest and on resumption.

const areaOrder = "message-order"

func orderCheck(c checks.Context, row int, rfc, name, title string, run func(ctx context.Context, env *checks.Env, id string) checks.Verdict) checks.Check {
	id := areaOrder + "/" + c.Slug() + "/" + name
	return checks.Check{Source: checks.DefinedAt(), ID: id, Area: areaOrder, Row: row, RFC: rfc, Level: checks.MUST, Title: title, Ctx: c,
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict { return run(ctx, env, id) }}
}

// orderRejects is a check whose script must draw unexpected_message at (or
// after) step.
func orderRejects(c checks.Context, row int, rfc, name, title string, script peers.Script, step string, setup ...peers.Setup) checks.Check {
	ch := orderCheck(c, row, rfc, name, title, func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
		return checks.Reject(env.Converse(ctx, c, id, script, setup...), script, step, wire.AlertUnexpectedMessage)
	})
	ch.Script, ch.Change = script, step
	return ch
}

// orderCompletes is a check whose script must complete.
func orderCompletes(c checks.Context, row int, rfc, name, title string, script peers.Script) checks.Check {
	ch := orderCheck(c, row, rfc, name, title, func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
		return checks.Complete(env.Converse(ctx, c, id, script))
	})
	ch.Script = script
	return ch
}

// orderTypes are the handshake messages a check puts where another is
// due: every type a client or a server sends, and one nobody defines.
var orderTypes = []wire.HandshakeType{
	wire.TypeHelloRequest, wire.TypeClientHello, wire.TypeServerHello, wire.TypeNewSessionTicket,
	wire.TypeEndOfEarlyData, wire.TypeEncryptedExtensions, wire.TypeCertificate, wire.TypeServerKeyExchange,
	wire.TypeCertificateRequest, wire.TypeServerHelloDone, wire.TypeCertificateVerify, wire.TypeClientKeyExchange,
	wire.TypeFinished, wire.TypeCertificateStatus, wire.TypeKeyUpdate, orderUnknownType,
}

// orderUnknownType is a handshake type no RFC assigns.
const orderUnknownType = wire.HandshakeType(99)

// orderTypeTitle is how a title names a message of type t, with its
// article.
func orderTypeTitle(t wire.HandshakeType) string {
	if t == orderUnknownType {
		return fmt.Sprintf("a handshake message of unassigned type %d", uint8(t))
	}
	if n := t.String(); strings.ContainsRune("AEIOU", rune(n[0])) {
		return "an " + n
	}
	return "a " + t.String()
}

// orderForm is the form a target reads the client's messages in, in
// context c once the ServerHello is out.
func orderForm(c checks.Context) wire.Context {
	switch c.KX {
	case checks.KXRSA:
		return wire.Context{Version: c.Version, KeyExchange: wire.KXRSA}
	case checks.KXECDHERSA, checks.KXECDHEECDSA:
		return wire.Context{Version: c.Version, KeyExchange: wire.KXECDHE}
	}
	return wire.Context{Version: c.Version}
}

// slot describes a place in the client's flight where one message is due.
type orderSlot struct {
	name  string             // "cke-slot"
	due   wire.HandshakeType // the message the RFC puts there
	what  string             // "the ClientKeyExchange"
	row   int
	rfc   string
	form  wire.Context // the form the target parses there
	steps func(wrong peers.Step) []peers.Step
	at    string // the script step the wrong message goes before
}

// orderSlotChecks puts every other message type where s.due belongs, before
// the real one, and requires unexpected_message.
func orderSlotChecks(c checks.Context, s orderSlot, script peers.Script, rows map[wire.HandshakeType]int, titles map[wire.HandshakeType]string) []checks.Check {
	var out []checks.Check
	for _, t := range orderTypes {
		if t == s.due {
			continue
		}
		stepName := "Unexpected" + t.String()
		if t == orderUnknownType {
			stepName = fmt.Sprintf("UnexpectedType%d", uint8(t))
		}
		wrong := sendOutOfPlace(stepName, func(cv *peers.Conversation) (wire.Message, error) {
			return sampleMessageOf(cv, t, s.form)
		})
		row, ok := rows[t]
		if !ok {
			row = s.row
		}
		title, ok := titles[t]
		if !ok {
			title = fmt.Sprintf("rejects %s where %s is due, with unexpected_message", orderTypeTitle(t), s.what)
		}
		out = append(out, orderRejects(c, row, s.rfc, s.name+"/"+t.RFCName(), title,
			script.InsertBefore(s.at, s.steps(wrong)...), stepName))
	}
	return out
}

func orderAlone(st peers.Step) []peers.Step { return []peers.Step{st} }

// orderRenamed gives a standard step another name, for a second use of it in
// one script.
func orderRenamed(name string, st peers.Step) peers.Step { return st.Renamed(name) }

func orderBytes(b ...byte) func(*peers.Conversation) []byte {
	return func(*peers.Conversation) []byte { return b }
}

func orderProbe(*peers.Conversation) []byte { return peers.DefaultProbe }

func orderChecks() []checks.Check {
	var out []checks.Check
	for _, c := range checks.Contexts() {
		if c.Version == wire.VersionTLS13 {
			out = append(out, orderChecks13(c)...)
		} else {
			out = append(out, orderChecks12(c)...)
		}
		out = append(out, orderResumedFlight(c))
	}
	return out
}

// orderFirstMessageChecks are rows 5 and 6 (and the CCS of row 11): something
// other than a ClientHello opens the connection. Nothing is negotiated
// yet, so the messages take the form before any version.
func orderFirstMessageChecks(c checks.Context, rfc string) []checks.Check {
	script := checks.BadFinishedScript(c.Version)
	out := orderSlotChecks(c, orderSlot{name: "clienthello-slot", due: wire.TypeClientHello, what: "the ClientHello", row: 5, rfc: rfc,
		steps: orderAlone, at: peers.StepClientHello}, script, nil, nil)
	ccsRow, ccsRFC := 5, "RFC 5246 §7.1"
	if c.Version == wire.VersionTLS13 {
		ccsRow, ccsRFC = 11, "RFC 8446 §5"
	}
	// A ChangeCipherSpec before the ClientHello changes no keys, and RFC
	// 8446 §5 lets a stateless server that cannot tell it from a
	// compatibility CCS drop it: going on is a SHOULD-level deviation.
	ccsFirst := script.InsertBefore(peers.StepClientHello, peers.SendRecord("UnexpectedChangeCipherSpec", wire.ContentChangeCipherSpec, orderBytes(1)))
	ccs := orderCheck(c, ccsRow, ccsRFC, "clienthello-slot/change_cipher_spec",
		"rejects a ChangeCipherSpec before the ClientHello, with unexpected_message",
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			cv := env.Converse(ctx, c, id, ccsFirst)
			vd := checks.Reject(cv, ccsFirst, "UnexpectedChangeCipherSpec", wire.AlertUnexpectedMessage)
			if vd.Status == reports.Fail && cv.Outcome.Kind == peers.OutcomeCompleted {
				vd.Status = reports.Warn
				vd.Reason = "the target dropped a ChangeCipherSpec before the ClientHello and went on; RFC 8446 §5 calls it an unexpected record but lets stateless servers that cannot tell it from the compatibility CCS drop it"
			}
			return vd
		})
	ccs.Level = checks.SHOULD
	out = append(out, ccs,
		orderRejects(c, 6, "RFC 8446 §2, §5; RFC 5246 §7.3", "appdata-first",
			"rejects application data before the ClientHello, with unexpected_message",
			script.InsertBefore(peers.StepClientHello, peers.SendRecord("ApplicationDataFirst", wire.ContentApplicationData, orderProbe)),
			"ApplicationDataFirst"),
	)
	return out
}

// orderChecks12 are the TLS 1.0-1.2 checks of context c.
func orderChecks12(c checks.Context) []checks.Check {
	v := c.Version
	script := checks.BadFinishedScript(v) // through the client Finished, then ExpectRejection
	out := orderFirstMessageChecks(c, "RFC 5246 §7.3")

	// Row 1: ChangeCipherSpec before the key exchange.
	out = append(out, orderRejects(c, 1, "RFC 5246 §7.1", "early-ccs",
		"rejects a ChangeCipherSpec before the ClientKeyExchange (early CCS, CVE-2014-0224), with unexpected_message",
		script.InsertBefore(peers.StepClientKeyExchange, peers.SendRecord("EarlyChangeCipherSpec", wire.ContentChangeCipherSpec, orderBytes(1))),
		"EarlyChangeCipherSpec"))

	// Row 2: Finished with no ChangeCipherSpec before it (so in the clear).
	noCCS := peers.DefaultScript(v).Remove(peers.StepChangeCipherSpec).Through(peers.StepFinished).Then(peers.ExpectRejection(false))
	out = append(out, orderRejects(c, 2, "RFC 5246 §7.4.9", "finished-without-ccs",
		"rejects a client Finished that no ChangeCipherSpec precedes, with unexpected_message",
		noCCS, peers.StepFinished))

	// Row 3: no ClientKeyExchange; the CCS and Finished use the keys of an
	// empty pre-master secret, which a server that let it pass might too.
	out = append(out, orderRejects(c, 3, "RFC 5246 §7.3, §7.4.7", "no-client-key-exchange",
		"rejects a handshake that leaves out the ClientKeyExchange, with unexpected_message",
		script.Replace(peers.StepClientKeyExchange, peers.OmitClientKeyExchange(nil)), peers.StepChangeCipherSpec))

	// Row 4: application data between ChangeCipherSpec and Finished.
	out = append(out, orderRejects(c, 4, "RFC 5246 §7.4.9", "appdata-before-finished",
		"rejects application data between ChangeCipherSpec and the client Finished, with unexpected_message",
		script.InsertBefore(peers.StepFinished, peers.SendRecord("ApplicationDataBeforeFinished", wire.ContentApplicationData, orderProbe)),
		"ApplicationDataBeforeFinished"))

	// Row 6: application data in the clear in the middle of the handshake.
	out = append(out, orderRejects(c, 6, "RFC 5246 §7.3", "appdata-before-cke",
		"rejects application data before the ClientKeyExchange, with unexpected_message",
		script.InsertBefore(peers.StepClientKeyExchange, peers.SendRecord("ApplicationDataBeforeClientKeyExchange", wire.ContentApplicationData, orderProbe)),
		"ApplicationDataBeforeClientKeyExchange"))

	// Row 7: each message of the client's flight twice.
	out = append(out,
		orderRejects(c, 7, "RFC 5246 §7.3", "duplicate-clienthello",
			"rejects a second ClientHello sent right after the first, with unexpected_message",
			script.InsertAfter(peers.StepClientHello, peers.SendAgain("ClientHelloAgain", wire.TypeClientHello)), "ClientHelloAgain"),
		orderRejects(c, 7, "RFC 5246 §7.3", "duplicate-cke",
			"rejects a second ClientKeyExchange, with unexpected_message",
			script.InsertAfter(peers.StepClientKeyExchange, peers.SendAgain("ClientKeyExchangeAgain", wire.TypeClientKeyExchange)), "ClientKeyExchangeAgain"),
		orderRejects(c, 7, "RFC 5246 §7.1, §7.4.9", "duplicate-ccs",
			"rejects a second ChangeCipherSpec before the client Finished, with unexpected_message",
			script.InsertAfter(peers.StepChangeCipherSpec, orderRenamed("ChangeCipherSpecAgain", peers.SendChangeCipherSpec())), "ChangeCipherSpecAgain"),
	)
	// The second Finished follows the first; the server's own CCS and
	// Finished legitimately come before its answer to it.
	dupFin := peers.DefaultScript(v).Before(peers.StepApplicationData).
		InsertAfter(peers.StepFinished, peers.SendAgain("FinishedAgain", wire.TypeFinished)).Then(peers.ExpectRejection(true))
	out = append(out, orderRejects(c, 7, "RFC 5246 §7.3, §7.4.9", "duplicate-finished",
		"rejects a second client Finished, with unexpected_message", dupFin, "FinishedAgain"))

	// Row 8: every other message where the ClientKeyExchange and the
	// Finished are due.
	form := orderForm(c)
	afterCertificate := func(st peers.Step) []peers.Step { return []peers.Step{peers.SendRequestedCertificate(), st} }
	out = append(out, orderSlotChecks(c, orderSlot{name: "cke-slot", due: wire.TypeClientKeyExchange, what: "the ClientKeyExchange", row: 8,
		rfc: "RFC 5246 §7.3", form: form, steps: afterCertificate, at: peers.StepClientKeyExchange}, script, nil, nil)...)
	out = append(out, orderSlotChecks(c, orderSlot{name: "finished-slot", due: wire.TypeFinished, what: "the client Finished", row: 8,
		rfc: "RFC 5246 §7.3, §7.4.9", form: form, steps: orderAlone, at: peers.StepFinished}, script, nil, nil)...)

	// Row 13: the ClientKeyExchange record also carries the first bytes of
	// the Finished, which would then span the ChangeCipherSpec.
	split := script.Replace(peers.StepClientKeyExchange, sendClientKeyExchangeTrailing(finishedPrefix)).
		Replace(peers.StepFinished, sendFinishedRest(len(finishedPrefix), finishedPrefix))
	out = append(out, orderRejects(c, 13, "RFC 5246 §7.1, §7.4.9; RFC 8446 §5.1", "split-across-key-change",
		"rejects a Finished that begins in the ClientKeyExchange record, before the ChangeCipherSpec, with unexpected_message",
		split, peers.StepClientKeyExchange))
	return out
}

// orderChecks13 are the TLS 1.3 checks of context c.
func orderChecks13(c checks.Context) []checks.Check {
	v := c.Version
	script := checks.BadFinishedScript(v) // through the client Finished, then ExpectRejection
	out := orderFirstMessageChecks(c, "RFC 8446 §4; RFC 5246 §7.3")
	// What the client sends before its Finished goes under the handshake
	// key, after the Certificate when the target asked for one.
	underHandshakeKey := func(st peers.Step) []peers.Step {
		return []peers.Step{peers.UseHandshakeKeys(), peers.SendRequestedCertificate(), st}
	}

	// Row 4: application data under the handshake key before Finished.
	out = append(out, orderRejects(c, 4, "RFC 8446 §2, §5", "appdata-before-finished",
		"rejects application data before the client Finished, with unexpected_message",
		script.InsertBefore(peers.StepFinished, underHandshakeKey(peers.SendRecord("ApplicationDataBeforeFinished", wire.ContentApplicationData, orderProbe))...),
		"ApplicationDataBeforeFinished"))

	// Row 7: ClientHello and Finished twice; a second compatibility CCS is
	// to be dropped (RFC 8446 §5: "at any time ... MUST simply drop it").
	out = append(out,
		orderRejects(c, 7, "RFC 8446 §4", "duplicate-clienthello",
			"rejects a second ClientHello sent right after the first, with unexpected_message",
			script.InsertAfter(peers.StepClientHello, peers.SendAgain("ClientHelloAgain", wire.TypeClientHello)), "ClientHelloAgain"),
		orderRejects(c, 7, "RFC 8446 §4", "duplicate-finished",
			"rejects a second client Finished, with unexpected_message",
			script.InsertAfter(peers.StepFinished, peers.SendAgain("FinishedAgain", wire.TypeFinished)), "FinishedAgain"),
	)
	// RFC 8446 §5: a plaintext ChangeCipherSpec 0x01 received before the
	// peer's Finished "MUST simply drop it without further processing",
	// however many come: a server that aborts breaks a receiver's MUST.
	twice := peers.DefaultScript(v).InsertAfter(peers.StepChangeCipherSpec, orderRenamed("ChangeCipherSpecAgain", peers.SendChangeCipherSpec()))
	dupCCS := orderCompletes(c, 7, "RFC 8446 §5", "duplicate-ccs",
		"drops a second compatibility ChangeCipherSpec and completes the handshake", twice)
	dupCCS.Change = "ChangeCipherSpecAgain"
	out = append(out, dupCCS)

	// Row 8, with rows 10 and 12: every other message where the client
	// Finished is due, under the client handshake key.
	out = append(out, orderSlotChecks(c, orderSlot{name: "finished-slot", due: wire.TypeFinished, what: "the client Finished", row: 8,
		rfc: "RFC 8446 §4, §4.4.4", form: orderForm(c), steps: underHandshakeKey, at: peers.StepFinished}, script,
		map[wire.HandshakeType]int{wire.TypeClientKeyExchange: 10, wire.TypeKeyUpdate: 12},
		map[wire.HandshakeType]string{
			wire.TypeClientKeyExchange: "rejects a TLS 1.2 ClientKeyExchange where the client Finished is due, with unexpected_message",
			wire.TypeKeyUpdate:         "rejects a KeyUpdate before the client Finished, with unexpected_message",
		})...)

	// Row 9: a second ClientHello after the handshake.
	out = append(out, orderRejects(c, 9, "RFC 8446 §4.1.2", "clienthello-after-handshake",
		"rejects a second ClientHello after the handshake, with unexpected_message",
		script.InsertAfter(peers.StepFinished, peers.SendAgain("ClientHelloAfterHandshake", wire.TypeClientHello)), "ClientHelloAfterHandshake"))

	// Row 11: ChangeCipherSpec values other than 0x01, protected, after
	// Finished; and a handshake without one.
	for _, f := range []struct {
		name, what string
		body       []byte
	}{
		{"ccs-value-00", "of value 0x00", []byte{0}},
		{"ccs-value-02", "of value 0x02", []byte{2}},
		{"ccs-empty", "with an empty body", []byte{}},
		{"ccs-two-bytes", "of two bytes 0x01 0x01", []byte{1, 1}},
	} {
		out = append(out, orderRejects(c, 11, "RFC 8446 §5", f.name,
			fmt.Sprintf("rejects a ChangeCipherSpec %s, with unexpected_message", f.what),
			script, peers.StepChangeCipherSpec, func(cv *peers.Conversation) {
				cv.Edit(peers.StepChangeCipherSpec, func([]byte) []byte { return append([]byte(nil), f.body...) })
			}))
	}
	out = append(out,
		orderRejects(c, 11, "RFC 8446 §5", "ccs-encrypted",
			"rejects a ChangeCipherSpec under record protection, with unexpected_message",
			script.InsertBefore(peers.StepFinished, underHandshakeKey(peers.SendRecord("EncryptedChangeCipherSpec", wire.ContentChangeCipherSpec, orderBytes(1)))...),
			"EncryptedChangeCipherSpec"),
		orderRejects(c, 11, "RFC 8446 §5", "ccs-after-finished",
			"rejects a ChangeCipherSpec after the client Finished, with unexpected_message",
			script.InsertAfter(peers.StepFinished, peers.SendPlaintextRecord("ChangeCipherSpecAfterFinished", wire.ContentChangeCipherSpec, []byte{1})),
			"ChangeCipherSpecAfterFinished"),
		orderCompletes(c, 11, "RFC 8446 §5, App. D.4", "ccs-omitted",
			"completes a handshake without the compatibility ChangeCipherSpec",
			peers.DefaultScript(v).Remove(peers.StepChangeCipherSpec)),
	)

	// Row 13: the ClientHello record also carries the first bytes of the
	// client Finished, which would span the key change after ServerHello.
	split := script.Replace(peers.StepClientHello, sendClientHelloTrailing(finishedPrefix)).
		Replace(peers.StepFinished, sendFinishedRest(len(finishedPrefix), finishedPrefix))
	out = append(out, orderRejects(c, 13, "RFC 8446 §5.1", "split-across-key-change",
		"rejects a ClientHello record that also carries the first bytes of the next handshake message, across the key change, with unexpected_message",
		split, peers.StepClientHello))

	// Row 14: the flight after a HelloRetryRequest.
	hrr := peers.DefaultScript(v).Replace(peers.StepClientHello, peers.SendClientHelloNoKeyShares())
	out = append(out, orderCheck(c, 14, "RFC 8446 §2.1, §4.1.4", "server-flight-hello-retry",
		"answers a ClientHello with no key share with a HelloRetryRequest, then sends its flight in RFC order",
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			cv := env.Converse(ctx, c, id, hrr)
			vd := checks.Complete(cv)
			vd.Expected = "HelloRetryRequest, then ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished, and the handshake completes"
			if vd.Status == reports.Pass && !cv.SawHelloRetryRequest() {
				vd.Status, vd.Reason = reports.Fail, "the target completed without a HelloRetryRequest although the client sent no key share"
			}
			return vd
		}))
	return out
}

// orderResumedFlight is row 14 on resumption: the abbreviated handshake's
// flight in RFC order (RFC 5246 §7.3 Figure 2: ServerHello,
// [NewSessionTicket], ChangeCipherSpec, Finished; RFC 8446 §2.2:
// ServerHello, EncryptedExtensions, Finished).
func orderResumedFlight(c checks.Context) checks.Check {
	rfc, title := "RFC 5246 §7.3; RFC 5077 §3.1", "sends the abbreviated flight of a resumed session in RFC order (ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished)"
	if c.Version == wire.VersionTLS13 {
		rfc, title = "RFC 8446 §2.2", "sends the flight of a resumed session in RFC order (ServerHello, EncryptedExtensions, Finished)"
	}
	ch := orderCheck(c, 14, rfc, "server-flight-resumed", title, func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
		cache := peers.NewSessionCache()
		edit := func(cfg *peers.ClientConfig) { cfg.Sessions, cfg.SessionKey = cache, id }
		// TLS 1.3 tickets come after the handshake: the first conversation
		// reads them with the application-data round trip.
		first := env.ConverseWith(ctx, c, id+"/1", edit, peers.DefaultScript(c.Version))
		if first.Outcome.Kind != peers.OutcomeCompleted || first.Outcome.WentOn != "" {
			return checks.Verdict{Status: reports.Fail, Expected: "a first full handshake to resume", Observed: checks.Observed(first),
				Reason: "the first handshake did not complete", Conversations: []*peers.Conversation{first}}
		}
		script := peers.ResumptionScript(c.Version)
		second := env.ConverseWith(ctx, c, id+"/2", edit, script)
		vd := checks.Complete(second)
		vd.Expected = "the resumed handshake completes with the server's flight in RFC order"
		vd.Conversations = []*peers.Conversation{first, second}
		// A server may decline to resume (RFC 5246 §7.4.1.3): then there
		// is no abbreviated flight to check.
		declined := second.Conn() == nil || !second.Conn().Resumed()
		if declined && (vd.Status == reports.Pass || script.Index(second.Outcome.Step) > script.Index(peers.StepServerHello)) {
			vd.Status, vd.Reason = reports.Skip, "the target did not resume the session, so there was no abbreviated flight to check"
		}
		return vd
	})
	ch.Needs = checks.NeedResumption
	return ch
}
