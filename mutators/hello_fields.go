package mutators

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Field families of the ClientHello: legacy_version and supported_versions
// (rows 17-20), session_id (row 36), cipher_suites (rows 37, 41-43),
// compression_methods (row 38), supported_groups and signature_algorithms
// values (rows 41, 42) and the size edges (row 43).

// chUnknownSuite is the i-th of a run of unassigned cipher suite code
// points (0xee00 on; none of them GREASE).
func chUnknownSuite(i int) wire.CipherSuite { return wire.CipherSuite(0xee00 + i) }

func helloFieldMutators() []Mutator {
	var out []Mutator

	// legacy_version plays no part when supported_versions is present
	// (RFC 8446 §4.2.1); 0x0300 and below are the version family's.
	for _, v := range []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS13, 0x0305} {
		out = append(out, chTyped(fmt.Sprintf("legacy_version/%04x", uint16(v)),
			fmt.Sprintf("legacy_version 0x%04x beside supported_versions", uint16(v)),
			Tolerate("RFC 8446 §4.2.1", 17), chVersion13, chLegacyVersion(v)))
	}

	rfcSV := "RFC 8446 §4.2.1"
	out = append(out,
		chTyped("supported_versions/with-grease", "a GREASE value in supported_versions as well",
			Tolerate(rfcSV+"; RFC 8701 §3", 20), chVersion13, chVersionsEdit(func(vs []wire.Version, rnd *rand.Rand) []wire.Version {
				return append(vs, wire.Version(chGREASE(rnd)))
			})),
		chTyped("supported_versions/with-unknown", "unknown versions (0x0305, 0x7f1c) first in supported_versions",
			Tolerate(rfcSV, 20), chVersion13, chVersionsEdit(func(vs []wire.Version, _ *rand.Rand) []wire.Version {
				return slices.Concat([]wire.Version{0x0305, 0x7f1c}, vs)
			})),
		chTyped("supported_versions/with-older", "TLS 1.2, 1.1 and 1.0 after TLS 1.3 in supported_versions",
			Tolerate(rfcSV, 20), chVersion13, chVersionsEdit(func(vs []wire.Version, _ *rand.Rand) []wire.Version {
				for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10} {
					if !slices.Contains(vs, v) {
						vs = append(vs, v)
					}
				}
				return vs
			})),
		chTyped("supported_versions/duplicate-entry", "TLS 1.3 listed twice in supported_versions",
			Tolerate(rfcSV, 20), chVersion13, chVersionsEdit(func(vs []wire.Version, _ *rand.Rand) []wire.Version {
				return append(vs, wire.VersionTLS13)
			})),
		chTyped("supported_versions/empty", "an empty supported_versions list (versions<2..254>)",
			Reject(rfcSV+", §6.2", 39, wire.AlertDecodeError), chVersion13, chVersionsEdit(func([]wire.Version, *rand.Rand) []wire.Version {
				return []wire.Version{}
			})),
		Mutator{
			Name:     "client_hello/supported_versions/odd-length",
			Doc:      "a supported_versions list of odd length (a stray byte after the last version)",
			Expect:   Reject(rfcSV+", §6.2", 39, wire.AlertDecodeError),
			Versions: chVersion13,
			Bytes: func(msg []byte, lay wire.Layout, _ *rand.Rand) ([]byte, bool) {
				return chInsert(msg, lay, "extensions.supported_versions.versions", []byte{0x03})
			},
		},
	)

	rfcSID := "RFC 5246 §7.4.1.2; RFC 8446 §4.1.2"
	out = append(out,
		chTyped("session_id/empty", "an empty legacy_session_id", Tolerate(rfcSID, 36), nil, chSessionID(0)),
		chTyped("session_id/1-byte", "a one-byte legacy_session_id", Tolerate(rfcSID, 36), nil, chSessionID(1)),
		chTyped("session_id/32-bytes", "a 32-byte legacy_session_id the server never issued", Tolerate(rfcSID, 36), nil, chSessionID(32)),
		chTyped("session_id/33-bytes", "a 33-byte legacy_session_id (session_id<0..32>)",
			Reject(rfcSID, 36, wire.AlertDecodeError), nil, chSessionID(33)),
		chTyped("session_id/255-bytes", "a 255-byte legacy_session_id (session_id<0..32>)",
			Reject(rfcSID, 36, wire.AlertDecodeError), nil, chSessionID(255)),
	)

	out = append(out,
		chTyped("cipher_suites/empty", "no cipher suites (cipher_suites<2..2^16-2>)",
			Reject(rfcSuites, 37, wire.AlertDecodeError), nil, func(ch *wire.ClientHello, _ *rand.Rand) bool {
				if len(ch.CipherSuites) == 0 {
					return false
				}
				ch.CipherSuites = []wire.CipherSuite{}
				return true
			}),
		Mutator{
			Name:   "client_hello/cipher_suites/odd-length",
			Doc:    "a cipher_suites vector of odd length (a stray byte after the last suite)",
			Expect: Reject(rfcSuites, 37, wire.AlertDecodeError),
			Bytes: func(msg []byte, lay wire.Layout, _ *rand.Rand) ([]byte, bool) {
				return chInsert(msg, lay, "cipher_suites", []byte{0x00})
			},
		},
		chTyped("cipher_suites/unknown-first", "three unassigned cipher suites (0xee00-0xee02) before its own",
			Tolerate("RFC 8446 §4.1.2; RFC 5246 §7.4.1.2", 41), nil, func(ch *wire.ClientHello, _ *rand.Rand) bool {
				ch.CipherSuites = slices.Concat([]wire.CipherSuite{chUnknownSuite(0), chUnknownSuite(1), chUnknownSuite(2)}, ch.CipherSuites)
				return true
			}),
		chTyped("cipher_suites/only-unknown", "only unassigned cipher suites (0xee00-0xee02)",
			Reject("RFC 8446 §4.1.1; RFC 5246 §7.4.1.3", 42, wire.AlertHandshakeFailure, wire.AlertInsufficientSecurity), nil,
			func(ch *wire.ClientHello, _ *rand.Rand) bool {
				ch.CipherSuites = []wire.CipherSuite{chUnknownSuite(0), chUnknownSuite(1), chUnknownSuite(2)}
				return true
			}),
		chTyped("cipher_suites/over-128", "150 unassigned cipher suites before its own (more than 128 suites)",
			Tolerate("RFC 5246 §7.4.1.2; RFC 8446 §4.1.2", 43), nil, func(ch *wire.ClientHello, _ *rand.Rand) bool {
				many := make([]wire.CipherSuite, 150)
				for i := range many {
					many[i] = chUnknownSuite(i)
				}
				ch.CipherSuites = slices.Concat(many, ch.CipherSuites)
				return true
			}),
		chTyped("cipher_suites/renegotiation-scsv", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV among its suites",
			Tolerate("RFC 5746 §3.6; RFC 8446 §4.1.2", 41), nil, func(ch *wire.ClientHello, _ *rand.Rand) bool {
				if slices.Contains(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV) {
					return false
				}
				ch.CipherSuites = append(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
				return true
			}),
		chTyped("cipher_suites/renegotiation-scsv-instead-of-extension", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV and no renegotiation_info",
			Tolerate("RFC 5746 §3.6", 46), chVersions12, func(ch *wire.ClientHello, _ *rand.Rand) bool {
				if !chRemoveExt(ch, wire.ExtRenegotiationInfo) || slices.Contains(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV) {
					return false
				}
				ch.CipherSuites = append(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
				return true
			}),
	)

	rfcComp := "RFC 5246 §7.4.1.2"
	rfcComp13 := "RFC 8446 §4.1.2"
	out = append(out,
		chTyped("compression_methods/without-null", "compression_methods [1] (DEFLATE without null)",
			Reject(rfcComp+"; "+rfcComp13, 38, wire.AlertIllegalParameter).ShouldAt(
				"RFC 5246 §7.4.1.2 binds the client (\"This vector MUST contain, and all implementations MUST support, CompressionMethod.null\"); it states no duty for a server that receives a list without null",
				wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12), nil, chCompression(1)),
		chTyped("compression_methods/empty", "no compression methods (compression_methods<1..2^8-1>)",
			Reject(rfcComp+"; "+rfcComp13, 38, wire.AlertDecodeError, wire.AlertIllegalParameter), nil, chCompression()),
		chTyped("compression_methods/deflate-and-null", "compression_methods [1, 0] (DEFLATE before null)",
			Tolerate(rfcComp, 38), chVersions12, chCompression(1, 0)),
		chTyped("compression_methods/tls13-deflate-and-null", "compression_methods [1, 0] in a TLS 1.3 ClientHello (exactly [0] required)",
			Reject(rfcComp13, 38, wire.AlertIllegalParameter), chVersion13, chCompression(1, 0)),
		chTyped("compression_methods/tls13-null-twice", "compression_methods [0, 0] in a TLS 1.3 ClientHello (exactly [0] required)",
			Reject(rfcComp13, 38, wire.AlertIllegalParameter), chVersion13, chCompression(0, 0)),
	)

	out = append(out,
		chTyped("supported_groups/unknown-first", "an unassigned group (0x4242) first in supported_groups",
			Tolerate("RFC 8446 §4.2.7; RFC 8422 §5.1.1", 41), nil, func(ch *wire.ClientHello, _ *rand.Rand) bool {
				g, ok := chGroups(ch)
				if !ok || slices.Contains(g, chUnknownGroup) {
					return false
				}
				chSetExt(ch, wire.SupportedGroupsExt(slices.Insert(g, 0, chUnknownGroup)...))
				return true
			}),
		chTyped("supported_groups/only-unknown", "only an unassigned group (0x4242) in supported_groups, with the one key share for it",
			Reject("RFC 8446 §4.1.1", 42, wire.AlertHandshakeFailure, wire.AlertInsufficientSecurity), chVersion13,
			func(ch *wire.ClientHello, rnd *rand.Rand) bool {
				if _, ok := chShares(ch); !ok {
					return false
				}
				chSetExt(ch, wire.SupportedGroupsExt(chUnknownGroup))
				chSetExt(ch, wire.KeyShareClientExt(wire.KeyShareEntry{Group: chUnknownGroup, KeyExchange: chRandomBytes(rnd, 32)}))
				return true
			}),
		chTyped("signature_algorithms/unknown-first", "an unassigned signature scheme (0x4242) first in signature_algorithms",
			Tolerate("RFC 8446 §4.2.3; RFC 5246 §7.4.1.4.1", 41), nil, func(ch *wire.ClientHello, _ *rand.Rand) bool {
				i := chExtIndex(ch, wire.ExtSignatureAlgorithms)
				if i < 0 {
					return false
				}
				s, err := wire.ParseSignatureAlgorithms(ch.Extensions[i].Body)
				if err != nil || slices.Contains(s, chUnknownScheme) {
					return false
				}
				ch.Extensions[i] = wire.SignatureAlgorithmsExt(slices.Insert(s, 0, chUnknownScheme)...)
				return true
			}),
	)

	// Size edges: 256-511 bytes hung some servers (RFC 7685 §1, §4); a
	// message larger than a record must be taken in fragments (RFC 5246
	// §6.2.1). A TLS 1.3 ClientHello with a post-quantum share is already
	// larger than 511 bytes, so those sizes are for TLS 1.0-1.2.
	for _, n := range []int{256, 384, 511} {
		out = append(out, chTyped(fmt.Sprintf("size/%d", n),
			fmt.Sprintf("a padding extension making the message %d bytes long, header included", n),
			Tolerate("RFC 7685 §3, §4", 43), chVersions12, chPadTo(n)))
	}
	out = append(out, chTyped("size/16896", "a padding extension making the message 2^14+512 bytes long (more than one record)",
		Tolerate("RFC 5246 §6.2.1; RFC 8446 §5.1; RFC 7685 §3", 43), nil, chPadTo(1<<14+512)))
	return out
}

func chLegacyVersion(v wire.Version) Hello {
	return func(ch *wire.ClientHello, _ *rand.Rand) bool {
		if !chOffers13(ch) || ch.Version == v {
			return false
		}
		ch.Version = v
		return true
	}
}

func chVersionsEdit(f func([]wire.Version, *rand.Rand) []wire.Version) Hello {
	return func(ch *wire.ClientHello, rnd *rand.Rand) bool {
		i := chExtIndex(ch, wire.ExtSupportedVersions)
		if i < 0 {
			return false
		}
		vs, err := wire.ParseSupportedVersionsClient(ch.Extensions[i].Body)
		if err != nil {
			return false
		}
		ch.Extensions[i] = wire.SupportedVersionsClientExt(f(vs, rnd)...)
		return true
	}
}

func chSessionID(n int) Hello {
	return func(ch *wire.ClientHello, rnd *rand.Rand) bool {
		if len(ch.SessionID) == n {
			return false
		}
		ch.SessionID = chRandomBytes(rnd, n)
		return true
	}
}

func chCompression(methods ...uint8) Hello {
	return func(ch *wire.ClientHello, _ *rand.Rand) bool {
		if slices.Equal(ch.CompressionMethods, methods) {
			return false
		}
		ch.CompressionMethods = append([]uint8{}, methods...)
		return true
	}
}

// chPadTo adds (or resizes) a padding extension (RFC 7685) so that the
// marshalled message is n bytes long, header included; false when it is
// longer already.
func chPadTo(n int) Hello {
	return func(ch *wire.ClientHello, _ *rand.Rand) bool {
		if ch.Extensions == nil {
			return false
		}
		i := chExtIndex(ch, wire.ExtPadding)
		if i < 0 {
			chInsertExt(ch, -1, wire.PaddingExt(0))
			i = chExtIndex(ch, wire.ExtPadding)
		}
		ch.Extensions[i] = wire.PaddingExt(0)
		raw, err := ch.Marshal()
		if err != nil || len(raw) > n {
			return false
		}
		ch.Extensions[i] = wire.PaddingExt(n - len(raw))
		return true
	}
}
