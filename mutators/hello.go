package mutators

import (
	"bytes"
	"math/rand/v2"
	"slices"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// ClientHello malformations (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2, §4.2):
// framing, field values and extensions.
//
// Two kinds live here. Byte-level families (hello_bytes.go) are generated
// from the layouts of SampleHello's messages: a truncation at every field
// boundary and a lie in every length field, named after the field, so that
// a new field in the sample gives new mutators without new code. Typed
// families (hello_ext.go, hello_fields.go) change the parsed ClientHello
// and let Marshal re-fix every length: duplicate, missing, reordered,
// unknown and GREASE extensions, and the values of each field.
//
// Identifiers of this family start with "ch" or "hello": the package is
// shared with the key-exchange and framing families.

// helloMutators change a ClientHello.
func helloMutators() []Mutator {
	return slices.Concat(
		helloByteMutators(),
		helloExtensionMutators(),
		helloFieldMutators(),
	)
}

var (
	chVersions12 = []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12}
	chVersion13  = []wire.Version{wire.VersionTLS13}
	// chAllVersions are the versions SampleHello builds, oldest first.
	chAllVersions = []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13}
)

// SampleHello is a ClientHello of the shape the reference client sends when
// it offers version v alone (peers.ClientHello with one version): for TLS
// 1.0-1.2 the ECDHE-RSA suites, ec_point_formats, renegotiation_info,
// extended_master_secret, session_ticket, supported_groups and
// signature_algorithms; for TLS 1.3 a 32-byte session ID (middlebox
// compatibility), the TLS 1.3 suites, supported_groups with one group,
// signature_algorithms, supported_versions, one X25519 key share and
// psk_key_exchange_modes. Random bytes are fixed patterns. The byte-level
// families are generated from these layouts; tests and the check catalogue
// use them to see which mutators apply to which version.
func SampleHello(v wire.Version) *wire.ClientHello {
	random := make([]byte, 32)
	for i := range random {
		random[i] = byte(0x10 + i)
	}
	sigs := wire.SignatureAlgorithmsExt(wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256, wire.PKCS1WithSHA256,
		wire.ECDSAWithP384AndSHA384, wire.PSSWithSHA384, wire.PKCS1WithSHA384, wire.PKCS1WithSHA1)
	if v >= wire.VersionTLS13 {
		sid := make([]byte, 32)
		for i := range sid {
			sid[i] = byte(0xa0 + i)
		}
		share := make([]byte, 32)
		for i := range share {
			share[i] = byte(0x40 + i)
		}
		return &wire.ClientHello{
			Version:            wire.VersionTLS12,
			Random:             random,
			SessionID:          sid,
			CipherSuites:       []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256},
			CompressionMethods: []uint8{0},
			Extensions: []wire.Extension{
				wire.SupportedGroupsExt(wire.GroupX25519),
				sigs,
				wire.SupportedVersionsClientExt(wire.VersionTLS13),
				wire.KeyShareClientExt(wire.KeyShareEntry{Group: wire.GroupX25519, KeyExchange: share}),
				wire.PSKKeyExchangeModesExt(wire.PSKModeDHEKE),
			},
		}
	}
	suites := []wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}
	if v == wire.VersionTLS12 {
		suites = append([]wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}, suites...)
	}
	return &wire.ClientHello{
		Version:            v,
		Random:             random,
		CipherSuites:       suites,
		CompressionMethods: []uint8{0},
		Extensions: []wire.Extension{
			wire.ECPointFormatsExt(0),
			wire.RenegotiationInfoExt(nil),
			wire.ExtendedMasterSecretExt(),
			wire.SessionTicketExt(nil),
			wire.SupportedGroupsExt(wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1),
			sigs,
		},
	}
}

// --- levels ---

// Why a malformed extension body is a SHOULD-level rule (Expectation.Should).
const (
	chWhyExtBody = "RFC 8446 §4.2 and §6 make refusing it a MUST in TLS 1.3, but RFC 5246 puts no such duty on a TLS 1.0-1.2 server"
	chWhyOnly12  = "only TLS 1.0-1.2 use this extension: a server that negotiates TLS 1.3 has no use for its body, and no RFC makes it parse one"
	// chWhyDuplicate: RFC 5246 §7.4.1.4's rule binds the sender.
	chWhyDuplicate = "RFC 5246 §7.4.1.4 \"There MUST NOT be more than one extension of the same type\" binds the client; TLS 1.0-1.2 give the server no duty to refuse (RFC 8446 §4.2 with §6 does in TLS 1.3)"
	// chWhyEMSBody: RFC 7627 defines the extension as empty but gives the
	// receiver no duty about a body.
	chWhyEMSBody = "RFC 7627 §5.1 defines the extension_data as empty, but puts no duty on a server that receives a body"
)

