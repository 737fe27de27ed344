package finished

import (
	"bytes"
	"context"
	"fmt"

	"github.com/tlsconform/tlsconform/suite/checks"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// Finished verification (RFC 5246 §7.4.9, RFC 8446 §4.4.4): the
// server's Finished verifies; a client Finished that is wrong, all zeros,
// empty, truncated or followed by trailing bytes (RFC 8446 §6.2), sent in
// the clear in TLS 1.3 (§5), computed over the wrong transcript, or
// computed without the extended master secret that was negotiated
// (RFC 7627 §4) is refused; and a session whose handshake ended in a
// fatal alert is not resumed (RFC 5246 §7.2.2).

const areaFinished = "finished"

func finishedCheck(c checks.Context, row int, rfc, name, title string, run func(ctx context.Context, env *checks.Env, id string) checks.Verdict) checks.Check {
	id := areaFinished + "/" + c.Slug() + "/" + name
	return checks.Check{Source: checks.DefinedAt(), ID: id, Area: areaFinished, Row: row, RFC: rfc, Level: checks.MUST, Title: title, Ctx: c,
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict { return run(ctx, env, id) }}
}

// editFinished is a conversation setup that rewrites the client Finished.
func editFinished(e peers.Edit) peers.Setup {
	return func(cv *peers.Conversation) { cv.Edit(peers.StepFinished, e) }
}

// rejectFinished runs the bad-Finished script with setup and judges it.
func rejectFinished(ctx context.Context, env *checks.Env, c checks.Context, id string, setup peers.Setup, want ...wire.AlertDescription) checks.Verdict {
	script := checks.BadFinishedScript(c.Version)
	cv := env.Converse(ctx, c, id, script, setup)
	return checks.Reject(cv, script, peers.StepFinished, want...)
}

// corruption is a change of the client Finished message (header
// included) that the target must refuse, with the alert the RFC names:
// the family's checks send each once per context, and the campaign draws
// them as variants.
type corruption struct {
	name  string // the variant's name after "finished/"
	check string // the check's name
	doc   string // what the client sends
	title string
	row   int
	rfc   string // "": the version's Finished rule (RFC 5246 §7.4.9 or RFC 8446 §4.4.4)
	want  wire.AlertDescription
	tls13 bool // only in TLS 1.3, where a key change follows the Finished
	edit  func(raw []byte) []byte
}

// corruptions are the fixed changes of the client Finished.
var corruptions = []corruption{
	{name: "all-zero", check: "all-zero", doc: "verify_data all zeros", row: 28, want: wire.AlertDecryptError,
		title: "rejects a client Finished whose verify_data is all zeros, with decrypt_error",
		edit:  func(raw []byte) []byte { clear(raw[4:]); return raw }},
	// A message that does not parse is decode_error (RFC 8446 §6.2).
	{name: "truncated", check: "finished-truncated", doc: "verify_data one byte short", row: 30, rfc: "RFC 8446 §6.2; RFC 5246 §7.4.9", want: wire.AlertDecodeError,
		title: "rejects a client Finished whose verify_data is one byte short, with decode_error",
		edit:  func(raw []byte) []byte { return checks.WithLength(raw, bytes.Clone(raw[4:len(raw)-1])) }},
	{name: "empty", check: "finished-empty", doc: "an empty verify_data", row: 30, rfc: "RFC 8446 §6.2; RFC 5246 §7.4.9", want: wire.AlertDecodeError,
		title: "rejects a client Finished whose verify_data is empty, with decode_error",
		edit:  func(raw []byte) []byte { return checks.WithLength(raw, nil) }},
	{name: "trailing-message-bytes", check: "finished-trailing-message-bytes", doc: "a byte after verify_data inside the message", row: 31,
		rfc: "RFC 8446 §6.2; RFC 5246 §7.4.9", want: wire.AlertDecodeError,
		title: "rejects a client Finished whose verify_data is followed by a byte inside the message, with decode_error",
		edit:  func(raw []byte) []byte { return checks.WithLength(raw, append(bytes.Clone(raw[4:]), 0)) }},
	// The Finished precedes a key change, so a message may not span it
	// (RFC 8446 §5.1). (In TLS 1.2 nothing changes keys after the client
	// Finished, and the bytes may begin a later message.)
	{name: "trailing-record-bytes", check: "trailing-record-bytes", doc: "a byte after the Finished in its record", row: 31,
		rfc: "RFC 8446 §5.1", want: wire.AlertUnexpectedMessage, tls13: true,
		title: "rejects a record that carries bytes after the client Finished, with unexpected_message",
		edit:  func(raw []byte) []byte { return append(raw, 0x00) }},
}

// finishedRule is the rule of the Finished at version v.
func finishedRule(v wire.Version) string {
	if v == wire.VersionTLS13 {
		return "RFC 8446 §4.4.4"
	}
	return "RFC 5246 §7.4.9"
}

func finishedChecks() []checks.Check {
	var out []checks.Check
	for _, c := range checks.Contexts() {
		out = append(out, serverFinishedVerifies(c))
		out = append(out, flipBitChecks(c)...)
		for _, k := range corruptions {
			if k.tls13 && c.Version != wire.VersionTLS13 {
				continue
			}
			out = append(out, corruptionCheck(c, k))
		}
		out = append(out, transcriptWithoutCertificate(c))
		if c.Version == wire.VersionTLS13 {
			out = append(out, plaintextFinished(c))
			continue
		}
		out = append(out, emsConfusion(c), noResumptionAfterFatalAlert(c))
	}
	return out
}

// serverFinishedVerifies: the server's Finished verifies (the client
// computes it over the transcript and compares). Here the target sends
// the Finished, and RFC 5246 §7.4.9 and RFC 8446 §4.4.4 only define its
// verify_data: their MUST ("Recipients of Finished messages MUST
// verify") binds the recipient, our client. No sentence puts the duty on
// the sender in key words, so a Finished that does not verify is a
// warning here; the baseline of the context, which must complete, fails
// on it all the same.
func serverFinishedVerifies(c checks.Context) checks.Check {
	rule := checks.RuleServerFinished12
	if c.Version == wire.VersionTLS13 {
		rule = checks.RuleServerFinished13
	}
	ch := finishedCheck(c, 27, finishedRule(c.Version), "server-finished-verifies", "sends a Finished that verifies over the transcript",
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			return checks.Complete(env.Converse(ctx, c, id, peers.DefaultScript(c.Version)))
		})
	return checks.Should(ch, rule, "no RFC sentence binds the sender of a Finished in key words (RFC 5246 §7.4.9, RFC 8446 §4.4.4 define verify_data; their MUST binds the recipient): a warning here, and the context's baseline fails")
}

