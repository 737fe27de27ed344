package wire

// ServerKeyExchange carries the server's ephemeral (EC)DH parameters and
// their signature: ServerECDHParams (RFC 8422 §5.4) or ServerDHParams
// (RFC 5246 §7.4.3), then, in TLS 1.2, the SignatureAndHashAlgorithm, then
// the signature<0..2^16-1>.
type ServerKeyExchange struct {
	Form      KeyExchangeForm // KXDHE writes the DHE form; anything else the ECDHE form
	CurveType uint8           // ECDHE: 3 = named_curve (RFC 8422 §5.4)
	Group     Group           // ECDHE: the named curve
	Point     []byte          // ECDHE: public<1..2^8-1>
	P, G, Ys  []byte          // DHE: dh_p, dh_g, dh_Ys, each <1..2^16-1>
	// HasSignatureAlgorithm selects the TLS 1.2 form (RFC 5246 §7.4.1.4.1);
	// parsing sets it when ctx.Version >= TLS 1.2.
	HasSignatureAlgorithm bool
	SignatureAlgorithm    SignatureScheme
	Signature             []byte
}

// CurveTypeNamedCurve is ECCurveType named_curve (RFC 8422 §5.4).
const CurveTypeNamedCurve uint8 = 3

func (m *ServerKeyExchange) Type() HandshakeType { return TypeServerKeyExchange }

func (m *ServerKeyExchange) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *ServerKeyExchange) marshalTo(b *builder) {
	b.handshake(TypeServerKeyExchange, "server_key_exchange", func() {
		b.scope("params", func() { m.writeParams(b) })
		if m.HasSignatureAlgorithm {
			b.u16("signature_algorithm", uint16(m.SignatureAlgorithm))
		}
		b.vecBytes("signature", 2, m.Signature)
	})
}

func (m *ServerKeyExchange) writeParams(b *builder) {
	if m.Form == KXDHE {
		// RFC 5246 §7.4.3 ServerDHParams.
		b.vecBytes("dh_p", 2, m.P)
		b.vecBytes("dh_g", 2, m.G)
		b.vecBytes("dh_Ys", 2, m.Ys)
		return
	}
	// RFC 8422 §5.4 ServerECDHParams: ECParameters then ECPoint.
	b.u8("curve_type", m.CurveType)
	b.u16("named_curve", uint16(m.Group))
	b.vecBytes("public", 1, m.Point)
}

// Params returns the ServerECDHParams or ServerDHParams bytes, the part the
// signature covers after client_random||server_random (RFC 5246 §7.4.3).
// A vector too long for its prefix is written with a wrong length; Marshal
// would report it.
func (m *ServerKeyExchange) Params() []byte {
	b := &builder{msg: "ServerKeyExchange"}
	m.writeParams(b)
	return b.buf
}

// UnmarshalServerKeyExchange parses a ServerKeyExchange, header included.
// ctx.KeyExchange picks ECDHE or DHE; KXUnknown (or KXRSA) guesses ECDHE when
// the first byte is 3 (named_curve), else DHE. ctx.Version >= TLS 1.2 reads
// the signature algorithm.
func UnmarshalServerKeyExchange(data []byte, ctx Context) (*ServerKeyExchange, error) {
	r, err := openHandshake(data, TypeServerKeyExchange)
	if err != nil {
		return nil, err
	}
	form := ctx.KeyExchange
	if form != KXECDHE && form != KXDHE {
		form = KXDHE
		if len(data) > handshakeHeaderLen && data[handshakeHeaderLen] == CurveTypeNamedCurve {
			form = KXECDHE
		}
	}
	m := &ServerKeyExchange{Form: form}
	if form == KXDHE {
		m.P = r.vec("params.dh_p", 2)
		m.G = r.vec("params.dh_g", 2)
		m.Ys = r.vec("params.dh_Ys", 2)
	} else {
		m.CurveType = r.u8("params.curve_type")
		m.Group = Group(r.u16("params.named_curve"))
		m.Point = r.vec("params.public", 1)
	}
	if ctx.Version >= VersionTLS12 {
		m.HasSignatureAlgorithm = true
		m.SignatureAlgorithm = SignatureScheme(r.u16("signature_algorithm"))
	}
	m.Signature = r.vec("signature", 2)
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}
