package records

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tlsconform/tlsconform/suite/checks"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// Record layer (RFC 5246 §6.2; RFC 8446 §5): rows 54-58 of the check
// catalogue, and the 2^14 size edge of a ClientHello (row 43).
// Two kinds of check:
//
//   - the client's first flight (the ClientHello) framed by each record/
//     mutator of the registry: fragmented, padded past 2^14, with records
//     of other types before, between or after its fragments;
//   - protected records: a Finished whose MAC or tag does not verify, a
//     record over the size limits, an unknown (inner) content type,
//     zero-length and flooding records once the keys are in place.
//
// Contexts: one key exchange per version. The framing of the first flight
// does not depend on the key exchange at all (the server reads it before
// anything is negotiated), and record protection depends on the version
// and the cipher, which the version mostly decides (CBC at TLS 1.0 and
// 1.1, an AEAD at 1.2 and 1.3), not on how the keys were agreed. ECDHE
// with RSA signatures is the exchange most servers offer at every version
// before TLS 1.3.

const areaRecords = "record-layer"

// recordContexts are the contexts of the family.
func recordContexts() []checks.Context {
	var out []checks.Context
	for _, v := range checks.Versions {
		kx := checks.KXECDHERSA
		if v == wire.VersionTLS13 {
			kx = checks.KXTLS13
		}
		out = append(out, checks.Context{Version: v, KX: kx})
	}
	return out
}

// recordNotFirstFlight lists the framings that do not apply to a flight of
// one message: the ClientHello is alone in its flight, and a server's own
// flights are not the target's to receive.
var recordNotFirstFlight = map[string]bool{"record/coalesce": true}

func recordCheck(c checks.Context, row int, rfc, name, title string, run func(ctx context.Context, env *checks.Env, id string) checks.Verdict) checks.Check {
	id := areaRecords + "/" + c.Slug() + "/" + name
	return checks.Check{Source: checks.DefinedAt(), ID: id, Area: areaRecords, Row: row, RFC: rfc, Level: checks.MUST, Title: title, Ctx: c,
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict { return run(ctx, env, id) }}
}

func recordChecks() []checks.Check {
	var out []checks.Check
	for _, c := range recordContexts() {
		out = append(out, recordFramingChecks(c)...)
		out = append(out, recordProtectedChecks(c)...)
	}
	return out
}

// recordFramingChecks send the ClientHello framed by each record/ mutator.
func recordFramingChecks(c checks.Context) []checks.Check {
	var out []checks.Check
	for _, m := range mutators.Select("record/") {
		if !m.AppliesTo(c.Version) || recordNotFirstFlight[m.Name] {
			continue
		}
		want := slices.Clone(m.Expect.Alerts)
		if m.Name == "record/oversize" && c.Version < wire.VersionTLS13 {
			// The reading for a server of TLS 1.0-1.2 (one that does not
			// speak TLS 1.3 too): RFC 5246 §6.2.1's limit binds the sender,
			// but §6.2.2 binds the receiver: null compression
			// "decompresses" the fragment too, and a TLSCompressed.fragment
			// that would decompress to more than 2^14 bytes "MUST report a
			// fatal decompression failure error". So the record is refused
			// at every version, with decompression_failure allowed beside
			// record_overflow.
			want = append(want, wire.AlertDecompressionFailure)
		}
		var title string
		switch {
		case m.Expect.Class == mutators.MustTolerate:
			title = "accepts " + m.Doc
		case len(want) > 0:
			title = fmt.Sprintf("rejects %s, with %s", m.Doc, checks.AlertNames(want))
		default:
			title = "rejects " + m.Doc
		}
		ch := recordCheck(c, m.Expect.Row, m.Expect.RFC, strings.TrimPrefix(m.Name, "record/"), title,
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				return recordFraming(ctx, env, c, id, m, want)
			})
		ch.Mutator = m.Name
		// Every record of the first flight arrives before the server has
		// parsed the ClientHello, so a rule that holds for one version only
		// cannot yet be applied; and RFC 5246 states several rules for
		// senders alone: the mutator says where that makes its rule SHOULD.
		if m.Expect.Level(c.Version) == mutators.LevelShould {
			ch.Level = checks.SHOULD
		}
		out = append(out, ch)
	}
	return out
}

