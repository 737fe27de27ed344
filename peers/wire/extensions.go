package wire

import (
	"bytes"
	"fmt"
)

// Extension is one entry of an extensions block (RFC 8446 §4.2): type and
// opaque body. Messages keep bodies opaque; the typed constructors and
// parsers below build and read the bodies of the extensions the suite uses.
type Extension struct {
	Type ExtensionType
	Body []byte
}

// FindExtension returns the first extension of type t.
func FindExtension(exts []Extension, t ExtensionType) (Extension, bool) {
	for _, e := range exts {
		if e.Type == t {
			return e, true
		}
	}
	return Extension{}, false
}

// CountExtension returns how many extensions of type t there are (a
// duplicate is the sender's choice, the codec keeps them all).
func CountExtension(exts []Extension, t ExtensionType) int {
	n := 0
	for _, e := range exts {
		if e.Type == t {
			n++
		}
	}
	return n
}

// extSite is the message an extensions block belongs to: it decides which
// form of a typed body (client, server, HelloRetryRequest) the layout uses.
type extSite uint8

const (
	siteClientHello extSite = iota
	siteServerHello
	siteHelloRetryRequest
	siteEncryptedExtensions
	siteCertificateRequest
	siteNewSessionTicket
	siteCertificateEntry
)

// writeExtensions writes a vector of extensions (RFC 8446 §4.2). In a layout
// builder, bodies of known types are written field by field when they parse.
func writeExtensions(b *builder, exts []Extension, site extSite) {
	b.vec("extensions", 2, func() {
		for i, e := range exts {
			b.scope(idx("extensions", i), func() {
				b.u16("type", uint16(e.Type))
				b.vecNamed("length", "body", 2, func() { writeExtBody(b, e, site) })
			})
		}
	})
}

func writeExtBody(b *builder, e Extension, site extSite) {
	if !b.typed || b.lay == nil {
		b.buf = append(b.buf, e.Body...)
		return
	}
	c, ok := typedBody(site, e.Type)
	if ok {
		start, nf, oldErr := len(b.buf), len(*b.lay), b.err
		parsed := false
		b.scope(c.name, func() { parsed = c.write(b, e.Body) })
		if parsed && b.err == oldErr && bytes.Equal(b.buf[start:], e.Body) {
			return
		}
		// Not this extension's format: keep the body as one opaque field.
		b.buf, *b.lay, b.err = b.buf[:start], (*b.lay)[:nf], oldErr
	}
	b.buf = append(b.buf, e.Body...)
}

// parseExtensions reads an extensions vector; nil when it is empty.
func parseExtensions(r *reader) []Extension {
	return parseExtensionsNamed(r, "extensions")
}

// parseExtensionsNamed is parseExtensions for a block whose errors need a
// longer name, like "certificate_list[1].extensions".
func parseExtensionsNamed(r *reader, name string) []Extension {
	l := r.sub(name, 2)
	var out []Extension
	for i := 0; l.ok() && !l.empty(); i++ {
		f := idx(name, i)
		t := ExtensionType(l.u16(f + ".type"))
		body := l.subNamed(f+".length", f+".body", 2).rest()
		out = append(out, Extension{Type: t, Body: body})
	}
	return out
}

// bodyCodec writes a typed extension body for the layout: it parses body and
// writes the parsed value back field by field, reporting whether it parsed.
type bodyCodec struct {
	name  string // path element, e.g. "key_share"
	write func(b *builder, body []byte) bool
}

