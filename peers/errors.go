package peers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// AlertError is an alert that ended the conversation. Received tells whether
// the peer sent it (a verdict about the target) or we did (our own verdict
// about what the target sent).
type AlertError struct {
	Alert    wire.Alert
	Received bool
	// Reason says, for an alert we sent, what the peer did wrong.
	Reason string
}

func (e *AlertError) Error() string {
	if e.Received {
		return fmt.Sprintf("peers: received %s alert %s", e.Alert.Level, e.Alert.Description)
	}
	return fmt.Sprintf("peers: sent %s: %s", e.Alert.Description, e.Reason)
}

// ProtocolError is a violation we detected in what the peer sent. Alert is
// the alert we sent (or would have sent) for it.
type ProtocolError struct {
	Alert  wire.AlertDescription
	Reason string
	Err    error
	// Fault names what of the server's ServerHello or HelloRetryRequest
	// the client refused, so that a check can name the rule it breaks;
	// "" for every other refusal.
	Fault Fault
}

// Fault is what the client refused in the server's answer to its
// ClientHello (a ServerHello or a HelloRetryRequest): stable names a
// verdict maps to the RFC sentence that binds the server, or to none.
type Fault string

// The client's refusals of a ServerHello or HelloRetryRequest.
const (
	FaultUnexpectedMessage  Fault = "unexpected-message" // another message where the ServerHello is due
	FaultHRRWithoutVersions Fault = "hrr-without-supported-versions"
	FaultHRRVersion         Fault = "hrr-version"              // HelloRetryRequest supported_versions is not TLS 1.3
	FaultHRRNotOffered      Fault = "hrr-tls13-not-offered"    // a HelloRetryRequest to a ClientHello without TLS 1.3
	FaultHRRGroupNotOffered Fault = "hrr-group-not-offered"    // selected_group not in supported_groups
	FaultHRRGroupShared     Fault = "hrr-group-already-shared" // selected_group already had a key share
	FaultHRRChangesNothing  Fault = "hrr-changes-nothing"      // neither key_share nor cookie
	FaultHRRTwice           Fault = "hrr-twice"                // a second HelloRetryRequest
	FaultHRRSuiteChanged    Fault = "hrr-suite-changed"        // the ServerHello's suite differs from the HelloRetryRequest's
	FaultSessionIDEcho      Fault = "session-id-echo"          // legacy_session_id_echo is not the client's legacy_session_id
	FaultSuiteNotOffered    Fault = "suite-not-offered"
	FaultSuiteVersion       Fault = "suite-version"              // an offered suite that does not fit the version
	FaultVersionNotOffered  Fault = "version-not-offered"        // supported_versions (or, without it, ServerHello.version) picks a version not offered
	FaultLegacyVersion      Fault = "legacy-version"             // a TLS 1.3 ServerHello whose legacy_version is not 0x0303
	FaultCompression        Fault = "compression"                // legacy_compression_method not 0
	FaultUnsolicitedPSK     Fault = "unsolicited-pre-shared-key" // pre_shared_key selecting an identity not offered
	FaultPSKHash            Fault = "psk-hash"                   // a resumption with a suite of another hash than the session's
	FaultNoKeyShare         Fault = "no-key-share"               // no key_share where only psk_dhe_ke or no PSK was offered
	FaultKeyShareGroup      Fault = "key-share-group"            // a server share in a group the client sent no share for
	FaultKeyShareValue      Fault = "key-share-value"            // a server share the client cannot use (wrong length, invalid point)
	FaultDecode             Fault = "decode"                     // an extension of the answer that does not parse
	FaultSpansKeyChange     Fault = "spans-key-change"           // a handshake message that begins before the key change after the ServerHello
)

// FaultOf is the Fault of the client's refusal err, "" when err is no
// such refusal.
func FaultOf(err error) Fault {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe.Fault
	}
	return ""
}

// faultErr is protoErr for a refusal of the server's answer.
func faultErr(f Fault, alert wire.AlertDescription, format string, args ...any) *ProtocolError {
	e := protoErr(alert, format, args...)
	e.Fault = f
	return e
}

func (e *ProtocolError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("peers: %s (%s): %v", e.Reason, e.Alert, e.Err)
	}
	return fmt.Sprintf("peers: %s (%s)", e.Reason, e.Alert)
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// VerifyError is a failed verification of the peer's Finished, signature or
// certificate: exactly what was being checked and how it failed.
type VerifyError struct {
	What   string // "server Finished", "ServerKeyExchange signature", "CertificateVerify", "certificate chain"
	Reason string
	Err    error
}

func (e *VerifyError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("peers: %s does not verify: %s: %v", e.What, e.Reason, e.Err)
	}
	return fmt.Sprintf("peers: %s does not verify: %s", e.What, e.Reason)
}

func (e *VerifyError) Unwrap() error { return e.Err }

func protoErr(alert wire.AlertDescription, format string, args ...any) *ProtocolError {
	return &ProtocolError{Alert: alert, Reason: fmt.Sprintf(format, args...)}
}

// OutcomeKind is how a conversation ended, as a test verdict sees it.
type OutcomeKind string

const (
	OutcomeCompleted OutcomeKind = "completed"
	OutcomeAlert     OutcomeKind = "alert"   // the peer sent an alert
	OutcomeClosed    OutcomeKind = "closed"  // the peer closed (or reset) without an alert
	OutcomeTimeout   OutcomeKind = "timeout" // the peer went silent past the deadline
	OutcomeError     OutcomeKind = "error"   // anything else: our verdict on a protocol violation, bad input
	// The two kinds below appear in conversation outcomes only; Classify
	// reports them as error and closed.
	OutcomeRefused OutcomeKind = "refused" // the connection was refused: nothing listens
	OutcomeReset   OutcomeKind = "reset"   // the peer reset the connection
)

