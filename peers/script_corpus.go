package peers

import (
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Steps for replaying a real client's ClientHello: its bytes sent as they
// were captured, and the target's first answer read without the client's
// own validation, since the replaying client does not own the key shares
// the hello carries and cannot go on.

// StepFirstAnswer names the step that reads the target's first answer.
const StepFirstAnswer = "FirstAnswer"

// SendClientHelloBytes sends raw, one complete ClientHello handshake message
// (header included), exactly as given: in plaintext handshake records with
// record-layer version rv (TLS 1.0 when 0), split at the maximum fragment
// size (2^14 unless the config says less). It goes into the transcript,
// and when it parses cv.Hello() returns it.
func SendClientHelloBytes(raw []byte, rv wire.Version) Step {
	return step(StepClientHello, func(cv *Conversation) error {
		hs := cv.hs
		if ch, err := wire.UnmarshalClientHello(raw); err == nil {
			hs.hello = ch
		}
		hs.c.transcript.Add(raw)
		if rv == 0 {
			rv = wire.VersionTLS10
		}
		hs.c.SetRecordVersion(rv)
		return hs.c.WriteRecord(wire.ContentHandshake, raw)
	})
}

// ReadFirstAnswer reads the target's first answer to the ClientHello and
// ends the conversation with it, judging nothing: a handshake message ends
// it as OutcomeCompleted with WentOn naming the message ("ServerHello",
// "HelloRetryRequest", or another type), a ServerHello being kept as
// cv.ServerHello(); an alert ends it as OutcomeAlert; a close, a reset or
// silence as such (silence after a push: see Outcome.Pushed). Warning
// alerts that do not end the conversation (a TLS 1.2 server's
// unrecognized_name) are passed over; a ChangeCipherSpec or application
// data first ends it with WentOn naming the record.
func ReadFirstAnswer() Step {
	return step(StepFirstAnswer, func(cv *Conversation) error {
		c := cv.hs.c
		return cv.pushing(func() error {
			it, err := c.nextItem()
			if err != nil {
				return err
			}
			o := Outcome{Kind: OutcomeCompleted}
			switch it.Type {
			case wire.ContentAlert:
				o = Outcome{Kind: OutcomeAlert, Alert: it.Alert}
			case wire.ContentHandshake:
				o.WentOn = it.Msg.Type().String()
				if sh, ok := it.Msg.(*wire.ServerHello); ok {
					cv.hs.server = sh
					c.transcript.Add(it.Raw)
					if sh.IsHelloRetryRequest() {
						o.WentOn = "HelloRetryRequest"
					}
				}
			default:
				o.WentOn = it.Type.String()
			}
			return &doneErr{o: o}
		})
	})
}