func typedBody(site extSite, t ExtensionType) (bodyCodec, bool) {
	switch t {
	case ExtServerName: // RFC 6066 §3
		return bodyCodec{"server_name", func(b *builder, body []byte) bool {
			v, err := ParseServerName(body)
			if err == nil {
				writeServerNames(b, v)
			}
			return err == nil
		}}, true
	case ExtSupportedGroups: // RFC 8446 §4.2.7
		return u16Codec("supported_groups", "named_group_list", 2, ParseSupportedGroups), true
	case ExtSignatureAlgorithms: // RFC 8446 §4.2.3
		return u16Codec("signature_algorithms", "supported_signature_algorithms", 2, ParseSignatureAlgorithms), true
	case ExtSignatureAlgorithmsCert: // RFC 8446 §4.2.3
		return u16Codec("signature_algorithms_cert", "supported_signature_algorithms", 2, ParseSignatureAlgorithms), true
	case ExtECPointFormats: // RFC 8422 §5.1.2
		return bodyCodec{"ec_point_formats", func(b *builder, body []byte) bool {
			v, err := ParseECPointFormats(body)
			if err == nil {
				b.vecBytes("ec_point_format_list", 1, v)
			}
			return err == nil
		}}, true
	case ExtALPN: // RFC 7301 §3.1
		return bodyCodec{"alpn", func(b *builder, body []byte) bool {
			v, err := ParseALPN(body)
			if err == nil {
				writeALPN(b, v)
			}
			return err == nil
		}}, true
	case ExtSupportedVersions: // RFC 8446 §4.2.1: a list from clients, one version from servers
		if site == siteClientHello {
			return u16Codec("supported_versions", "versions", 1, ParseSupportedVersionsClient), true
		}
		return bodyCodec{"supported_versions", func(b *builder, body []byte) bool {
			v, err := ParseSupportedVersionsServer(body)
			if err == nil {
				b.u16("selected_version", uint16(v))
			}
			return err == nil
		}}, true
	case ExtKeyShare: // RFC 8446 §4.2.8: client_shares, server_share, or HRR selected_group
		switch site {
		case siteClientHello:
			return bodyCodec{"key_share", func(b *builder, body []byte) bool {
				v, err := ParseKeyShareClient(body)
				if err == nil {
					writeKeyShares(b, v)
				}
				return err == nil
			}}, true
		case siteHelloRetryRequest:
			return bodyCodec{"key_share", func(b *builder, body []byte) bool {
				v, err := ParseKeyShareHRR(body)
				if err == nil {
					b.u16("selected_group", uint16(v))
				}
				return err == nil
			}}, true
		}
		return bodyCodec{"key_share", func(b *builder, body []byte) bool {
			v, err := ParseKeyShareServer(body)
			if err == nil {
				b.scope("server_share", func() { writeKeyShareEntry(b, v) })
			}
			return err == nil
		}}, true
	case ExtPSKKeyExchangeModes: // RFC 8446 §4.2.9
		return bodyCodec{"psk_key_exchange_modes", func(b *builder, body []byte) bool {
			v, err := ParsePSKKeyExchangeModes(body)
			if err == nil {
				b.vecBytes("ke_modes", 1, v)
			}
			return err == nil
		}}, true
	case ExtPreSharedKey: // RFC 8446 §4.2.11: OfferedPsks from clients, selected_identity from servers
		if site == siteClientHello {
			return bodyCodec{"pre_shared_key", func(b *builder, body []byte) bool {
				v, err := ParsePreSharedKeyClient(body)
				if err == nil {
					v.writeTo(b)
				}
				return err == nil
			}}, true
		}
		return bodyCodec{"pre_shared_key", func(b *builder, body []byte) bool {
			v, err := ParsePreSharedKeyServer(body)
			if err == nil {
				b.u16("selected_identity", v)
			}
			return err == nil
		}}, true
	case ExtCookie: // RFC 8446 §4.2.2
		return bodyCodec{"cookie", func(b *builder, body []byte) bool {
			v, err := ParseCookie(body)
			if err == nil {
				b.vecBytes("cookie", 2, v)
			}
			return err == nil
		}}, true
	case ExtRenegotiationInfo: // RFC 5746 §3.2
		return bodyCodec{"renegotiation_info", func(b *builder, body []byte) bool {
			v, err := ParseRenegotiationInfo(body)
			if err == nil {
				b.vecBytes("renegotiated_connection", 1, v)
			}
			return err == nil
		}}, true
	case ExtEarlyData: // RFC 8446 §4.2.10: max_early_data_size in NewSessionTicket, empty elsewhere
		if site == siteNewSessionTicket {
			return bodyCodec{"early_data", func(b *builder, body []byte) bool {
				v, err := ParseEarlyDataNST(body)
				if err == nil {
					b.u32("max_early_data_size", v)
				}
				return err == nil
			}}, true
		}
	}
	return bodyCodec{}, false
}

