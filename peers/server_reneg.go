package peers

import (
	"bytes"
	"slices"

	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Secure renegotiation (RFC 5746) on the reference server's side: a
// ClientHello that arrives after a TLS 1.0-1.2 handshake completed starts
// a new handshake under the current keys, when ServerPlan.Renegotiation
// allows it (RFC 5746 §3.7). In TLS 1.3 a ClientHello after the handshake
// stays unexpected_message (RFC 8446 §4.1.2).

// renegotiation is the correct decision on a renegotiating ClientHello
// (RFC 5746 §3.7, and §4.4 for a connection without secure
// renegotiation, which the reference server refuses): "abort the
// handshake" is a fatal handshake_failure (RFC 5746 §3.3).
func renegotiation(st *ServerState, ch *wire.ClientHello) error {
	if !st.secureReneg {
		return protoErr(wire.AlertHandshakeFailure, "renegotiation on a connection that did not negotiate secure renegotiation (RFC 5746 §4.4)")
	}
	if slices.Contains(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV) {
		return protoErr(wire.AlertHandshakeFailure, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV in a renegotiating ClientHello (RFC 5746 §3.7)")
	}
	e, ok := wire.FindExtension(ch.Extensions, wire.ExtRenegotiationInfo)
	if !ok {
		return protoErr(wire.AlertHandshakeFailure, "renegotiating ClientHello without renegotiation_info (RFC 5746 §3.7)")
	}
	rc, err := wire.ParseRenegotiationInfo(e.Body)
	if err != nil {
		return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "renegotiation_info", Err: err}
	}
	if !bytes.Equal(rc, st.ClientVerifyData) {
		return protoErr(wire.AlertHandshakeFailure, "renegotiated_connection %x, want the client_verify_data %x (RFC 5746 §3.7)", rc, st.ClientVerifyData)
	}
	return nil
}

// postHandshake handles a handshake message that arrives after the
// handshake: a ClientHello on a TLS 1.0-1.2 connection is a
// renegotiation; anything else is unexpected_message.
func (st *ServerState) postHandshake(c *Conn, m wire.Message, raw []byte) error {
	ch, ok := m.(*wire.ClientHello)
	if !ok || c.version == wire.VersionTLS13 || c.version == 0 {
		return protoErr(wire.AlertUnexpectedMessage, "unexpected %s after the handshake", m.Type())
	}
	if err := st.srv.plan.Renegotiation(st, ch); err != nil {
		return err
	}
	// Each renegotiation is a full handshake's work: a client that asks
	// for them without end costs a bounded amount.
	if st.renegotiations++; st.renegotiations > MaxRenegotiations {
		return protoErr(wire.AlertHandshakeFailure, "more than %d renegotiations on one connection", MaxRenegotiations)
	}
	return st.renegotiate(ch, raw)
}

// MaxRenegotiations bounds the renegotiations the reference server does
// on one connection.
const MaxRenegotiations = 8

// renegotiate runs a new TLS 1.0-1.2 handshake for ch under the current
// keys (RFC 5246 §7.4.1.2: a ClientHello "in response to a HelloRequest
// or on its own initiative in order to renegotiate the security
// parameters in an existing connection").
func (st *ServerState) renegotiate(ch *wire.ClientHello, raw []byte) error {
	c := st.Conn
	st.Renegotiating = true
	c.transcript = keys.NewTranscript()
	st.preHello = c.transcript.Clone()
	c.transcript.Add(raw)
	st.Hello, st.HelloRaw = ch, raw
	if len(ch.Random) == 32 {
		st.clientRandom = ch.Random
	}
	st.EMS, st.sentCCS, c.resumed = false, false, false
	if err := st.srv.plan.ValidateClientHello(st, ch, raw); err != nil {
		return err
	}
	v, err := st.srv.plan.ChooseVersion(st)
	if err != nil {
		return err
	}
	if v != c.version {
		return protoErr(wire.AlertProtocolVersion, "renegotiation would change the version from %s to %s", c.version, v)
	}
	return c.runHandshake(st.run12)
}

// renegotiationInfo12 is the renegotiation_info the ServerHello answers
// with (RFC 5746 §3.6, §3.7), and whether it carries one; on an initial
// handshake it also checks the client's and sets the connection's
// secure_renegotiation flag.
func (st *ServerState) renegotiationInfo12() (wire.Extension, bool, error) {
	ch := st.Hello
	if st.Renegotiating {
		if !st.secureReneg {
			return wire.Extension{}, false, nil
		}
		return wire.RenegotiationInfoExt(slices.Concat(st.ClientVerifyData, st.ServerVerifyData)), true, nil
	}
	secure := slices.Contains(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
	if e, ok := wire.FindExtension(ch.Extensions, wire.ExtRenegotiationInfo); ok {
		rd, err := wire.ParseRenegotiationInfo(e.Body)
		if err != nil {
			return wire.Extension{}, false, &ProtocolError{Alert: wire.AlertDecodeError, Reason: "renegotiation_info", Err: err}
		}
		if len(rd) != 0 {
			return wire.Extension{}, false, protoErr(wire.AlertHandshakeFailure, "renegotiation_info not empty on an initial handshake (RFC 5746 §3.6)")
		}
		secure = true
	}
	st.secureReneg = secure
	return wire.RenegotiationInfoExt(nil), secure, nil
}
