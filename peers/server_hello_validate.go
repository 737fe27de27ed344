package peers

import (
	"errors"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// The reference server's validation of the ClientHello: the message is
// parsed strictly (ServerPlan.ParseClientHello), then every rule that
// holds whatever version is chosen is enforced before anything is chosen
// (ServerPlan.ValidateClientHello): the field ranges, no
// duplicate extension, and the body of every extension the server knows,
// down to the minimum length of each vector (RFC 8446 §3.4: a vector below
// its floor does not decode).

// unmarshal parses a handshake message from the client, the ClientHello
// through the plan.
func (st *ServerState) unmarshal(msg []byte, ctx wire.Context) (wire.Message, error) {
	if len(msg) > 0 && wire.HandshakeType(msg[0]) == wire.TypeClientHello {
		ch, err := st.srv.plan.ParseClientHello(st, msg)
		if err != nil {
			return nil, err
		}
		return ch, nil
	}
	m, err := wire.UnmarshalHandshake(msg, ctx)
	if err != nil && st.Hello == nil {
		// Before the ClientHello any other message is unexpected
		// (RFC 8446 §4, RFC 5246 §7.3), whether or not it would parse.
		return wire.UnmarshalUnknownMessage(msg)
	}
	return m, err
}

// parseClientHello is the strict parse: every field in place, nothing
// after the last (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).
func parseClientHello(_ *ServerState, raw []byte) (*wire.ClientHello, error) {
	return wire.UnmarshalClientHello(raw)
}

// validateClientHello is the correct ValidateClientHello.
func validateClientHello(_ *ServerState, ch *wire.ClientHello, _ []byte) error {
	if err := ValidateHelloFields(ch); err != nil {
		return err
	}
	if len(ch.CompressionMethods) == 0 {
		return protoErr(wire.AlertDecodeError, "no compression methods (compression_methods<1..2^8-1>, RFC 5246 §7.4.1.2)")
	}
	for _, e := range ch.Extensions {
		if err := validateExtensionBody(e); err != nil {
			return err
		}
	}
	return nil
}

// errEmpty says a vector is below its floor.
var errEmpty = errors.New("empty")

// validateExtensionBody parses the body of an extension the server knows, as
// the ClientHello form, with the floor of every vector in it; decode_error
// when it does not parse. Unknown extensions are not looked at (RFC 8446
// §4.2).
func validateExtensionBody(e wire.Extension) error {
	bad := func(rule string, err error) error {
		return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "ClientHello " + e.Type.String() + " (" + rule + ")", Err: err}
	}
	nonEmpty := func(n int, err error) error {
		if err == nil && n == 0 {
			return errEmpty
		}
		return err
	}
	switch e.Type {
	case wire.ExtServerName: // RFC 6066 §3
		if len(e.Body) == 0 {
			return bad("RFC 6066 §3: the client sends a ServerNameList, not the server's empty body", errEmpty)
		}
		names, err := wire.ParseServerName(e.Body)
		if err := nonEmpty(len(names), err); err != nil {
			return bad("RFC 6066 §3: server_name_list<1..2^16-1>", err)
		}
		hosts := 0
		for _, n := range names {
			if len(n.Name) == 0 {
				return bad("RFC 6066 §3: HostName<1..2^16-1>", errEmpty)
			}
			if n.NameType == 0 {
				hosts++
			}
		}
		if hosts > 1 {
			return protoErr(wire.AlertIllegalParameter, "server_name names %d host_names (RFC 6066 §3: no more than one of a type)", hosts)
		}
	case wire.ExtSupportedGroups: // RFC 8446 §4.2.7
		g, err := wire.ParseSupportedGroups(e.Body)
		if err := nonEmpty(len(g), err); err != nil {
			return bad("RFC 8446 §4.2.7: named_group_list<2..2^16-1>", err)
		}
	case wire.ExtSignatureAlgorithms, wire.ExtSignatureAlgorithmsCert: // RFC 8446 §4.2.3
		s, err := wire.ParseSignatureAlgorithms(e.Body)
		if err := nonEmpty(len(s), err); err != nil {
			return bad("RFC 8446 §4.2.3: supported_signature_algorithms<2..2^16-2>", err)
		}
	case wire.ExtECPointFormats: // RFC 8422 §5.1.2
		f, err := wire.ParseECPointFormats(e.Body)
		if err := nonEmpty(len(f), err); err != nil {
			return bad("RFC 8422 §5.1.2: ec_point_format_list<1..2^8-1>", err)
		}
	case wire.ExtALPN: // RFC 7301 §3.1
		protos, err := wire.ParseALPN(e.Body)
		if err := nonEmpty(len(protos), err); err != nil {
			return bad("RFC 7301 §3.1: protocol_name_list<2..2^16-1>", err)
		}
		for _, p := range protos {
			if p == "" {
				return bad("RFC 7301 §3.1: ProtocolName<1..2^8-1>", errEmpty)
			}
		}
	case wire.ExtSupportedVersions: // RFC 8446 §4.2.1
		vs, err := wire.ParseSupportedVersionsClient(e.Body)
		if err := nonEmpty(len(vs), err); err != nil {
			return bad("RFC 8446 §4.2.1: versions<2..254>", err)
		}
	case wire.ExtKeyShare: // RFC 8446 §4.2.8
		shares, err := wire.ParseKeyShareClient(e.Body)
		if err != nil {
			return bad("RFC 8446 §4.2.8", err)
		}
		for _, s := range shares {
			if len(s.KeyExchange) == 0 {
				return bad("RFC 8446 §4.2.8: key_exchange<1..2^16-1>", errEmpty)
			}
		}
	case wire.ExtPSKKeyExchangeModes: // RFC 8446 §4.2.9
		m, err := wire.ParsePSKKeyExchangeModes(e.Body)
		if err := nonEmpty(len(m), err); err != nil {
			return bad("RFC 8446 §4.2.9: ke_modes<1..255>", err)
		}
	case wire.ExtPreSharedKey: // RFC 8446 §4.2.11
		p, err := wire.ParsePreSharedKeyClient(e.Body)
		if err := nonEmpty(min(len(p.Identities), len(p.Binders)), err); err != nil {
			return bad("RFC 8446 §4.2.11: identities<7..2^16-1>, binders<33..2^16-1>", err)
		}
		for i, id := range p.Identities {
			if len(id.Identity) == 0 {
				return bad("RFC 8446 §4.2.11: identity<1..2^16-1>", errEmpty)
			}
			if i < len(p.Binders) && len(p.Binders[i]) < 32 {
				return bad("RFC 8446 §4.2.11: PskBinderEntry<32..255>", errEmpty)
			}
		}
	case wire.ExtCookie: // RFC 8446 §4.2.2
		c, err := wire.ParseCookie(e.Body)
		if err := nonEmpty(len(c), err); err != nil {
			return bad("RFC 8446 §4.2.2: cookie<1..2^16-1>", err)
		}
	case wire.ExtRenegotiationInfo: // RFC 5746 §3.2
		if _, err := wire.ParseRenegotiationInfo(e.Body); err != nil {
			return bad("RFC 5746 §3.2", err)
		}
	case wire.ExtEarlyData: // RFC 8446 §4.2.10: empty in a ClientHello
		if len(e.Body) != 0 {
			return bad("RFC 8446 §4.2.10: empty in a ClientHello", errors.New("a body"))
		}
	}
	return nil
}