// Outcome is how a conversation ended, as a typed value for verdicts.
type Outcome struct {
	Kind  OutcomeKind
	Alert wire.Alert // the alert the peer sent, when Kind is OutcomeAlert
	// Step is the script step during which the conversation ended.
	Step string
	// WentOn names what the target sent when it carried on where a
	// rejection was expected (ExpectRejection): "Finished", "application data".
	WentOn string
	// Undecryptable: the target answered with a record the client could
	// not decrypt under any key the conversation had.
	Undecryptable bool
	// Pushed says how the client pushed a silent target to decide before
	// this outcome (PushHalfClose), or is empty: the target had said
	// nothing before the deadline, perhaps waiting for bytes a message
	// promised, and the outcome is what it did after the push. A timeout
	// with Pushed set is silence even after the push.
	Pushed string
	// Filled says, when the client filled in the bytes its last handshake
	// message's length promised before it half-closed (PushFiller), how
	// many: a target that waited for them then judged the whole message,
	// so what it said answers the message (unlike an answer to the
	// half-close, see Pushed).
	Filled int
	Err    error
}

// PushHalfClose: the client half-closed its write side (TCP FIN), so that
// a target waiting for more bytes reads the end of the stream and decides.
const PushHalfClose = "half-closed the write side"

// maxFiller bounds the bytes the client fills in for a handshake message
// whose length promised more (see Outcome.Filled): one record's worth; a
// lie longer than that is pushed with a half-close alone.
const maxFiller = wire.MaxPlaintext

// Unreachable reports whether the target could not be reached at all: the
// connection was refused, or the dial failed. Such an outcome says nothing
// about the target's conformance, and a verdict must never read it as a
// rejection (fail closed).
func (o Outcome) Unreachable() bool {
	return o.Kind == OutcomeRefused || o.Step == StepDial
}

// EndedBefore reports whether the conversation ended before step of script
// was run: the target answered (or could not be reached) before the change
// made at step was even sent, so the conversation proves nothing about
// that change. Both steps must be in script, except that an unreachable
// dial ends before every step.
func (o Outcome) EndedBefore(script Script, step string) bool {
	at := script.must(step) // a check that names a step its script lacks is a bug in the check
	if o.Step == StepDial {
		return true
	}
	end := script.Index(o.Step)
	return end >= 0 && end < at
}

// recordOpenError is a record from the peer that did not open under the
// current read keys (a bad MAC or tag, bad padding, no inner content
// type): often an alert under keys the reader did not expect. Err is the
// record layer's error (a *record.Error when typed).
type recordOpenError struct{ Err error }

func (e *recordOpenError) Error() string {
	return "peers: a received record did not open: " + e.Err.Error()
}
func (e *recordOpenError) Unwrap() error { return e.Err }

func (o Outcome) String() string {
	s := o.kindString()
	switch {
	case o.Filled == 1:
		s += " (after the client sent the byte its handshake message's length promised)"
	case o.Filled > 1:
		s += fmt.Sprintf(" (after the client sent the %d bytes its handshake message's length promised)", o.Filled)
	}
	if o.Pushed != "" {
		s += " (after the client " + o.Pushed + ")"
	}
	return s
}

func (o Outcome) kindString() string {
	switch o.Kind {
	case OutcomeAlert:
		return fmt.Sprintf("%s %s alert", o.Alert.Level, o.Alert.Description)
	case OutcomeCompleted:
		if o.WentOn != "" {
			return "target went on: sent " + o.WentOn
		}
		return "completed"
	case OutcomeError:
		if o.Undecryptable {
			return "an undecryptable record"
		}
		if o.Err != nil {
			return "error: " + o.Err.Error()
		}
	case OutcomeTimeout:
		return "timeout: no answer before the deadline"
	case OutcomeClosed:
		return "closed without an alert"
	case OutcomeReset:
		return "connection reset (a reset may destroy an alert sent just before it)"
	}
	return string(o.Kind)
}

// OutcomeOf turns the error a conversation step ended with into an
// Outcome, telling refused and reset connections apart.
func OutcomeOf(err error) Outcome {
	o := Outcome{Kind: Classify(err), Err: err}
	if a, ok := ReceivedAlert(err); ok {
		o.Alert = a
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		o.Kind = OutcomeRefused
	case errors.Is(err, syscall.ECONNRESET):
		o.Kind = OutcomeReset
	}
	return o
}

// Classify turns the error a conversation ended with into its outcome kind.
// A nil error is a completed conversation.
func Classify(err error) OutcomeKind {
	if err == nil {
		return OutcomeCompleted
	}
	var ae *AlertError
	if errors.As(err, &ae) && ae.Received {
		return OutcomeAlert
	}
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return OutcomeTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return OutcomeTimeout
	}
	// io.ErrClosedPipe: net.Pipe's word for a peer that closed.
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return OutcomeClosed
	}
	return OutcomeError
}

// ReceivedAlert returns the alert the peer sent, if err carries one.
func ReceivedAlert(err error) (wire.Alert, bool) {
	var ae *AlertError
	if errors.As(err, &ae) && ae.Received {
		return ae.Alert, true
	}
	return wire.Alert{}, false
}
