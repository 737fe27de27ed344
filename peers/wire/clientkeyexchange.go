package wire

// ClientKeyExchange (RFC 5246 §7.4.7). Form decides the length prefix of
// Exchange: KXRSA a 2-byte length (EncryptedPreMasterSecret, TLS 1.0 and
// later, §7.4.7.1), KXECDHE a 1-byte length (ECPoint, RFC 8422 §5.7), KXDHE
// a 2-byte length (ClientDiffieHellmanPublic, §7.4.7.2); KXUnknown (or any
// other value) writes Exchange raw as the whole body.
type ClientKeyExchange struct {
	Form     KeyExchangeForm
	Exchange []byte
}

func (m *ClientKeyExchange) Type() HandshakeType { return TypeClientKeyExchange }

func (m *ClientKeyExchange) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *ClientKeyExchange) marshalTo(b *builder) {
	b.handshake(TypeClientKeyExchange, "client_key_exchange", func() {
		switch m.Form {
		case KXRSA:
			b.vecBytes("encrypted_pre_master_secret", 2, m.Exchange)
		case KXECDHE:
			b.vecBytes("ecdh_Yc", 1, m.Exchange)
		case KXDHE:
			b.vecBytes("dh_Yc", 2, m.Exchange)
		default:
			b.raw("exchange_keys", m.Exchange)
		}
	})
}

// UnmarshalClientKeyExchange parses a ClientKeyExchange, header included,
// in the form ctx.KeyExchange names (KXUnknown or an unknown value: the
// whole body, Form KXUnknown).
func UnmarshalClientKeyExchange(data []byte, ctx Context) (*ClientKeyExchange, error) {
	r, err := openHandshake(data, TypeClientKeyExchange)
	if err != nil {
		return nil, err
	}
	m := &ClientKeyExchange{Form: ctx.KeyExchange}
	switch ctx.KeyExchange {
	case KXRSA:
		m.Exchange = r.vec("encrypted_pre_master_secret", 2)
	case KXECDHE:
		m.Exchange = r.vec("ecdh_Yc", 1)
	case KXDHE:
		m.Exchange = r.vec("dh_Yc", 2)
	default:
		m.Form = KXUnknown
		m.Exchange = r.rest()
	}
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}
