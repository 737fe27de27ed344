package peers

import (
	"errors"
	"fmt"
	"io"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Version negotiation helpers (RFC 8446 §4.2.1, RFC 5246 Appendix E): a
// step that reads the target's answer to a ClientHello without judging
// it, the SSL 2.0 CLIENT-HELLO of RFC 5246 Appendix E.2, and the reference
// server's look at the first record before it parses anything.

// ReadServerHello reads the target's answer to the ClientHello and keeps a
// ServerHello as it is (cv.ServerHello()), without the client's own checks
// and without processing it: a check that judges the ServerHello itself
// (which version, which suite, which random) ends its script here. An alert
// ends the conversation as an alert; anything else is a ProtocolError.
// Silence is pushed (see Outcome.Pushed): the target may be waiting for
// bytes the client's first record promised.
func ReadServerHello() Step {
	return step(StepServerHello, func(cv *Conversation) error {
		hs := cv.hs
		var m wire.Message
		var raw []byte
		err := cv.pushing(func() (err error) {
			m, raw, err = hs.c.readHandshake(false)
			return err
		})
		if err != nil {
			return err
		}
		sh, ok := m.(*wire.ServerHello)
		if !ok {
			return protoErr(wire.AlertUnexpectedMessage, "got %s, want ServerHello", m.Type())
		}
		hs.c.transcript.Add(raw)
		hs.server = sh
		return nil
	})
}

// IsSSLv2Hello reports whether b starts with an SSL 2.0 CLIENT-HELLO
// record: a 2-byte header with the high bit set, then msg_type 1.
func IsSSLv2Hello(b []byte) bool { return len(b) >= 3 && b[0]&0x80 != 0 && b[2] == 1 }

// firstRecord shows the server's plan the first bytes of the connection
// (up to a record header) before the ClientHello is parsed. A peer that
// closes or stays silent before three bytes arrive is left to the
// ClientHello read to report.
func (st *ServerState) firstRecord() error {
	c := st.Conn
	if err := c.nc.SetReadDeadline(c.deadline()); err != nil {
		return fmt.Errorf("peers: set read deadline: %w", err)
	}
	hdr, err := c.br.Peek(wire.RecordHeaderLen)
	if len(hdr) < 3 {
		if len(hdr) == 0 && err != nil {
			return err
		}
		return nil
	}
	return st.srv.plan.FirstRecord(st, hdr)
}

// validateFirstRecord is the correct look at the first record: an SSL 2.0
// CLIENT-HELLO is refused (RFC 8446 Appendix D.5: NOT RECOMMENDED, and
// never for TLS 1.3), and so is a record-layer version whose major is not
// 3 (Appendix D.5: records below 0x0300 SHOULD NOT be accepted). Any
// {03,xx} goes on (RFC 5246 Appendix E.1); an unknown content type is left
// to the record layer, which answers unexpected_message.
func validateFirstRecord(_ *ServerState, hdr []byte) error {
	switch {
	case IsSSLv2Hello(hdr):
		return protoErr(wire.AlertProtocolVersion, "SSL 2.0 compatible CLIENT-HELLO (RFC 8446 Appendix D.5)")
	case !KnownContentType(wire.ContentType(hdr[0])):
		return nil
	case hdr[1] != 3:
		return protoErr(wire.AlertProtocolVersion, "first record has version {%02x,%02x}, not {03,xx} (RFC 5246 Appendix E.1, RFC 8446 Appendix D.5)", hdr[1], hdr[2])
	}
	return nil
}

// ReadSSLv2Record consumes one SSL 2.0 record with a 2-byte header (for
// misbehaviours that answer it).
func (c *Conn) ReadSSLv2Record() ([]byte, error) {
	hdr, err := c.br.Peek(2)
	if err != nil {
		return nil, fmt.Errorf("peers: SSL 2.0 header: %w", err)
	}
	n := int(hdr[0]&0x7f)<<8 | int(hdr[1])
	rec := make([]byte, 2+n)
	if _, err := io.ReadFull(c.br, rec); err != nil {
		return nil, fmt.Errorf("peers: SSL 2.0 record: %w", err)
	}
	return rec, nil
}

// ErrMisbehaved ends a misbehaving server handshake without an alert.
var ErrMisbehaved = errors.New("peers: misbehaviour ended the handshake")
