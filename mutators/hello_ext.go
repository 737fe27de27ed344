package mutators

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Extension families of the ClientHello: duplicate (row 40), missing (row
// 44 and, for the optional ones, 41), reordered and unknown (row 41),
// GREASE (RFC 8701), trailing data inside a body (row 39), and the
// extensions with rules of their own: pre_shared_key last (RFC 8446
// §4.2.11), server_name (RFC 6066 §3), key_share (RFC 8446 §4.2.8),
// extended_master_secret (RFC 7627 §5.1) and renegotiation_info (RFC 5746
// §3.6). Every one is typed: Marshal re-fixes the lengths.

const (
	// chUnknownExt is an extension type of the private-use range
	// (65280-65535, RFC 8446 §11) that no stack implements; 0xff01 is
	// renegotiation_info, kept clear.
	chUnknownExt = wire.ExtensionType(0xff42)
	// chUnknownGroup and chUnknownScheme are unassigned code points.
	chUnknownGroup  = wire.Group(0x4242)
	chUnknownScheme = wire.SignatureScheme(0x4242)
)

// chPSKModeGREASE are the GREASE values of PskKeyExchangeMode (RFC 8701 §2).
var chPSKModeGREASE = []uint8{0x0b, 0x2a, 0x49, 0x68, 0x87, 0xa6, 0xc5, 0xe4}

// chTyped is a typed ClientHello mutator.
func chTyped(name, doc string, e Expectation, versions []wire.Version, f Hello) Mutator {
	return Mutator{Name: "client_hello/" + name, Doc: doc, Expect: e, Versions: versions, Hello: f}
}

// chExtName is an extension's name in a mutator name.
func chExtName(t wire.ExtensionType) string {
	if t == wire.ExtALPN {
		return "alpn"
	}
	return t.String()
}

// chDefaultExt is a valid extension of type t for a ClientHello that lacks
// one, for the extensions every server knows but a client may leave out
// (server_name, ALPN): the families about them add it.
func chDefaultExt(t wire.ExtensionType) (wire.Extension, bool) {
	switch t {
	case wire.ExtServerName:
		return wire.ServerNameExt("example.com"), true
	case wire.ExtALPN:
		return wire.ALPNExt("http/1.1"), true
	}
	return wire.Extension{}, false
}

// chExtOrDefault is the index of the extension of type t, added from
// chDefaultExt when missing; -1 when there is none to add.
func chExtOrDefault(ch *wire.ClientHello, t wire.ExtensionType) int {
	if i := chExtIndex(ch, t); i >= 0 {
		return i
	}
	e, ok := chDefaultExt(t)
	if !ok || ch.Extensions == nil {
		return -1
	}
	chInsertExt(ch, -1, e)
	return chExtIndex(ch, t)
}

func helloExtensionMutators() []Mutator {
	var out []Mutator
	rfcDup := "RFC 8446 §4.2; RFC 5246 §7.4.1.4"
	for _, t := range []wire.ExtensionType{
		wire.ExtServerName, wire.ExtSupportedGroups, wire.ExtECPointFormats, wire.ExtSignatureAlgorithms,
		wire.ExtALPN, wire.ExtExtendedMasterSecret, wire.ExtSessionTicket, wire.ExtRenegotiationInfo,
		wire.ExtSupportedVersions, wire.ExtKeyShare, wire.ExtPSKKeyExchangeModes,
	} {
		out = append(out, chTyped("extensions/duplicate/"+chExtName(t),
			fmt.Sprintf("its %s extension twice in a row", t),
			Reject(rfcDup, 40, wire.AlertIllegalParameter, wire.AlertDecodeError).ShouldAt(chWhyDuplicate, chVersions12...), nil, chDuplicate(t)))
	}

	// Missing: what TLS 1.3 requires (RFC 8446 §9.2), what it does not,
	// and the optional extensions of TLS 1.0-1.2.
	out = append(out,
		chTyped("extensions/missing/supported_versions",
			"no supported_versions and TLS 1.2 suites added (a TLS 1.2 ClientHello, which a TLS 1.3 server must negotiate as TLS 1.2)",
			Tolerate("RFC 8446 §4.2.1", 44), chVersion13, chWithoutSupportedVersions),
		chTyped("extensions/missing/key_share",
			"supported_groups but no key_share",
			Reject("RFC 8446 §9.2, §4.2.8", 44, wire.AlertMissingExtension), chVersion13, chRemove(wire.ExtKeyShare)),
		chTyped("extensions/missing/supported_groups",
			"key_share but no supported_groups",
			Reject("RFC 8446 §9.2, §4.2.7", 44, wire.AlertMissingExtension), chVersion13, chRemove(wire.ExtSupportedGroups)),
		chTyped("extensions/missing/signature_algorithms",
			"no signature_algorithms and no pre_shared_key",
			Reject("RFC 8446 §9.2, §4.2.3", 44, wire.AlertMissingExtension), chVersion13, chRemove(wire.ExtSignatureAlgorithms)),
		chTyped("extensions/missing/psk_key_exchange_modes",
			"no psk_key_exchange_modes (and no pre_shared_key, which alone needs it)",
			Tolerate("RFC 8446 §4.2.9", 44), chVersion13, chRemove(wire.ExtPSKKeyExchangeModes)),
	)
	for _, t := range []wire.ExtensionType{wire.ExtRenegotiationInfo, wire.ExtSessionTicket} {
		out = append(out, chTyped("extensions/missing/"+chExtName(t),
			fmt.Sprintf("no %s extension (optional)", t),
			Tolerate("RFC 5246 §7.4.1.4", 41), chVersions12, chRemove(t)))
	}
	// A server may insist on these (RFC 7627 §5.2: a server that does not
	// want legacy clients SHOULD abort without extended_master_secret;
	// RFC 8422 §5.1.2 lets it leave out ECC without ec_point_formats): it
	// may refuse or go on.
	out = append(out,
		chTyped("extensions/missing/ec_point_formats", "no ec_point_formats extension (optional)",
			MayAbort("RFC 8422 §5.1.2; RFC 5246 §7.4.1.4", 41, wire.AlertHandshakeFailure), chVersions12, chRemove(wire.ExtECPointFormats)),
		chTyped("extensions/missing/extended_master_secret", "no extended_master_secret extension (optional)",
			MayAbort("RFC 7627 §5.2; RFC 5246 §7.4.1.4", 41, wire.AlertHandshakeFailure), chVersions12, chRemove(wire.ExtExtendedMasterSecret)),
	)

	// Order: any order goes, but pre_shared_key is last (RFC 8446 §4.2,
	// §4.2.11).
	rfcOrder := "RFC 8446 §4.2; RFC 5246 §7.4.1.4"
	out = append(out,
		chTyped("extensions/reorder/reverse", "its extensions in reverse order", Tolerate(rfcOrder, 41), nil,
			chReorder(func(e []wire.Extension, _ *rand.Rand) { slices.Reverse(e) })),
		chTyped("extensions/reorder/rotate", "its first extension moved last", Tolerate(rfcOrder, 41), nil,
			chReorder(func(e []wire.Extension, _ *rand.Rand) {
				first := e[0]
				copy(e, e[1:])
				e[len(e)-1] = first
			})),
		chTyped("extensions/reorder/shuffle", "its extensions in a random order", Tolerate(rfcOrder, 41), nil,
			chReorder(func(e []wire.Extension, rnd *rand.Rand) {
				rnd.Shuffle(len(e), func(i, j int) { e[i], e[j] = e[j], e[i] })
			})),
		chTyped("extensions/pre_shared_key/not-last",
			"a well-formed pre_shared_key as its first extension instead of its last",
			Reject("RFC 8446 §4.2.11", 44, wire.AlertIllegalParameter), chVersion13, chPSKNotLast),
		chTyped("extensions/pre_shared_key/unknown-identity",
			"a pre_shared_key (last) offering a ticket the server never issued, with a binder of the right size",
			Tolerate("RFC 8446 §4.2.11", 41), chVersion13, chPSKUnknown),
	)

	// Unknown extensions are ignored (RFC 8446 §4.2, RFC 5246 §7.4.1.4).
	rfcUnknown := "RFC 8446 §4.2; RFC 5246 §7.4.1.4"
	out = append(out,
		chTyped("extensions/unknown/empty", "an unknown extension (private-use type 0xff42), empty, last",
			Tolerate(rfcUnknown, 41), nil, chAddUnknown(-1, 0)),
		chTyped("extensions/unknown/first", "an unknown extension (private-use type 0xff42) with a 16-byte body, first",
			Tolerate(rfcUnknown, 41), nil, chAddUnknown(0, 16)),
		chTyped("extensions/unknown/large", "an unknown extension (private-use type 0xff42) with a 4096-byte body",
			Tolerate(rfcUnknown, 41), nil, chAddUnknown(-1, 4096)),
		chTyped("extensions/unknown/many", "40 unknown extensions (private-use types 0xff10-0xff37), interleaved with its own",
			Tolerate(rfcUnknown, 41), nil, chManyUnknown),
	)

	// GREASE everywhere the client may put it (RFC 8701 §3: servers MUST
	// NOT treat GREASE values differently from any unknown value).
	rfcGREASE := "RFC 8701 §3"
	grease := []struct {
		name, doc string
		f         Hello
	}{
		{"cipher_suite", "a GREASE cipher suite first", chGREASESuite},
		{"extension-empty", "an empty GREASE extension first", chGREASEExt(0, false)},
		{"extension-body", "a GREASE extension with a one-byte body last", chGREASEExt(-1, true)},
		{"supported_groups", "a GREASE group first in supported_groups", chGREASEGroup},
		{"signature_algorithms", "a GREASE signature scheme first in signature_algorithms", chGREASEScheme},
		{"supported_versions", "a GREASE version first in supported_versions", chGREASEVersion},
		{"key_share", "a GREASE group first in supported_groups and a one-byte key share for it first in key_share", chGREASEShare},
		{"psk_key_exchange_modes", "a GREASE PSK key exchange mode in psk_key_exchange_modes", chGREASEPSKMode},
	}
	all := func(ch *wire.ClientHello, rnd *rand.Rand) bool {
		any := false
		for _, g := range grease {
			if g.f(ch, rnd) {
				any = true
			}
		}
		return any
	}
	for _, g := range grease {
		out = append(out, chTyped("grease/"+g.name, g.doc, Tolerate(rfcGREASE, 41), nil, g.f))
	}
	out = append(out, chTyped("grease/all", "GREASE values in every place RFC 8701 defines and the ClientHello has",
		Tolerate(rfcGREASE, 41), nil, all))

	// Trailing bytes inside an extension body, its length re-fixed: the
	// body no longer parses (RFC 8446 §4.2, §6.2).
	for _, t := range []wire.ExtensionType{
		wire.ExtServerName, wire.ExtSupportedGroups, wire.ExtECPointFormats, wire.ExtSignatureAlgorithms,
		wire.ExtALPN, wire.ExtRenegotiationInfo, wire.ExtSupportedVersions, wire.ExtKeyShare, wire.ExtPSKKeyExchangeModes,
	} {
		out = append(out, chTyped("extensions/trailing/"+chExtName(t),
			fmt.Sprintf("a zero byte after the contents of its %s extension, inside the extension", t),
			chExtBodyLevel(Reject("RFC 8446 §4.2, §6.2", 39, wire.AlertDecodeError), chExtName(t), true), nil, chTrailingInExt(t)))
	}

	out = append(out, chServerNameMutators()...)
	out = append(out, chKeyShareMutators()...)
	out = append(out, chKeyShareValueMutators()...)
	out = append(out,
		chTyped("extended_master_secret/with-body", "an extended_master_secret extension whose body is one zero byte",
			Reject("RFC 7627 §5.1", 46, wire.AlertDecodeError).ShouldAt(chWhyEMSBody, chVersions12...), chVersions12, chEMSWithBody),
		chTyped("renegotiation_info/non-empty", "a renegotiation_info carrying 12 bytes of renegotiated_connection on an initial handshake",
			Reject("RFC 5746 §3.6", 46, wire.AlertHandshakeFailure), chVersions12, chRenegotiationNonEmpty),
		chTyped("renegotiation_info/with-scsv", "both an empty renegotiation_info and TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
			Tolerate("RFC 5746 §3.6", 46), chVersions12, chRenegotiationWithSCSV),
	)
	return out
}

// --- duplicate, missing, order ---

// chDuplicate inserts a copy of the extension of type t right after it
// (adding two when the ClientHello has none and a default exists).
func chDuplicate(t wire.ExtensionType) Hello {
	return func(ch *wire.ClientHello, _ *rand.Rand) bool {
		i := chExtOrDefault(ch, t)
		if i < 0 {
			return false
		}
		e := ch.Extensions[i]
		ch.Extensions = slices.Insert(ch.Extensions, i+1, wire.Extension{Type: e.Type, Body: slices.Clone(e.Body)})
		return true
	}
}

func chRemove(t wire.ExtensionType) Hello {
	return func(ch *wire.ClientHello, _ *rand.Rand) bool { return chRemoveExt(ch, t) }
}

// chWithoutSupportedVersions turns a TLS 1.3 ClientHello into a TLS 1.2 one
// a server can answer: no supported_versions, TLS 1.2 suites (ECDHE with
// RSA and ECDSA, RSA key transport) after the TLS 1.3 ones, and the curves
// they need in supported_groups.
func chWithoutSupportedVersions(ch *wire.ClientHello, _ *rand.Rand) bool {
	if !chOffers13(ch) || !chRemoveExt(ch, wire.ExtSupportedVersions) {
		return false
	}
	ch.CipherSuites = append(ch.CipherSuites,
		wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		wire.TLS_RSA_WITH_AES_128_GCM_SHA256)
	groups, _ := chGroups(ch)
	for _, g := range []wire.Group{wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1} {
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	chSetExt(ch, wire.SupportedGroupsExt(groups...))
	return true
}

// chReorder changes the order of the extensions, pre_shared_key kept last;
// false when the order stays the same.
func chReorder(f func([]wire.Extension, *rand.Rand)) Hello {
	return func(ch *wire.ClientHello, rnd *rand.Rand) bool {
		exts := ch.Extensions
		if n := len(exts); n > 0 && exts[n-1].Type == wire.ExtPreSharedKey {
			exts = exts[:n-1]
		}
		if len(exts) < 2 {
			return false
		}
		before := slices.Clone(exts)
		f(exts, rnd)
		if chSameExts(before, exts) {
			// A shuffle that changed nothing: rotate by one instead.
			first := exts[0]
			copy(exts, exts[1:])
			exts[len(exts)-1] = first
		}
		return !chSameExts(before, exts)
	}
}

// chPSK is a well-formed pre_shared_key naming a ticket no server issued,
// with one SHA-256-sized binder (RFC 8446 §4.2.11).
func chPSK(rnd *rand.Rand) wire.Extension {
	id := make([]byte, 32)
	binder := make([]byte, 32)
	for i := range id {
		id[i] = byte(rnd.IntN(256))
		binder[i] = byte(rnd.IntN(256))
	}
	return wire.PreSharedKeyClient{
		Identities: []wire.PSKIdentity{{Identity: id, ObfuscatedTicketAge: rnd.Uint32()}},
		Binders:    [][]byte{binder},
	}.Extension()
}

func chPSKNotLast(ch *wire.ClientHello, rnd *rand.Rand) bool {
	if !chOffers13(ch) || chExtIndex(ch, wire.ExtPreSharedKey) >= 0 || len(ch.Extensions) == 0 {
		return false
	}
	ch.Extensions = slices.Insert(ch.Extensions, 0, chPSK(rnd))
	return true
}

func chPSKUnknown(ch *wire.ClientHello, rnd *rand.Rand) bool {
	if !chOffers13(ch) || chExtIndex(ch, wire.ExtPreSharedKey) >= 0 {
		return false
	}
	if chExtIndex(ch, wire.ExtPSKKeyExchangeModes) < 0 {
		chInsertExt(ch, -1, wire.PSKKeyExchangeModesExt(wire.PSKModeDHEKE))
	}
	ch.Extensions = append(ch.Extensions, chPSK(rnd))
	return true
}

// --- unknown and GREASE ---

func chRandomBytes(rnd *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rnd.IntN(256))
	}
	return b
}

