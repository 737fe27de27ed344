package peers

import "github.com/tlsconform/tlsconform/peers/wire"

// The server's reading of the client's flight: every handshake message
// the server waits for goes through readClient, and whatever arrives in
// its place goes to the plan's Unexpected step (RFC 5246 §7.3, RFC 8446
// §4).

// readClient reads the client's next handshake message where want is
// due. Anything else that arrives first (a ChangeCipherSpec, another
// message, application data) goes to the plan's Unexpected step, which
// drops it or ends the handshake. The message is not added to the
// transcript.
func (st *ServerState) readClient(want wire.HandshakeType) (wire.Message, []byte, error) {
	c := st.Conn
	for {
		it, err := c.ReadItem()
		if err != nil {
			return nil, nil, err
		}
		switch {
		case it.Type == wire.ContentAlert:
			return nil, nil, c.alertErr(it.Alert)
		case it.Type == wire.ContentHandshake && it.Msg.Type() == want:
			return it.Msg, it.Raw, nil
		}
		if err := st.srv.plan.Unexpected(st, want, it); err != nil {
			return nil, nil, err
		}
	}
}

// expectClient is readClient that adds the message to the transcript.
func (st *ServerState) expectClient(want wire.HandshakeType) (wire.Message, []byte, error) {
	m, raw, err := st.readClient(want)
	if err != nil {
		return nil, nil, err
	}
	st.transcript.Add(raw)
	return m, raw, nil
}

// unexpected is the correct answer to what arrives where the handshake
// message want is due. TLS 1.3's compatibility ChangeCipherSpec, a
// plaintext 0x01 after the first ClientHello and before the client's
// Finished, is dropped, as many times as it comes (RFC 8446 §5); any other
// ChangeCipherSpec (another value, a protected one, one before the key
// exchange of TLS 1.0-1.2) and any other message or record is
// unexpected_message (RFC 5246 §7.1, §7.4; RFC 8446 §4, §5).
func unexpected(st *ServerState, want wire.HandshakeType, got Item) error {
	switch got.Type {
	case wire.ContentChangeCipherSpec:
		if st.version == wire.VersionTLS13 {
			switch {
			case got.Protected:
				return protoErr(wire.AlertUnexpectedMessage, "protected ChangeCipherSpec where %s is due (RFC 8446 §5)", want)
			case st.Hello != nil && len(got.Raw) == 1 && got.Raw[0] == 1:
				return nil
			}
		}
		return protoErr(wire.AlertUnexpectedMessage, "ChangeCipherSpec %x where %s is due (RFC 5246 §7.1, RFC 8446 §5)", got.Raw, want)
	case wire.ContentHandshake:
		return protoErr(wire.AlertUnexpectedMessage, "got %s, want %s (RFC 5246 §7.3, RFC 8446 §4)", got.Msg.Type(), want)
	}
	return protoErr(wire.AlertUnexpectedMessage, "%s record where %s is due (RFC 8446 §5)", got.Type, want)
}

// readClientKeyExchange is the correct ClientKeyExchange step: the
// message must come next (RFC 5246 §7.3), and pms computes the pre-master
// secret from it.
func readClientKeyExchange(st *ServerState, pms func(*wire.ClientKeyExchange) ([]byte, error)) ([]byte, error) {
	m, _, err := st.expectClient(wire.TypeClientKeyExchange)
	if err != nil {
		return nil, err
	}
	return pms(m.(*wire.ClientKeyExchange))
}

// Unread hands it back: the next ReadItem returns it (for misbehaviours
// that look ahead).
func (c *Conn) Unread(it Item) { c.pending = &it }

// spansKeyChange is the check before a TLS 1.3 key change: the message
// just read must have ended its record (RFC 8446 §5.1).
func (st *ServerState) spansKeyChange(after wire.HandshakeType) error {
	if n := st.hs.Buffered(); n > 0 {
		return protoErr(wire.AlertUnexpectedMessage, "%d bytes of another handshake message follow the %s in its record, across the key change (RFC 8446 §5.1)", n, after)
	}
	return nil
}
