package mutators

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Server handshake messages as a client under test reads them (row 73:
// ServerHello, EncryptedExtensions, Certificate, ServerKeyExchange,
// NewSessionTicket, and the TLS 1.3 CertificateVerify): byte-level
// families generated, as the ClientHello's are (hello_bytes.go), from
// the layouts of sample messages shaped like the reference server's
// (SampleServerMessage): the body cut right after every field boundary,
// every inner length field one short, one long, zero and at its maximum,
// and, for the message as a whole, a byte after its last field, its last
// byte missing and an empty body. The handshake length always matches
// the body: only the message's own syntax is broken, so a client must
// answer decode_error (RFC 8446 §6). Below TLS 1.3 no RFC puts that duty
// on a client (RFC 5246 §7.4.1.2's "as for all other messages" binds the
// server reading a ClientHello): there the expectation is SHOULD level.
//
// These mutators set ServerMessage; the name's family names the message
// ("server_hello/length/session_id/long" changes a ServerHello).

const (
	rfcServerMessage = "RFC 8446 §6; RFC 5246 §7.4"
	rowServerMessage = 73
	smWhyBelow13     = "no RFC puts the duty to refuse a malformed server message on a TLS 1.0-1.2 client (RFC 5246 §7.4.1.2, \"as for all other messages\", binds the server reading a ClientHello); RFC 8446 §6 does in TLS 1.3"
)

// ServerMessageTypes are the server messages the family changes, by the
// name (and layout scope) of their mutators' family.
var ServerMessageTypes = map[string]wire.HandshakeType{
	"server_hello":         wire.TypeServerHello,
	"encrypted_extensions": wire.TypeEncryptedExtensions,
	"certificate":          wire.TypeCertificate,
	"server_key_exchange":  wire.TypeServerKeyExchange,
	"new_session_ticket":   wire.TypeNewSessionTicket,
	"certificate_verify":   wire.TypeCertificateVerify,
}

// ServerMessageType is the message a ServerMessage mutator changes (false
// for any other mutator).
func ServerMessageType(m Mutator) (wire.HandshakeType, bool) {
	if m.ServerMessage == nil {
		return 0, false
	}
	scope, _, _ := strings.Cut(m.Name, "/")
	t, ok := ServerMessageTypes[scope]
	return t, ok
}

// SampleServerMessage is a message of type t shaped like the one the
// reference server sends at version v (nil when it sends none there):
// TLS 1.3 ServerHello with supported_versions and an X25519 key_share,
// echoing a 32-byte session ID; TLS 1.0-1.2 ServerHello with a 32-byte
// session ID and extended_master_secret, renegotiation_info,
// ec_point_formats and session_ticket; an empty EncryptedExtensions; a
// Certificate of one certificate; an ECDHE ServerKeyExchange (X25519;
// signature_algorithm from TLS 1.2); NewSessionTicket of the version;
// a TLS 1.3 CertificateVerify. Bytes are fixed patterns.
func SampleServerMessage(t wire.HandshakeType, v wire.Version) wire.Message {
	pattern := func(n int, b byte) []byte {
		out := make([]byte, n)
		for i := range out {
			out[i] = b + byte(i)
		}
		return out
	}
	tls13 := v >= wire.VersionTLS13
	switch t {
	case wire.TypeServerHello:
		if tls13 {
			return &wire.ServerHello{Version: wire.VersionTLS12, Random: pattern(32, 0x20), SessionID: pattern(32, 0x60), CipherSuite: 0x1301,
				Extensions: []wire.Extension{wire.SupportedVersionsServerExt(wire.VersionTLS13),
					wire.KeyShareServerExt(wire.KeyShareEntry{Group: wire.GroupX25519, KeyExchange: pattern(32, 0x90)})}}
		}
		return &wire.ServerHello{Version: v, Random: pattern(32, 0x20), SessionID: pattern(32, 0x60), CipherSuite: 0xC02F,
			Extensions: []wire.Extension{wire.ExtendedMasterSecretExt(), wire.RenegotiationInfoExt(nil), wire.ECPointFormatsExt(0), wire.SessionTicketExt(nil)}}
	case wire.TypeEncryptedExtensions:
		if tls13 {
			return &wire.EncryptedExtensions{Extensions: []wire.Extension{}}
		}
	case wire.TypeCertificate:
		if tls13 {
			return &wire.Certificate13{Context: []byte{}, Entries: []wire.CertificateEntry{{Data: pattern(64, 0x30)}}}
		}
		return &wire.Certificate12{Certificates: [][]byte{pattern(64, 0x30)}}
	case wire.TypeServerKeyExchange:
		if !tls13 {
			return &wire.ServerKeyExchange{Form: wire.KXECDHE, CurveType: 3, Group: wire.GroupX25519, Point: pattern(32, 0x90),
				HasSignatureAlgorithm: v >= wire.VersionTLS12, SignatureAlgorithm: wire.PSSWithSHA256, Signature: pattern(64, 0xA0)}
		}
	case wire.TypeNewSessionTicket:
		if tls13 {
			return &wire.NewSessionTicket13{Lifetime: 7200, AgeAdd: 0x01020304, Nonce: []byte{0}, Ticket: pattern(48, 0x40), Extensions: []wire.Extension{}}
		}
		return &wire.NewSessionTicket12{LifetimeHint: 7200, Ticket: pattern(48, 0x40)}
	case wire.TypeCertificateVerify:
		if tls13 {
			return &wire.CertificateVerify{HasAlgorithm: true, Algorithm: wire.PSSWithSHA256, Signature: pattern(64, 0xA0)}
		}
	}
	return nil
}

// MutateServerMessage applies a ServerMessage mutator to msg and returns
// the message bytes to send (false when it does not apply to msg).
func MutateServerMessage(m Mutator, msg wire.Message, seed uint64) ([]byte, bool, error) {
	if m.ServerMessage == nil {
		return nil, false, fmt.Errorf("mutators: %s does not change a server message", m.Name)
	}
	raw, lay, err := wire.MarshalLayout(msg)
	if err != nil {
		return nil, false, err
	}
	out, ok := m.ServerMessage(raw, lay, Rand(seed, m.Name))
	return out, ok, nil
}

func serverMessageMutators() []Mutator {
	var out []Mutator
	scopes := slices.Sorted(func(yield func(string) bool) {
		for s := range ServerMessageTypes {
			if !yield(s) {
				return
			}
		}
	})
	for _, scope := range scopes {
		out = append(out, smFamily(scope, ServerMessageTypes[scope])...)
	}
	return out
}

// smSample is a marshalled sample of one message and the versions it
// stands for.
type smSample struct {
	msg      []byte
	lay      wire.Layout
	versions []wire.Version
}

// smSamples are the samples of message t: TLS 1.2 (whose shape TLS 1.0
// and 1.1 share, the ServerKeyExchange's signature_algorithm aside) and
// TLS 1.3, where the reference server sends one.
func smSamples(t wire.HandshakeType) []smSample {
	var out []smSample
	for _, vs := range [][]wire.Version{chVersions12, chVersion13} {
		m := SampleServerMessage(t, vs[len(vs)-1])
		if m == nil {
			continue
		}
		msg, lay, err := wire.MarshalLayout(m)
		if err != nil {
			panic(err) // SampleServerMessage is ours: a bug
		}
		out = append(out, smSample{msg, lay, vs})
	}
	return out
}

// smExpect is the expectation of every mutator of the family.
func smExpect() Expectation {
	return Reject(rfcServerMessage, rowServerMessage, wire.AlertDecodeError).ShouldAt(smWhyBelow13, chVersions12...)
}

// smFamily generates the mutators of the message t, whose layout scope
// (and name family) is scope.
func smFamily(scope string, t wire.HandshakeType) []Mutator {
	samples := smSamples(t)
	var all chVersionSet
	var cuts, lies chVersionSet
	for _, s := range samples {
		all.add("", s.versions)
		names := msgExtNames(scope, s.msg, s.lay)
		end := smCutEnd(scope, s.lay)
		seen := map[int]bool{}
		for _, f := range s.lay {
			if seen[f.End] || strings.HasPrefix(f.Path, "handshake.") {
				continue
			}
			seen[f.End] = true
			if f.End <= 4 || f.End >= len(s.msg) || f.End == end {
				continue
			}
			if c, ok := msgClass(scope, f.Path, names); ok {
				cuts.add(c, s.versions)
			}
		}
		for _, f := range s.lay.Lengths() {
			c, ok := msgClass(scope, f.Path, names)
			if !ok || strings.HasPrefix(f.Path, "handshake.") {
				continue
			}
			lies.addLengthLies(strings.TrimSuffix(c, ".length"), s.msg, f, s.versions, nil)
		}
	}
	versions := func(set *chVersionSet, name string) []wire.Version {
		vs := set.of(name)
		if vs == nil && len(all.versions[""]) != len(chAllVersions) {
			vs = slices.Clone(all.versions[""])
			slices.Sort(vs)
		}
		return vs
	}
	desc := t.String()
	out := []Mutator{
		{Name: scope + "/trailing/1", Doc: "a " + desc + " with a random byte after its last field, inside the message (the handshake length counts it)",
			Expect: smExpect(), Versions: versions(&all, ""), ServerMessage: chTrailing(1)},
		{Name: scope + "/truncate/last-byte", Doc: "a " + desc + " whose body lacks its last byte (the handshake length fixed to match)",
			Expect: smExpect(), Versions: versions(&all, ""), ServerMessage: smCutLast},
		{Name: scope + "/truncate/empty-body", Doc: "a " + desc + " with an empty body (handshake length 0)",
			Expect: smExpect(), Versions: versions(&all, ""), ServerMessage: func(msg []byte, _ wire.Layout, _ *rand.Rand) ([]byte, bool) {
				if len(msg) <= 4 {
					return nil, false
				}
				return chWithBody(msg[0], nil), true
			}},
	}
	for _, c := range cuts.names {
		out = append(out, Mutator{
			Name:          scope + "/truncate/" + c,
			Doc:           "a " + desc + " whose body is cut right after " + c + " (the handshake length fixed to match)",
			Expect:        smExpect(),
			Versions:      versions(&cuts, c),
			ServerMessage: smTruncateAfter(scope, c),
		})
	}
	for _, name := range lies.names {
		c, lieName, _ := strings.Cut(name, "/")
		i := slices.IndexFunc(chLies, func(l chLie) bool { return l.name == lieName })
		out = append(out, Mutator{
			Name:          scope + "/length/" + name,
			Doc:           fmt.Sprintf("a %s whose length of %s is %s", desc, c, chLies[i].doc),
			Expect:        smExpect(),
			Versions:      versions(&lies, name),
			ServerMessage: msgLengthLie(scope, c, chLies[i].value),
		})
	}
	return out
}

// smCutEnd is an offset where a cut gives another valid message rather
// than a truncated one: a ServerHello cut after its compression method
// is one without extensions (RFC 5246 §7.4.1.3). -1 for the others.
func smCutEnd(scope string, lay wire.Layout) int {
	if scope != "server_hello" {
		return -1
	}
	if f, ok := lay.Find("server_hello.compression_method"); ok {
		return f.End
	}
	return -1
}

func smCutLast(msg []byte, _ wire.Layout, _ *rand.Rand) ([]byte, bool) {
	if len(msg) <= 4 {
		return nil, false
	}
	return chWithBody(msg[0], msg[4:len(msg)-1]), true
}

func smTruncateAfter(scope, class string) Bytes {
	return func(msg []byte, lay wire.Layout, _ *rand.Rand) ([]byte, bool) {
		f, ok := msgFindClass(scope, msg, lay, class, false)
		if !ok || f.End <= 4 || f.End >= len(msg) || f.End == smCutEnd(scope, lay) {
			return nil, false
		}
		return chWithBody(msg[0], msg[4:f.End]), true
	}
}