// chAddUnknown adds an unknown extension with an n-byte body at position at
// (-1: last).
func chAddUnknown(at, n int) Hello {
	return func(ch *wire.ClientHello, rnd *rand.Rand) bool {
		if ch.Extensions == nil || chExtIndex(ch, chUnknownExt) >= 0 {
			return false
		}
		chInsertExt(ch, at, wire.Extension{Type: chUnknownExt, Body: chRandomBytes(rnd, n)})
		return true
	}
}

func chManyUnknown(ch *wire.ClientHello, rnd *rand.Rand) bool {
	if ch.Extensions == nil {
		return false
	}
	for i := range 40 {
		t := wire.ExtensionType(0xff10 + i)
		if chExtIndex(ch, t) >= 0 {
			return false
		}
		chInsertExt(ch, rnd.IntN(len(ch.Extensions)+1), wire.Extension{Type: t, Body: chRandomBytes(rnd, i%5)})
	}
	return true
}

func chGREASESuite(ch *wire.ClientHello, rnd *rand.Rand) bool {
	ch.CipherSuites = slices.Insert(ch.CipherSuites, 0, wire.CipherSuite(chGREASE(rnd)))
	return true
}

func chGREASEExt(at int, body bool) Hello {
	return func(ch *wire.ClientHello, rnd *rand.Rand) bool {
		if ch.Extensions == nil {
			return false
		}
		t := wire.ExtensionType(chGREASE(rnd))
		for i := 0; chExtIndex(ch, t) >= 0; i++ {
			if i == 16 {
				return false // all sixteen taken
			}
			t = wire.ExtensionType(wire.GREASE(int(t>>12) + 1))
		}
		e := wire.Extension{Type: t}
		if body {
			e.Body = []byte{0}
		}
		chInsertExt(ch, at, e)
		return true
	}
}