// u16Codec is the layout codec of a body that is one vector of 16-bit values.
func u16Codec[T ~uint16](name, list string, lenBytes int, parse func([]byte) ([]T, error)) bodyCodec {
	return bodyCodec{name, func(b *builder, body []byte) bool {
		v, err := parse(body)
		if err == nil {
			writeU16s(b, list, lenBytes, v)
		}
		return err == nil
	}}
}

func writeU16s[T ~uint16](b *builder, name string, lenBytes int, vs []T) {
	b.vec(name, lenBytes, func() {
		for i, v := range vs {
			b.u16(idx(name, i), uint16(v))
		}
	})
}

// extParser starts a typed extension parser: errors name "extension <type>"
// and offsets count from the start of the body.
func extParser(t ExtensionType, body []byte) *reader {
	return newReader("extension "+t.String(), body, 0)
}

// finish checks that r used all of the body and returns its error.
func finish(r *reader) error {
	r.done("")
	return r.error()
}

// --- server_name, RFC 6066 §3 ---

// ServerName is one entry of a ServerNameList. NameType 0 is host_name;
// every type is read with a 2-byte length, as all deployed stacks do.
type ServerName struct {
	NameType uint8
	Name     []byte
}

// ServerNameExt is a server_name extension naming one host_name (RFC 6066 §3).
func ServerNameExt(host string) Extension {
	return ServerNameListExt(ServerName{NameType: 0, Name: []byte(host)})
}

// ServerNameListExt is a server_name extension with the given entries, in
// order (an empty list is the zero-length vector, not the server's empty
// body: that is Extension{Type: ExtServerName}).
func ServerNameListExt(names ...ServerName) Extension {
	return Extension{Type: ExtServerName, Body: build("ServerNameListExt", func(b *builder) { writeServerNames(b, names) })}
}

func writeServerNames(b *builder, names []ServerName) {
	b.vec("server_name_list", 2, func() {
		for i, n := range names {
			b.scope(idx("server_name_list", i), func() {
				b.u8("name_type", n.NameType)
				b.vecBytes("host_name", 2, n.Name)
			})
		}
	})
}

// ParseServerName reads a ServerNameList. The empty body a server echoes
// (RFC 6066 §3) returns nil, nil.
func ParseServerName(body []byte) ([]ServerName, error) {
	if len(body) == 0 {
		return nil, nil
	}
	r := extParser(ExtServerName, body)
	l := r.sub("server_name_list", 2)
	var out []ServerName
	for i := 0; l.ok() && !l.empty(); i++ {
		f := idx("server_name_list", i)
		t := l.u8(f + ".name_type")
		name := l.vec(f+".host_name", 2)
		out = append(out, ServerName{NameType: t, Name: name})
	}
	if err := finish(r); err != nil {
		return nil, err
	}
	return out, nil
}

// --- supported_groups, RFC 8446 §4.2.7 (RFC 8422 §5.1.1) ---

// SupportedGroupsExt is a supported_groups extension.
func SupportedGroupsExt(groups ...Group) Extension {
	return Extension{Type: ExtSupportedGroups, Body: build("SupportedGroupsExt", func(b *builder) {
		writeU16s(b, "named_group_list", 2, groups)
	})}
}