// flipBitChecks: a client Finished with one bit of verify_data flipped,
// every bit of the 12 bytes before TLS 1.3, a sample of the hash's
// length in TLS 1.3.
func flipBitChecks(c checks.Context) []checks.Check {
	bits := []int{0, 7, 8, 63, 95, 128, 255}
	row := 29
	if c.Version < wire.VersionTLS13 {
		bits, row = bits[:0], 28
		for i := range 96 {
			bits = append(bits, i)
		}
	}
	var out []checks.Check
	for _, bit := range bits {
		out = append(out, sendsBadFinished(c, finishedCheck(c, row, finishedRule(c.Version), fmt.Sprintf("flip-bit-%d", bit),
			fmt.Sprintf("rejects a client Finished with bit %d of verify_data flipped, with decrypt_error", bit),
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				return rejectFinished(ctx, env, c, id, editFinished(func(raw []byte) []byte {
					raw[4+bit/8] ^= 0x80 >> (bit % 8)
					return raw
				}), wire.AlertDecryptError)
			})))
	}
	return out
}

// corruptionCheck sends corruption k in context c.
func corruptionCheck(c checks.Context, k corruption) checks.Check {
	row, rfc := k.row, k.rfc
	if rfc == "" {
		rfc = finishedRule(c.Version)
	}
	if row == 28 && c.Version == wire.VersionTLS13 {
		row = 29 // the TLS 1.3 row of a wrong verify_data
	}
	return sendsBadFinished(c, finishedCheck(c, row, rfc, k.check, k.title,
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			return rejectFinished(ctx, env, c, id, editFinished(k.edit), k.want)
		}))
}

// sendsBadFinished records the script rejectFinished runs, for Sends.
func sendsBadFinished(c checks.Context, ch checks.Check) checks.Check {
	ch.Script, ch.Change = checks.BadFinishedScript(c.Version), peers.StepFinished
	return ch
}

// transcriptWithoutCertificate: a client Finished over the wrong
// transcript (the server Certificate left out).
func transcriptWithoutCertificate(c checks.Context) checks.Check {
	return finishedCheck(c, 33, finishedRule(c.Version), "transcript-without-certificate",
		"rejects a client Finished computed over a transcript without the server Certificate, with decrypt_error",
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			var buildErr error
			setup := func(cv *peers.Conversation) {
				cv.Edit(peers.StepFinished, func(raw []byte) []byte {
					t := withoutMessage(cv.TranscriptBytes(), wire.TypeCertificate)
					vd, err := cv.ClientVerifyData(t, nil)
					if err != nil {
						buildErr = err
						return raw
					}
					return checks.WithLength(raw, vd)
				})
			}
			v := rejectFinished(ctx, env, c, id, setup, wire.AlertDecryptError)
			if buildErr != nil {
				v.Status, v.Reason = reports.Fail, "could not build the changed Finished: "+buildErr.Error()
			}
			return v
		})
}