func chGREASEGroup(ch *wire.ClientHello, rnd *rand.Rand) bool {
	groups, ok := chGroups(ch)
	if !ok {
		return false
	}
	chSetExt(ch, wire.SupportedGroupsExt(slices.Insert(groups, 0, wire.Group(chGREASE(rnd)))...))
	return true
}

func chGREASEScheme(ch *wire.ClientHello, rnd *rand.Rand) bool {
	i := chExtIndex(ch, wire.ExtSignatureAlgorithms)
	if i < 0 {
		return false
	}
	s, err := wire.ParseSignatureAlgorithms(ch.Extensions[i].Body)
	if err != nil {
		return false
	}
	ch.Extensions[i] = wire.SignatureAlgorithmsExt(slices.Insert(s, 0, wire.SignatureScheme(chGREASE(rnd)))...)
	return true
}

func chGREASEVersion(ch *wire.ClientHello, rnd *rand.Rand) bool {
	i := chExtIndex(ch, wire.ExtSupportedVersions)
	if i < 0 {
		return false
	}
	vs, err := wire.ParseSupportedVersionsClient(ch.Extensions[i].Body)
	if err != nil {
		return false
	}
	ch.Extensions[i] = wire.SupportedVersionsClientExt(slices.Insert(vs, 0, wire.Version(chGREASE(rnd)))...)
	return true
}