// ParseSupportedGroups reads a NamedGroupList.
func ParseSupportedGroups(body []byte) ([]Group, error) {
	r := extParser(ExtSupportedGroups, body)
	v := u16List[Group](r, "named_group_list", 2)
	if err := finish(r); err != nil {
		return nil, err
	}
	return v, nil
}

// --- ec_point_formats, RFC 8422 §5.1.2 ---

// ECPointFormatsExt is an ec_point_formats extension (uncompressed = 0).
func ECPointFormatsExt(formats ...uint8) Extension {
	return Extension{Type: ExtECPointFormats, Body: build("ECPointFormatsExt", func(b *builder) {
		b.vecBytes("ec_point_format_list", 1, formats)
	})}
}

// ParseECPointFormats reads an ECPointFormatList.
func ParseECPointFormats(body []byte) ([]uint8, error) {
	r := extParser(ExtECPointFormats, body)
	v := u8List(r, "ec_point_format_list", 1)
	if err := finish(r); err != nil {
		return nil, err
	}
	return v, nil
}

// --- signature_algorithms(_cert), RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1 ---

// SignatureAlgorithmsExt is a signature_algorithms extension.
func SignatureAlgorithmsExt(s ...SignatureScheme) Extension {
	return Extension{Type: ExtSignatureAlgorithms, Body: build("SignatureAlgorithmsExt", func(b *builder) {
		writeU16s(b, "supported_signature_algorithms", 2, s)
	})}
}

// SignatureAlgorithmsCertExt is a signature_algorithms_cert extension; the
// body has the same form as signature_algorithms.
func SignatureAlgorithmsCertExt(s ...SignatureScheme) Extension {
	e := SignatureAlgorithmsExt(s...)
	e.Type = ExtSignatureAlgorithmsCert
	return e
}

// ParseSignatureAlgorithms reads a SignatureSchemeList (either extension;
// errors name "extension signature_algorithms").
func ParseSignatureAlgorithms(body []byte) ([]SignatureScheme, error) {
	r := extParser(ExtSignatureAlgorithms, body)
	v := u16List[SignatureScheme](r, "supported_signature_algorithms", 2)
	if err := finish(r); err != nil {
		return nil, err
	}
	return v, nil
}

// --- application_layer_protocol_negotiation, RFC 7301 §3.1 ---

// ALPNExt is an ALPN extension listing protos in order. It panics if a
// protocol name is longer than 255 bytes.
func ALPNExt(protos ...string) Extension {
	return Extension{Type: ExtALPN, Body: build("ALPNExt", func(b *builder) { writeALPN(b, protos) })}
}

func writeALPN(b *builder, protos []string) {
	b.vec("protocol_name_list", 2, func() {
		for i, p := range protos {
			b.vec(idx("protocol_name_list", i), 1, func() { b.buf = append(b.buf, p...) })
		}
	})
}

// ParseALPN reads a ProtocolNameList.
func ParseALPN(body []byte) ([]string, error) {
	r := extParser(ExtALPN, body)
	l := r.sub("protocol_name_list", 2)
	var out []string
	for i := 0; l.ok() && !l.empty(); i++ {
		p := l.vec(idx("protocol_name_list", i), 1)
		out = append(out, string(p))
	}
	if err := finish(r); err != nil {
		return nil, err
	}
	return out, nil
}

// --- supported_versions, RFC 8446 §4.2.1 ---

// SupportedVersionsClientExt is the ClientHello form: versions<2..254>.
func SupportedVersionsClientExt(vs ...Version) Extension {
	return Extension{Type: ExtSupportedVersions, Body: build("SupportedVersionsClientExt", func(b *builder) {
		writeU16s(b, "versions", 1, vs)
	})}
}

// ParseSupportedVersionsClient reads the ClientHello form.
func ParseSupportedVersionsClient(body []byte) ([]Version, error) {
	r := extParser(ExtSupportedVersions, body)
	v := u16List[Version](r, "versions", 1)
	if err := finish(r); err != nil {
		return nil, err
	}
	return v, nil
}

