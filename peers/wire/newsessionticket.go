package wire

// NewSessionTicket12 is the TLS 1.2 NewSessionTicket (RFC 5077 §3.3).
type NewSessionTicket12 struct {
	LifetimeHint uint32
	Ticket       []byte // opaque ticket<0..2^16-1>
}

func (m *NewSessionTicket12) Type() HandshakeType { return TypeNewSessionTicket }

func (m *NewSessionTicket12) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *NewSessionTicket12) marshalTo(b *builder) {
	b.handshake(TypeNewSessionTicket, "new_session_ticket", func() {
		b.u32("ticket_lifetime_hint", m.LifetimeHint)
		b.vecBytes("ticket", 2, m.Ticket)
	})
}

// UnmarshalNewSessionTicket12 parses the TLS 1.2 form, header included.
func UnmarshalNewSessionTicket12(data []byte) (*NewSessionTicket12, error) {
	r, err := openHandshake(data, TypeNewSessionTicket)
	if err != nil {
		return nil, err
	}
	m := &NewSessionTicket12{}
	m.LifetimeHint = r.u32("ticket_lifetime_hint")
	m.Ticket = r.vec("ticket", 2)
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}

// NewSessionTicket13 is the TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1).
type NewSessionTicket13 struct {
	Lifetime   uint32 // ticket_lifetime
	AgeAdd     uint32 // ticket_age_add
	Nonce      []byte // ticket_nonce<0..255>
	Ticket     []byte // ticket<1..2^16-1>
	Extensions []Extension
}

func (m *NewSessionTicket13) Type() HandshakeType { return TypeNewSessionTicket }

func (m *NewSessionTicket13) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *NewSessionTicket13) marshalTo(b *builder) {
	b.handshake(TypeNewSessionTicket, "new_session_ticket", func() {
		b.u32("ticket_lifetime", m.Lifetime)
		b.u32("ticket_age_add", m.AgeAdd)
		b.vecBytes("ticket_nonce", 1, m.Nonce)
		b.vecBytes("ticket", 2, m.Ticket)
		writeExtensions(b, m.Extensions, siteNewSessionTicket)
	})
}

// UnmarshalNewSessionTicket13 parses the TLS 1.3 form, header included.
func UnmarshalNewSessionTicket13(data []byte) (*NewSessionTicket13, error) {
	r, err := openHandshake(data, TypeNewSessionTicket)
	if err != nil {
		return nil, err
	}
	m := &NewSessionTicket13{}
	m.Lifetime = r.u32("ticket_lifetime")
	m.AgeAdd = r.u32("ticket_age_add")
	m.Nonce = r.vec("ticket_nonce", 1)
	m.Ticket = r.vec("ticket", 2)
	m.Extensions = parseExtensions(r)
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}