// chOnly12Exts are the extensions, by their name in mutator names, that
// only TLS 1.0-1.2 use (a client offering TLS 1.2 too still sends them
// in a ClientHello that negotiates TLS 1.3).
var chOnly12Exts = []string{"ec_point_formats", "renegotiation_info", "extended_master_secret", "session_ticket"}

// chExtBodyLevel sets the level of a malformation of the body of extension
// ext: SHOULD at TLS 1.0-1.2, where no RFC makes the server's refusal a
// MUST. inside says the change is within the body's own contents (not the
// extension's length, which frames the whole extensions block): then the
// body of an extension only TLS 1.0-1.2 use is SHOULD level in TLS 1.3 as
// well.
func chExtBodyLevel(e Expectation, ext string, inside bool) Expectation {
	e = e.ShouldAt(chWhyExtBody, chVersions12...)
	if inside && slices.Contains(chOnly12Exts, ext) {
		e = e.ShouldAt(chWhyOnly12, wire.VersionTLS13)
	}
	return e
}

// --- typed helpers ---

// chExtIndex is the index of the first extension of type t, or -1.
func chExtIndex(ch *wire.ClientHello, t wire.ExtensionType) int {
	return slices.IndexFunc(ch.Extensions, func(e wire.Extension) bool { return e.Type == t })
}

// chInsertExt inserts e at position at, or last when at < 0, but never
// after a pre_shared_key, which must stay last (RFC 8446 §4.2.11).
func chInsertExt(ch *wire.ClientHello, at int, e wire.Extension) {
	n := len(ch.Extensions)
	last := n
	if n > 0 && ch.Extensions[n-1].Type == wire.ExtPreSharedKey {
		last = n - 1
	}
	if at < 0 || at > last {
		at = last
	}
	if ch.Extensions == nil {
		ch.Extensions = []wire.Extension{}
	}
	ch.Extensions = slices.Insert(ch.Extensions, at, e)
}

// chSetExt replaces the first extension of e's type, or inserts it last.
func chSetExt(ch *wire.ClientHello, e wire.Extension) {
	if i := chExtIndex(ch, e.Type); i >= 0 {
		ch.Extensions[i] = e
		return
	}
	chInsertExt(ch, -1, e)
}

// chRemoveExt removes every extension of type t; false when there was none.
func chRemoveExt(ch *wire.ClientHello, t wire.ExtensionType) bool {
	n := len(ch.Extensions)
	ch.Extensions = slices.DeleteFunc(ch.Extensions, func(e wire.Extension) bool { return e.Type == t })
	return len(ch.Extensions) != n
}

// chGroups returns supported_groups (nil, false when absent or malformed).
func chGroups(ch *wire.ClientHello) ([]wire.Group, bool) {
	i := chExtIndex(ch, wire.ExtSupportedGroups)
	if i < 0 {
		return nil, false
	}
	g, err := wire.ParseSupportedGroups(ch.Extensions[i].Body)
	return g, err == nil
}

// chShares returns the client's key shares (nil, false when absent or
// malformed).
func chShares(ch *wire.ClientHello) ([]wire.KeyShareEntry, bool) {
	i := chExtIndex(ch, wire.ExtKeyShare)
	if i < 0 {
		return nil, false
	}
	s, err := wire.ParseKeyShareClient(ch.Extensions[i].Body)
	return s, err == nil
}

// chOffers13 reports whether ch offers TLS 1.3 in supported_versions.
func chOffers13(ch *wire.ClientHello) bool {
	i := chExtIndex(ch, wire.ExtSupportedVersions)
	if i < 0 {
		return false
	}
	vs, err := wire.ParseSupportedVersionsClient(ch.Extensions[i].Body)
	return err == nil && slices.Contains(vs, wire.VersionTLS13)
}

// chSameExts reports whether two extension lists are equal.
func chSameExts(a, b []wire.Extension) bool {
	return slices.EqualFunc(a, b, func(x, y wire.Extension) bool { return x.Type == y.Type && bytes.Equal(x.Body, y.Body) })
}

// chGREASE picks one of the sixteen GREASE values (RFC 8701 §2) with rnd.
func chGREASE(rnd *rand.Rand) uint16 { return wire.GREASE(rnd.IntN(16)) }