// SupportedVersionsServerExt is the ServerHello/HelloRetryRequest form: one
// selected_version.
func SupportedVersionsServerExt(v Version) Extension {
	return Extension{Type: ExtSupportedVersions, Body: []byte{byte(v >> 8), byte(v)}}
}

// ParseSupportedVersionsServer reads the ServerHello form.
func ParseSupportedVersionsServer(body []byte) (Version, error) {
	r := extParser(ExtSupportedVersions, body)
	v := Version(r.u16("selected_version"))
	if err := finish(r); err != nil {
		return 0, err
	}
	return v, nil
}

// --- key_share, RFC 8446 §4.2.8 ---

// KeyShareEntry is one (group, key_exchange) pair.
type KeyShareEntry struct {
	Group       Group
	KeyExchange []byte
}

// KeyShareClientExt is the ClientHello form: client_shares<0..2^16-1>.
func KeyShareClientExt(entries ...KeyShareEntry) Extension {
	return Extension{Type: ExtKeyShare, Body: build("KeyShareClientExt", func(b *builder) { writeKeyShares(b, entries) })}
}

func writeKeyShares(b *builder, entries []KeyShareEntry) {
	b.vec("client_shares", 2, func() {
		for i, e := range entries {
			b.scope(idx("client_shares", i), func() { writeKeyShareEntry(b, e) })
		}
	})
}

func writeKeyShareEntry(b *builder, e KeyShareEntry) {
	b.u16("group", uint16(e.Group))
	b.vecBytes("key_exchange", 2, e.KeyExchange)
}

func readKeyShareEntry(r *reader, f string) KeyShareEntry {
	g := Group(r.u16(f + ".group"))
	return KeyShareEntry{Group: g, KeyExchange: r.vec(f+".key_exchange", 2)}
}

// ParseKeyShareClient reads the ClientHello form.
func ParseKeyShareClient(body []byte) ([]KeyShareEntry, error) {
	r := extParser(ExtKeyShare, body)
	l := r.sub("client_shares", 2)
	var out []KeyShareEntry
	for i := 0; l.ok() && !l.empty(); i++ {
		out = append(out, readKeyShareEntry(l, idx("client_shares", i)))
	}
	if err := finish(r); err != nil {
		return nil, err
	}
	return out, nil
}

// KeyShareServerExt is the ServerHello form: one server_share.
func KeyShareServerExt(e KeyShareEntry) Extension {
	return Extension{Type: ExtKeyShare, Body: build("KeyShareServerExt", func(b *builder) { writeKeyShareEntry(b, e) })}
}

// ParseKeyShareServer reads the ServerHello form.
func ParseKeyShareServer(body []byte) (KeyShareEntry, error) {
	r := extParser(ExtKeyShare, body)
	e := readKeyShareEntry(r, "server_share")
	if err := finish(r); err != nil {
		return KeyShareEntry{}, err
	}
	return e, nil
}

// KeyShareHRRExt is the HelloRetryRequest form: selected_group.
func KeyShareHRRExt(g Group) Extension {
	return Extension{Type: ExtKeyShare, Body: []byte{byte(g >> 8), byte(g)}}
}

// ParseKeyShareHRR reads the HelloRetryRequest form.
func ParseKeyShareHRR(body []byte) (Group, error) {
	r := extParser(ExtKeyShare, body)
	g := Group(r.u16("selected_group"))
	if err := finish(r); err != nil {
		return 0, err
	}
	return g, nil
}

// --- empty-bodied extensions ---

// ExtendedMasterSecretExt is extended_master_secret, empty (RFC 7627 §5.1).
func ExtendedMasterSecretExt() Extension { return Extension{Type: ExtExtendedMasterSecret} }