// recordFraming runs the check of framing m in context c: a tolerated
// framing must complete the handshake; a rejected one must stop it, with
// one of want when want is not empty.
func recordFraming(ctx context.Context, env *checks.Env, c checks.Context, id string, m mutators.Mutator, want []wire.AlertDescription) checks.Verdict {
	applied := true
	rnd := mutators.Rand(uint64(env.Seed), m.Name)
	send := peers.SendClientHelloFramed(func(flight []byte, rv wire.Version) []byte {
		out, ok := m.Framing(flight, rv, rnd)
		if !ok {
			applied = false
			return nil
		}
		return out
	})
	should := m.Expect.ShouldWhy(c.Version)
	if m.Expect.Class == mutators.MustTolerate {
		script := peers.DefaultScript(c.Version).Replace(peers.StepClientHello, send)
		cv := env.Converse(ctx, c, id, script)
		if !applied {
			return checks.Verdict{Status: reports.Skip, Reason: m.Name + " does not apply to this ClientHello", Conversations: []*peers.Conversation{cv}}
		}
		vd := checks.Complete(cv)
		if vd.Status == reports.Fail && vd.Reason == "" {
			vd.Reason = "the target did not accept what " + m.Expect.RFC + " allows"
		}
		if vd.Status == reports.Fail && should != "" && recordStopped(cv) {
			vd.Status, vd.Reason = reports.Warn, "the target stopped; "+should
		}
		return vd
	}
	script := checks.BadFinishedScript(c.Version).Replace(peers.StepClientHello, send)
	cv := env.Converse(ctx, c, id, script)
	if !applied {
		return checks.Verdict{Status: reports.Skip, Reason: m.Name + " does not apply to this ClientHello", Conversations: []*peers.Conversation{cv}}
	}
	return recordReject(cv, script, peers.StepClientHello, should, want)
}

// recordStopped reports whether the target ended the conversation itself
// (an alert or a close), as opposed to hanging or being unreachable.
func recordStopped(cv *peers.Conversation) bool {
	switch cv.Outcome.Kind {
	case peers.OutcomeAlert, peers.OutcomeClosed, peers.OutcomeReset:
		return true
	}
	return false
}

// recordReject is Reject, where no named alert means any abort passes and
// a SHOULD-level rule (should says why) warns when the target goes on.
func recordReject(cv *peers.Conversation, script peers.Script, step, should string, want []wire.AlertDescription) checks.Verdict {
	vd := checks.Reject(cv, script, step, want...)
	if len(want) == 0 {
		vd.Expected = "the handshake stops (an alert or a close)"
		if vd.Status == reports.Warn && recordStopped(cv) {
			vd.Status, vd.Reason = reports.Pass, ""
		}
	}
	if should != "" && vd.Status == reports.Fail && cv.Outcome.Kind == peers.OutcomeCompleted {
		vd.Status, vd.Reason = reports.Warn, "the target went on; "+should
	}
	return vd
}

// recordProtected is the handshake up to the point where both sides have
// their application keys, with nothing read after it.
func recordProtected(v wire.Version) peers.Script {
	if v == wire.VersionTLS13 {
		return peers.DefaultScript(v).Through(peers.StepFinished)
	}
	return peers.DefaultScript(v).Through(peers.StepServerFinished)
}

// recordFlipLast flips the last byte of a record: part of the AEAD tag, or
// of the CBC padding (under the MAC's protection).
func recordFlipLast(rec []byte) { rec[len(rec)-1] ^= 0x01 }

// recordFlipMiddle flips a byte in the middle of a record's payload: the
// ciphertext of the message.
func recordFlipMiddle(rec []byte) {
	n := len(rec) - wire.RecordHeaderLen
	rec[wire.RecordHeaderLen+n/2] ^= 0x80
}