// chGREASEShare puts a GREASE group first in supported_groups and a
// one-byte share for it first in key_share, as BoringSSL does.
func chGREASEShare(ch *wire.ClientHello, rnd *rand.Rand) bool {
	shares, ok := chShares(ch)
	groups, gok := chGroups(ch)
	if !ok || !gok {
		return false
	}
	g := wire.Group(chGREASE(rnd))
	if !slices.Contains(groups, g) {
		chSetExt(ch, wire.SupportedGroupsExt(slices.Insert(groups, 0, g)...))
	}
	chSetExt(ch, wire.KeyShareClientExt(slices.Insert(shares, 0, wire.KeyShareEntry{Group: g, KeyExchange: []byte{0}})...))
	return true
}

func chGREASEPSKMode(ch *wire.ClientHello, rnd *rand.Rand) bool {
	i := chExtIndex(ch, wire.ExtPSKKeyExchangeModes)
	if i < 0 {
		return false
	}
	modes, err := wire.ParsePSKKeyExchangeModes(ch.Extensions[i].Body)
	if err != nil {
		return false
	}
	ch.Extensions[i] = wire.PSKKeyExchangeModesExt(append(modes, chPSKModeGREASE[rnd.IntN(len(chPSKModeGREASE))])...)
	return true
}