// EncryptThenMACExt is encrypt_then_mac, empty (RFC 7366 §2).
func EncryptThenMACExt() Extension { return Extension{Type: ExtEncryptThenMAC} }

// EarlyDataExt is the empty early_data of ClientHello and
// EncryptedExtensions (RFC 8446 §4.2.10).
func EarlyDataExt() Extension { return Extension{Type: ExtEarlyData} }

// --- renegotiation_info, RFC 5746 §3.2 ---

// RenegotiationInfoExt carries renegotiated_connection<0..255>: empty on an
// initial handshake.
func RenegotiationInfoExt(verifyData []byte) Extension {
	return Extension{Type: ExtRenegotiationInfo, Body: build("RenegotiationInfoExt", func(b *builder) {
		b.vecBytes("renegotiated_connection", 1, verifyData)
	})}
}

// ParseRenegotiationInfo returns renegotiated_connection (nil when empty).
func ParseRenegotiationInfo(body []byte) ([]byte, error) {
	r := extParser(ExtRenegotiationInfo, body)
	v := r.vec("renegotiated_connection", 1)
	if err := finish(r); err != nil {
		return nil, err
	}
	return v, nil
}

// --- session_ticket, RFC 5077 §3.2 ---

// SessionTicketExt carries a ticket as the whole body; empty asks for one.
func SessionTicketExt(ticket []byte) Extension {
	return Extension{Type: ExtSessionTicket, Body: clone(ticket)}
}

// --- pre_shared_key, RFC 8446 §4.2.11 ---

// PSKIdentity is one offered identity.
type PSKIdentity struct {
	Identity            []byte
	ObfuscatedTicketAge uint32
}

// PreSharedKeyClient is the ClientHello form (OfferedPsks).
type PreSharedKeyClient struct {
	Identities []PSKIdentity
	Binders    [][]byte
}

// Extension marshals p. It panics if a vector overflows its length prefix.
func (p PreSharedKeyClient) Extension() Extension {
	return Extension{Type: ExtPreSharedKey, Body: build("PreSharedKeyClient", p.writeTo)}
}

func (p PreSharedKeyClient) writeTo(b *builder) {
	b.vec("identities", 2, func() {
		for i, id := range p.Identities {
			b.scope(idx("identities", i), func() {
				b.vecBytes("identity", 2, id.Identity)
				b.u32("obfuscated_ticket_age", id.ObfuscatedTicketAge)
			})
		}
	})
	b.vec("binders", 2, func() {
		for i, bd := range p.Binders {
			b.vecBytes(idx("binders", i), 1, bd)
		}
	})
}

// BindersLen is the size of the binders vector, its 2-byte length included:
// what to cut from the end of a marshalled ClientHello whose last extension
// is this one to get the partial ClientHello the binders sign
// (RFC 8446 §4.2.11.2).
func (p PreSharedKeyClient) BindersLen() int {
	n := 2
	for _, bd := range p.Binders {
		n += 1 + len(bd)
	}
	return n
}

// ParsePreSharedKeyClient reads the ClientHello form.
func ParsePreSharedKeyClient(body []byte) (PreSharedKeyClient, error) {
	r := extParser(ExtPreSharedKey, body)
	var p PreSharedKeyClient
	ids := r.sub("identities", 2)
	for i := 0; ids.ok() && !ids.empty(); i++ {
		f := idx("identities", i)
		id := ids.vec(f+".identity", 2)
		age := ids.u32(f + ".obfuscated_ticket_age")
		p.Identities = append(p.Identities, PSKIdentity{Identity: id, ObfuscatedTicketAge: age})
	}
	bs := r.sub("binders", 2)
	for i := 0; bs.ok() && !bs.empty(); i++ {
		p.Binders = append(p.Binders, bs.vec(idx("binders", i), 1))
	}
	if err := finish(r); err != nil {
		return PreSharedKeyClient{}, err
	}
	return p, nil
}