func recordProtectedChecks(c checks.Context) []checks.Check {
	v := c.Version
	tls13 := v == wire.VersionTLS13
	var out []checks.Check

	// Row 57: the client Finished with its MAC or tag broken. Each version
	// by its own RFC: TLS 1.1 (RFC 4346 §6.2.3.2) "MUST check this
	// padding and SHOULD use the bad_record_mac alert", and its §7.2.2
	// says decryption_failed "MAY be returned" for a bad padding; TLS 1.2
	// says bad_record_mac for every failure (RFC 5246 §6.2.3.2, §7.2.2).
	// At TLS 1.0, RFC 2246 §7.2.2 named decryption_failed for a CBC
	// record that does not decrypt; the duty to check is quoted from
	// RFC 5246, and the rule says so.
	rfcMAC, macAlerts := "RFC 5246 §6.2.3, §7.2.2", []wire.AlertDescription{wire.AlertBadRecordMAC}
	switch v {
	case wire.VersionTLS13:
		rfcMAC = "RFC 8446 §5.2"
	case wire.VersionTLS11:
		rfcMAC, macAlerts = "RFC 4346 §6.2.3.2, §7.2.2", append(macAlerts, wire.AlertDecryptionFailed)
	case wire.VersionTLS10:
		rfcMAC, macAlerts = "RFC 2246 §7.2.2; RFC 5246 §6.2.3.2", append(macAlerts, wire.AlertDecryptionFailed)
	}
	for _, f := range []struct {
		name, what string
		flip       func([]byte)
	}{
		{"bad-mac-tag", "its last byte (the tag, or the CBC padding under the MAC)", recordFlipLast},
		{"bad-mac-body", "a byte of its ciphertext", recordFlipMiddle},
	} {
		script := checks.BadFinishedScript(v).Replace(peers.StepFinished, peers.CorruptRecord(peers.SendFinished(), f.flip))
		out = append(out, recordCheck(c, 57, rfcMAC, "protected/"+f.name,
			fmt.Sprintf("rejects the client Finished record with %s changed, with %s", f.what, checks.AlertNames(macAlerts)),
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				cv := env.Converse(ctx, c, id, script)
				v := checks.Reject(cv, script, peers.StepFinished, macAlerts...)
				if o := cv.Outcome; v.Status == reports.Inconclusive && o.Pushed != "" && (o.Kind == peers.OutcomeTimeout || o.Kind == peers.OutcomeClosed || o.Kind == peers.OutcomeAlert) {
					// The record was whole and did not open: the receiver
					// "MUST terminate the connection" (RFC 8446 §5.2;
					// RFC 5246 §6.2.3). Keeping it open until the client
					// closed its own side proves it did not.
					v.Status = reports.Fail
					v.Reason = "the target kept the connection open after a whole record that did not open, until the client closed its own side: it did not terminate the connection"
				}
				return v
			}))
	}

	// Row 56: a zero-length application-data record is allowed
	// (RFC 8446 §5.1; RFC 5246 §6.2.1).
	empty := peers.DefaultScript(v).InsertBefore(peers.StepApplicationData,
		peers.SendRecord("EmptyApplicationData", wire.ContentApplicationData, func(*peers.Conversation) []byte { return nil }))
	out = append(out, recordCheck(c, 56, "RFC 8446 §5.1; RFC 5246 §6.2.1", "protected/zero-length-appdata",
		"accepts a zero-length application-data record after the handshake",
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			return checks.Complete(env.Converse(ctx, c, id, empty))
		}))

	// Row 55: one protected record over the limits. Over 2^14+256 (TLS 1.3)
	// or 2^14+2048 (TLS 1.0-1.2) of ciphertext; and within the ciphertext
	// limit but 2^14+1 bytes of plaintext.
	rfcSize, ctLimit, sizeAlerts := "RFC 5246 §6.2.1-6.2.3, §7.2.2", wire.MaxCiphertext12, []wire.AlertDescription{wire.AlertRecordOverflow}
	if tls13 {
		rfcSize, ctLimit = "RFC 8446 §5.1, §5.2, §5.4", wire.MaxCiphertext13
	}
	for _, f := range []struct {
		name, what string
		plain      int
		want       []wire.AlertDescription
	}{
		// A plaintext as long as the ciphertext limit seals longer than it.
		// Below TLS 1.3 RFC 5246 binds no receiver to the ciphertext limit
		// as such, but this plaintext is over 2^14 as well: the check
		// rests on §6.2.2's decompression MUST (ruleOverrides).
		{"oversize-ciphertext", fmt.Sprintf("whose ciphertext is longer than 2^14+%d bytes", ctLimit-wire.MaxPlaintext), ctLimit, sizeAlerts},
		// RFC 5246 §6.2.2: over 2^14 after (null) decompression is also a
		// fatal decompression_failure.
		{"oversize-plaintext", "that decrypts to 2^14+1 bytes", wire.MaxPlaintext + 1, recordOversizeAlerts(v)},
	} {
		script := recordProtected(v).Then(peers.SendOversizeRecord("OversizeRecord", wire.ContentApplicationData, f.plain), peers.ExpectRejection(true))
		out = append(out, recordCheck(c, 55, rfcSize, "protected/"+f.name,
			fmt.Sprintf("rejects a protected record %s, with %s", f.what, checks.AlertNames(f.want)),
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				return checks.Reject(env.Converse(ctx, c, id, script), script, "OversizeRecord", f.want...)
			}))
	}

	// Row 54: a record of a content type no RFC assigns, under the keys (in
	// TLS 1.3 the inner type).
	// The probe follows, so that a target that drops the record answers it.
	unknown := recordProtected(v).Then(peers.SendRecord("UnknownContentType", 99, func(*peers.Conversation) []byte { return []byte{1} }), peers.ExpectRejection(true))
	what := "a protected record of unassigned content type 99 after the handshake"
	if tls13 {
		what = "a protected record whose inner content type is the unassigned 99, after the handshake"
	}
	out = append(out, recordCheck(c, 54, "RFC 5246 §6; RFC 8446 §5, §5.4", "protected/unknown-type",
		"rejects "+what+", with unexpected_message",
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			return checks.Reject(env.Converse(ctx, c, id, unknown), unknown, "UnknownContentType", wire.AlertUnexpectedMessage)
		}))

	// Row 57: floods of records that carry nothing. The target may take
	// them all or stop at a limit of its own: the RFCs let the sender send
	// such records (RFC 5246 §6.2.1, RFC 8446 §5.1: zero-length
	// application data "MAY be sent"; RFC 5246 §7.2: after a warning
	// "generally the connection can continue normally") and bind no
	// receiver to a limit, or to an answer within one. So both floods are
	// SHOULD: a target that neither answers nor aborts promptly, or that
	// no longer completes a handshake afterwards, is warned (strict mode
	// fails it). One zero-length record must still be taken (above).
	zeroRule := checks.RuleMayZeroAppData12
	if tls13 {
		zeroRule = checks.RuleMayZeroAppData13
	}
	out = append(out, checks.Should(recordFloodCheck(c, "protected/empty-appdata-flood",
		fmt.Sprintf("bounds a flood of %d zero-length application-data records: answers the probe after it or aborts with an alert", recordFloodEmpty),
		wire.ContentApplicationData, nil, recordFloodEmpty), zeroRule, "no RFC sentence binds the receiver of many zero-length records to a limit or to an answer"))
	if !tls13 {
		// TLS 1.3 has no warning alerts to pass over (RFC 8446 §6).
		out = append(out, checks.Should(recordFloodCheck(c, "protected/warning-alert-flood",
			fmt.Sprintf("bounds a flood of %d warning alerts (user_canceled): answers the probe after it or aborts with an alert", recordFloodWarnings),
			wire.ContentAlert, wire.Alert{Level: wire.AlertLevelWarning, Description: wire.AlertUserCanceled}.Marshal(), recordFloodWarnings),
			checks.RuleWarningAlert12, "no RFC sentence binds the receiver of many warning alerts to a limit or to an answer"))
	}

	if tls13 {
		// Row 56: zero-length handshake and alert records under the
		// handshake key, before the Finished (RFC 8446 §5.4: MUST
		// unexpected_message).
		for _, f := range []struct {
			name string
			typ  wire.ContentType
		}{{"handshake", wire.ContentHandshake}, {"alert", wire.ContentAlert}} {
			stepName := "ZeroLength" + strings.ToUpper(f.name[:1]) + f.name[1:]
			script := checks.BadFinishedScript(v).InsertBefore(peers.StepFinished, peers.UseHandshakeKeys(), peers.SendRequestedCertificate(),
				peers.SendRecord(stepName, f.typ, func(*peers.Conversation) []byte { return nil }))
			out = append(out, recordCheck(c, 56, "RFC 8446 §5.1, §5.4", "protected/zero-length-"+f.name,
				fmt.Sprintf("rejects a protected %s record with zero-length content, with unexpected_message", f.name),
				func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
					return checks.Reject(env.Converse(ctx, c, id, script), script, stepName, wire.AlertUnexpectedMessage)
				}))
		}
	}
	return out
}