// --- trailing data inside an extension ---

func chTrailingInExt(t wire.ExtensionType) Hello {
	return func(ch *wire.ClientHello, _ *rand.Rand) bool {
		i := chExtOrDefault(ch, t)
		if i < 0 {
			return false
		}
		ch.Extensions[i].Body = append(slices.Clone(ch.Extensions[i].Body), 0)
		return true
	}
}

// --- server_name, RFC 6066 §3 ---

func chServerNameMutators() []Mutator {
	rfc := "RFC 6066 §3"
	// The body of server_name: SHOULD level before TLS 1.3.
	reject := chExtBodyLevel(Reject(rfc, 45, wire.AlertDecodeError), "server_name", true)
	body := func(b []byte) Hello {
		return func(ch *wire.ClientHello, _ *rand.Rand) bool {
			chSetExt(ch, wire.Extension{Type: wire.ExtServerName, Body: slices.Clone(b)})
			return true
		}
	}
	valid := wire.ServerNameExt("example.com").Body
	lie := func(at int) []byte { // one more at the 2-byte length at
		b := slices.Clone(valid)
		n := int(b[at])<<8 | int(b[at+1]) + 1
		b[at], b[at+1] = byte(n>>8), byte(n)
		return b
	}
	return []Mutator{
		chTyped("server_name/empty-extension", "a server_name extension with an empty body (the server's form)",
			reject, nil, body(nil)),
		chTyped("server_name/empty-list", "a server_name extension whose server_name_list is empty",
			reject, nil, body(wire.ServerNameListExt().Body)),
		chTyped("server_name/empty-name", "a server_name extension naming an empty host_name",
			reject, nil, body(wire.ServerNameListExt(wire.ServerName{}).Body)),
		chTyped("server_name/list-length-long", "a server_name extension whose server_name_list length is one more than its contents",
			reject, nil, body(lie(0))),
		chTyped("server_name/name-length-long", "a server_name extension whose host_name length runs one byte past the list",
			reject, nil, body(lie(3))),
		// RFC 6066 §3 forbids the client two names of one type but puts no
		// duty on the server: illegal_parameter (or a parser's
		// decode_error) is the right answer, but going on is no MUST
		// violation, so a server may abort (no false failures).
		chTyped("server_name/two-host-names", "a server_name extension naming two host_names (example.com, example.net)",
			chExtBodyLevel(MayAbort(rfc, 45, wire.AlertIllegalParameter, wire.AlertDecodeError), "server_name", true), nil,
			body(wire.ServerNameListExt(wire.ServerName{Name: []byte("example.com")}, wire.ServerName{Name: []byte("example.net")}).Body)),
	}
}

