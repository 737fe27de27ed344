package peers

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Steps for a malformed ClientKeyExchange (RFC 5246 §7.4.7): the key
// exchange followed by the rest of the client's flight, and an answer
// read to the end of the connection so that two answers can be compared
// (the ROBOT oracle).

// ServerPublicKey is the public key of the target's certificate once its
// Certificate has been read, nil before.
func (cv *Conversation) ServerPublicKey() crypto.PublicKey {
	if cv.hs == nil || len(cv.hs.serverCerts) == 0 {
		return nil
	}
	return cv.hs.serverCerts[0].PublicKey
}

// ClientKeyExchangeChange turns the ClientKeyExchange the client would
// send (its pre-master secret already chosen) into the message to send,
// header included. When pms is not nil the client keys the rest of the
// handshake with it instead of its own pre-master secret.
type ClientKeyExchangeChange func(cv *Conversation, cke *wire.ClientKeyExchange) (msg, pms []byte, err error)

// SendClientKeyExchangeChanged is the ClientKeyExchange step (TLS 1.0-1.2)
// with the message change returns: it goes into the transcript as sent,
// after the Certificate of a requested client certificate, and the
// master secret comes from the client's pre-master secret (or the one
// change returns), so a target that derives another one fails at the
// Finished. A CertificateVerify follows when the Certificate carried a
// chain. An error from change ends the conversation at this step before
// anything is sent. Edits registered for the step do not apply (the
// CertificateVerify's, StepCertificateVerify, does).
func SendClientKeyExchangeChanged(change ClientKeyExchangeChange) Step {
	st := step(StepClientKeyExchange, func(cv *Conversation) error {
		hs := cv.hs
		cke, err := hs.clientKeyExchange12()
		if err != nil {
			return err
		}
		msg, pms, err := change(cv, cke)
		if err != nil {
			return err
		}
		var payload []byte
		if hs.certRequested {
			raw, err := hs.clientCertificate().Marshal()
			if err != nil {
				return fmt.Errorf("peers: marshal Certificate: %w", err)
			}
			hs.c.transcript.Add(raw)
			payload = append(payload, raw...)
			hs.certificateSent()
		}
		hs.c.transcript.Add(msg)
		if err := hs.c.WriteRecord(wire.ContentHandshake, append(payload, msg...)); err != nil {
			return err
		}
		if pms != nil {
			hs.pms = bytes.Clone(pms)
		}
		hs.deriveMaster12()
		return hs.sendCertificateVerify()
	})
	st.Edits = []string{StepCertificateVerify}
	return st
}

// Connection endings, the Note of the closing pseudo-event.
const (
	EndClosed  = "closed"
	EndReset   = "reset"
	EndTimeout = "timeout" // the target left the connection open past the deadline
	EndError   = "error"   // it sent something we could not read
)

// maxAfterAlert bounds the records read after a fatal alert while waiting
// for the target to close.
const maxAfterAlert = 4

// ExpectAnswer is ExpectRejection(false) (a step of the same name) that,
// after an alert or an undecryptable record, reads on to see how the
// target ends the connection, and records that as the closing
// pseudo-event (Note EndClosed, EndReset, EndTimeout or EndError): two
// answers then compare by alert and by close. A target that leaves the
// connection open costs the deadline; a correct one closes after a fatal
// alert (RFC 5246 §7.2.2).
func ExpectAnswer() Step {
	// Not pushed: two answers compare by how the target ends the
	// connection, silence included.
	inner := expectRejection(false, false)
	return step(StepExpectRejection, func(cv *Conversation) error {
		err := inner.Run(cv)
		var done *doneErr
		if !errors.As(err, &done) || (done.o.Kind != OutcomeAlert && !done.o.Undecryptable) {
			return err
		}
		c := cv.hs.c
		var rerr error
		for range maxAfterAlert {
			if _, rerr = c.ReadItem(); rerr != nil {
				break
			}
		}
		end := EndError
		if rerr != nil {
			switch OutcomeOf(rerr).Kind {
			case OutcomeClosed:
				end = EndClosed
			case OutcomeReset:
				end = EndReset
			case OutcomeTimeout:
				end = EndTimeout
			}
		}
		cv.events = append(cv.events, Event{Dir: Received, Time: time.Now(), Note: end})
		return err
	})
}

// Ending is how the connection ended, from the closing pseudo-event
// (EndClosed, EndReset, EndTimeout, EndError), or "" when the
// conversation did not record one (it went on, or ended on our verdict).
func (cv *Conversation) Ending() string {
	if n := len(cv.events); n > 0 && cv.events[n-1].Raw == nil {
		switch note := cv.events[n-1].Note; note {
		case EndClosed, EndReset, EndTimeout, EndError:
			return note
		}
	}
	return ""
}