// plaintextFinished: a client Finished in the clear in TLS 1.3.
func plaintextFinished(c checks.Context) checks.Check {
	return finishedCheck(c, 32, "RFC 8446 §4.4.4, §5", "plaintext-finished",
		"rejects a client Finished sent in the clear, with unexpected_message",
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			script := peers.DefaultScript(c.Version).Replace(peers.StepFinished,
				peers.SendMessage(peers.StepFinished, func(cv *peers.Conversation) (wire.Message, error) {
					// Still under the null write state: no key change.
					f, err := cv.Finished()
					return f, err
				}),
			).Through(peers.StepFinished).Then(peers.ExpectRejection(false))
			cv := env.Converse(ctx, c, id, script)
			return checks.Reject(cv, script, peers.StepFinished, wire.AlertUnexpectedMessage)
		})
}

// emsConfusion: a client Finished computed with the legacy master secret
// when extended master secret was negotiated (RFC 7627 §5.2 confusion).
func emsConfusion(c checks.Context) checks.Check {
	return finishedCheck(c, 33, "RFC 7627 §4; RFC 5246 §7.4.9", "ems-confusion",
		"rejects a client Finished computed with the non-extended master secret after negotiating extended_master_secret, with decrypt_error",
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			ems := true
			var buildErr error
			setup := func(cv *peers.Conversation) {
				cv.Edit(peers.StepFinished, func(raw []byte) []byte {
					if !cv.EMS() {
						ems = false
						return raw
					}
					legacy, err := cv.LegacyMaster()
					if err == nil {
						var vd []byte
						if vd, err = cv.ClientVerifyData(cv.TranscriptBytes(), legacy); err == nil {
							return checks.WithLength(raw, vd)
						}
					}
					buildErr = err
					return raw
				})
			}
			v := rejectFinished(ctx, env, c, id, setup, wire.AlertDecryptError)
			switch {
			case buildErr != nil:
				v.Status, v.Reason = reports.Fail, "could not build the changed Finished: "+buildErr.Error()
			case !ems:
				v.Status, v.Reason = reports.Skip, "target did not negotiate extended_master_secret"
			}
			return v
		})
}

// noResumptionAfterFatalAlert: a session whose handshake ended in a fatal
// alert is not resumable (RFC 5246 Appendix F.1.4).
func noResumptionAfterFatalAlert(c checks.Context) checks.Check {
	return finishedCheck(c, 34, "RFC 5246 §7.2.2, App. F.1.4", "no-resumption-after-fatal-alert",
		"does not resume a session whose handshake ended in a fatal alert",
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			first := env.Converse(ctx, c, id+"/1", checks.BadFinishedScript(c.Version), editFinished(func(raw []byte) []byte {
				raw[4] ^= 1
				return raw
			}))
			sess := first.Session()
			// The first handshake must really end on the bad Finished:
			// an unreachable, silent or early-ending target proves
			// nothing about resumption.
			if rej := checks.Reject(first, checks.BadFinishedScript(c.Version), peers.StepFinished, wire.AlertDecryptError); rej.Status == reports.Fail {
				rej.Expected = "the first handshake fails on the bad Finished"
				return rej
			}
			// RFC 5246 §7.2.2 binds the target only for "a connection
			// terminated with a fatal alert"; §7.2.1 lets a session whose
			// connection was not closed properly be resumed.
			if o := first.Outcome; o.Kind != peers.OutcomeAlert || o.Alert.Level != wire.AlertLevelFatal || o.Pushed != "" {
				return checks.Verdict{Status: reports.Skip, Expected: "the first handshake ends in a fatal alert", Observed: checks.Observed(first),
					Reason:        "the first handshake did not end in a fatal alert from the target, so RFC 5246 §7.2.2 does not forbid resuming it",
					Conversations: []*peers.Conversation{first}}
			}
			if sess == nil {
				return checks.Verdict{Status: reports.Skip, Expected: "no resumption", Observed: "the target gave no session ID to resume",
					Reason: "the target gave no session ID, so there is no session to resume", Conversations: []*peers.Conversation{first}}
			}
			cache := peers.NewSessionCache()
			second := env.ConverseWith(ctx, c, id+"/2", func(cfg *peers.ClientConfig) {
				cfg.Sessions, cfg.SessionKey = cache, id
				cache.Put(id, sess)
			}, peers.DefaultScript(c.Version))
			v := checks.Complete(second)
			v.Expected = "a full handshake: the failed session is not resumed"
			v.Conversations = []*peers.Conversation{first, second}
			if second.Conn() != nil && second.Conn().Resumed() {
				v.Status, v.Reason = reports.Fail, "the target resumed the session of a handshake that ended in a fatal alert"
			}
			return v
		})
}

// withoutMessage returns the transcript without its first message of type t.
func withoutMessage(transcript []byte, t wire.HandshakeType) []byte {
	for i := 0; i+4 <= len(transcript); {
		n := int(transcript[i+1])<<16 | int(transcript[i+2])<<8 | int(transcript[i+3])
		end := min(i+4+n, len(transcript))
		if wire.HandshakeType(transcript[i]) == t {
			return append(append([]byte(nil), transcript[:i]...), transcript[end:]...)
		}
		i = end
	}
	return transcript
}