// --- key_share, RFC 8446 §4.2.8 ---

func chKeyShareMutators() []Mutator {
	rfc := "RFC 8446 §4.2.8"
	edit := func(f func(shares []wire.KeyShareEntry, ch *wire.ClientHello, rnd *rand.Rand) ([]wire.KeyShareEntry, bool)) Hello {
		return func(ch *wire.ClientHello, rnd *rand.Rand) bool {
			shares, ok := chShares(ch)
			if !ok {
				return false
			}
			shares, ok = f(shares, ch, rnd)
			if ok {
				chSetExt(ch, wire.KeyShareClientExt(shares...))
			}
			return ok
		}
	}
	first := func(f func(e wire.KeyShareEntry) []byte) Hello {
		return edit(func(s []wire.KeyShareEntry, _ *wire.ClientHello, _ *rand.Rand) ([]wire.KeyShareEntry, bool) {
			if len(s) == 0 || len(s[0].KeyExchange) == 0 {
				return nil, false
			}
			s[0].KeyExchange = f(s[0])
			return s, true
		})
	}
	return []Mutator{
		// Both rules bind the client; the server MAY check them
		// (RFC 8446 §4.2.8), so going on is as right as illegal_parameter.
		chTyped("key_share/duplicate-group", "its first key share sent twice (two entries for one group)",
			MayAbort(rfc, 44, wire.AlertIllegalParameter), nil,
			edit(func(s []wire.KeyShareEntry, _ *wire.ClientHello, _ *rand.Rand) ([]wire.KeyShareEntry, bool) {
				if len(s) == 0 {
					return nil, false
				}
				return slices.Insert(s, 1, wire.KeyShareEntry{Group: s[0].Group, KeyExchange: slices.Clone(s[0].KeyExchange)}), true
			})),
		chTyped("key_share/group-not-in-supported-groups", "a key share, last, for a group (0x4242) that supported_groups does not list",
			MayAbort(rfc, 44, wire.AlertIllegalParameter), nil,
			edit(func(s []wire.KeyShareEntry, ch *wire.ClientHello, rnd *rand.Rand) ([]wire.KeyShareEntry, bool) {
				if g, ok := chGroups(ch); !ok || slices.Contains(g, chUnknownGroup) {
					return nil, false
				}
				return append(s, wire.KeyShareEntry{Group: chUnknownGroup, KeyExchange: chRandomBytes(rnd, 32)}), true
			})),
		chTyped("key_share/unknown-group-first", "an unknown group (0x4242) first in supported_groups, with a 32-byte key share for it first",
			Tolerate("RFC 8446 §4.2.8, §4.2.7", 41), nil,
			edit(func(s []wire.KeyShareEntry, ch *wire.ClientHello, rnd *rand.Rand) ([]wire.KeyShareEntry, bool) {
				g, ok := chGroups(ch)
				if !ok || slices.Contains(g, chUnknownGroup) {
					return nil, false
				}
				chSetExt(ch, wire.SupportedGroupsExt(slices.Insert(g, 0, chUnknownGroup)...))
				return slices.Insert(s, 0, wire.KeyShareEntry{Group: chUnknownGroup, KeyExchange: chRandomBytes(rnd, 32)}), true
			})),
		chTyped("key_share/share-truncated", "its first key share one byte short of its group's size",
			Reject(rfc+", §4.2.8.2", 44, wire.AlertIllegalParameter, wire.AlertDecodeError), nil,
			first(func(e wire.KeyShareEntry) []byte { return slices.Clone(e.KeyExchange[:len(e.KeyExchange)-1]) })),
		chTyped("key_share/share-extended", "its first key share one byte longer than its group's size",
			Reject(rfc+", §4.2.8.2", 44, wire.AlertIllegalParameter, wire.AlertDecodeError), nil,
			first(func(e wire.KeyShareEntry) []byte { return append(slices.Clone(e.KeyExchange), 0) })),
		chTyped("key_share/empty-share", "its first key share empty (key_exchange<1..2^16-1>)",
			Reject(rfc, 44, wire.AlertDecodeError, wire.AlertIllegalParameter), nil,
			first(func(wire.KeyShareEntry) []byte { return nil })),
		chTyped("key_share/empty-client-shares", "an empty client_shares list (asking the server for a HelloRetryRequest)",
			Tolerate(rfc+", §4.1.4", 44), nil,
			edit(func(s []wire.KeyShareEntry, _ *wire.ClientHello, _ *rand.Rand) ([]wire.KeyShareEntry, bool) {
				return nil, len(s) > 0
			})),
	}
}

// --- extended_master_secret and renegotiation_info ---

func chEMSWithBody(ch *wire.ClientHello, _ *rand.Rand) bool {
	chSetExt(ch, wire.Extension{Type: wire.ExtExtendedMasterSecret, Body: []byte{0}})
	return true
}

func chRenegotiationNonEmpty(ch *wire.ClientHello, rnd *rand.Rand) bool {
	chSetExt(ch, wire.RenegotiationInfoExt(chRandomBytes(rnd, 12)))
	return true
}

func chRenegotiationWithSCSV(ch *wire.ClientHello, _ *rand.Rand) bool {
	if slices.Contains(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV) {
		return false
	}
	chSetExt(ch, wire.RenegotiationInfoExt(nil))
	ch.CipherSuites = append(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
	return true
}