// PreSharedKeyServerExt is the ServerHello form: selected_identity.
func PreSharedKeyServerExt(selected uint16) Extension {
	return Extension{Type: ExtPreSharedKey, Body: []byte{byte(selected >> 8), byte(selected)}}
}

// ParsePreSharedKeyServer reads the ServerHello form.
func ParsePreSharedKeyServer(body []byte) (uint16, error) {
	r := extParser(ExtPreSharedKey, body)
	v := r.u16("selected_identity")
	if err := finish(r); err != nil {
		return 0, err
	}
	return v, nil
}

// --- psk_key_exchange_modes, RFC 8446 §4.2.9 ---

// PSK key exchange modes.
const (
	PSKModeKE    uint8 = 0 // psk_ke
	PSKModeDHEKE uint8 = 1 // psk_dhe_ke
)

// PSKKeyExchangeModesExt carries ke_modes<1..255>.
func PSKKeyExchangeModesExt(modes ...uint8) Extension {
	return Extension{Type: ExtPSKKeyExchangeModes, Body: build("PSKKeyExchangeModesExt", func(b *builder) {
		b.vecBytes("ke_modes", 1, modes)
	})}
}

// ParsePSKKeyExchangeModes reads ke_modes.
func ParsePSKKeyExchangeModes(body []byte) ([]uint8, error) {
	r := extParser(ExtPSKKeyExchangeModes, body)
	v := u8List(r, "ke_modes", 1)
	if err := finish(r); err != nil {
		return nil, err
	}
	return v, nil
}

// --- cookie, RFC 8446 §4.2.2 ---

// CookieExt carries cookie<1..2^16-1>.
func CookieExt(cookie []byte) Extension {
	return Extension{Type: ExtCookie, Body: build("CookieExt", func(b *builder) { b.vecBytes("cookie", 2, cookie) })}
}

// ParseCookie returns the cookie.
func ParseCookie(body []byte) ([]byte, error) {
	r := extParser(ExtCookie, body)
	v := r.vec("cookie", 2)
	if err := finish(r); err != nil {
		return nil, err
	}
	return v, nil
}

// --- early_data in NewSessionTicket, RFC 8446 §4.2.10 ---

// EarlyDataNSTExt carries max_early_data_size.
func EarlyDataNSTExt(maxEarlyData uint32) Extension {
	return Extension{Type: ExtEarlyData, Body: []byte{byte(maxEarlyData >> 24), byte(maxEarlyData >> 16), byte(maxEarlyData >> 8), byte(maxEarlyData)}}
}

// ParseEarlyDataNST reads max_early_data_size.
func ParseEarlyDataNST(body []byte) (uint32, error) {
	r := extParser(ExtEarlyData, body)
	v := r.u32("max_early_data_size")
	if err := finish(r); err != nil {
		return 0, err
	}
	return v, nil
}

// --- padding, RFC 7685 §3 ---

// PaddingExt is a padding extension of n zero bytes (n < 0 counts as 0).
func PaddingExt(n int) Extension {
	if n <= 0 {
		return Extension{Type: ExtPadding}
	}
	return Extension{Type: ExtPadding, Body: make([]byte, n)}
}

// --- status_request, RFC 6066 §8 ---

// StatusRequestExt asks for OCSP stapling: status_type ocsp(1), empty
// responder_id_list, empty request_extensions.
func StatusRequestExt() Extension {
	return Extension{Type: ExtStatusRequest, Body: []byte{1, 0, 0, 0, 0}}
}

// --- GREASE, RFC 8701 §3 ---

// GREASEExt is an extension of type GREASE(i) with the given body.
func GREASEExt(i int, body []byte) Extension {
	return Extension{Type: ExtensionType(GREASE(i)), Body: clone(body)}
}

// String is for test failures and logs: "key_share(36 bytes)".
func (e Extension) String() string {
	return fmt.Sprintf("%s(%d bytes)", e.Type, len(e.Body))
}