// recordOversizeAlerts are the alerts for a record over 2^14 bytes of
// plaintext at version v.
func recordOversizeAlerts(v wire.Version) []wire.AlertDescription {
	if v == wire.VersionTLS13 {
		return []wire.AlertDescription{wire.AlertRecordOverflow}
	}
	return []wire.AlertDescription{wire.AlertRecordOverflow, wire.AlertDecompressionFailure}
}

// Flood sizes: enough to pass any sensible limit, small enough to send in
// a few milliseconds.
const (
	recordFloodEmpty    = 10000
	recordFloodWarnings = 100
)

// recordFloodCheck sends count records of typ after the handshake, then the
// probe. Answering the probe and aborting with an alert both pass; a close
// without an alert warns (RFC 8446 §6.2: SHOULD send one) unless the target
// stopped answering altogether (a crash, checked with a second
// handshake), and silence past the deadline fails.
func recordFloodCheck(c checks.Context, name, title string, typ wire.ContentType, payload []byte, count int) checks.Check {
	script := recordProtected(c.Version).Then(peers.SendFlood("Flood", typ, payload, count), peers.ExpectRejection(false))
	return recordCheck(c, 57, "RFC 8446 §5.1, §6.2; RFC 5246 §6.2.1, §7.2", name, title,
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			cv := env.Converse(ctx, c, id, script)
			vd := checks.Verdict{Expected: "the target answers the probe after the flood, or aborts with an alert", Observed: checks.Observed(cv), Conversations: []*peers.Conversation{cv}}
			o := cv.Outcome
			switch {
			case o.Unreachable():
				vd.Status, vd.Reason = reports.Fail, "target unreachable"
			case o.EndedBefore(script, "Flood"):
				vd.Status = reports.Fail
				vd.Reason = fmt.Sprintf("the conversation ended at %s, before the flood was sent: the check could not be made", o.Step)
			case o.Pushed != "" && o.Kind != peers.OutcomeReset:
				// Silent past the deadline after a flood of whole records:
				// what it did once the client half-closed does not change
				// that it neither answered nor aborted in time.
				vd.Status, vd.Reason = reports.Fail, "the target neither answered nor aborted before the deadline: the flood was not bounded"
			case o.Kind == peers.OutcomeCompleted, o.Kind == peers.OutcomeAlert:
				vd.Status = reports.Pass
			case o.Kind == peers.OutcomeTimeout:
				vd.Status, vd.Reason = reports.Fail, "the target neither answered nor aborted before the deadline: the flood was not bounded"
			case o.Kind == peers.OutcomeError && !o.Undecryptable:
				vd.Status, vd.Reason = reports.Fail, "the target answered with something the client could not accept"
			default:
				alive := env.Converse(ctx, c, id+"/alive", peers.DefaultScript(c.Version))
				vd.Conversations = []*peers.Conversation{alive, cv} // the judged one last
				if checks.Complete(alive).Status != reports.Pass {
					vd.Status, vd.Reason = reports.Fail, "after the flood the target no longer completes a handshake (crashed?): "+checks.Observed(alive)
				} else if why := checks.Inconclusive(o); why != "" {
					vd.Status, vd.Reason = reports.Inconclusive, "the target stopped the flood; "+why
				} else {
					vd.Status, vd.Reason = reports.Warn, "the target stopped the flood without an alert (RFC 8446 §6.2: it SHOULD send one)"
				}
			}
			return vd
		})
}
