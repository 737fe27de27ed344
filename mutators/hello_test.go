package mutators

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// testHellos are valid ClientHellos of every version, built by hand: the
// samples and shapes the samples lack (no extensions, SNI and ALPN,
// pre_shared_key last, several key shares, GREASE, padding).
func testHellos(t testing.TB) map[string]*wire.ClientHello {
	t.Helper()
	out := map[string]*wire.ClientHello{}
	for _, v := range chAllVersions {
		out["sample-"+v.Short()] = SampleHello(v)
	}
	random := bytes.Repeat([]byte{7}, 32)

	out["tls10-no-extensions"] = &wire.ClientHello{
		Version: wire.VersionTLS10, Random: random,
		CipherSuites:       []wire.CipherSuite{wire.TLS_RSA_WITH_AES_128_CBC_SHA},
		CompressionMethods: []uint8{0},
	}
	out["tls11-empty-extensions"] = &wire.ClientHello{
		Version: wire.VersionTLS11, Random: random, SessionID: []byte{1, 2, 3},
		CipherSuites:       []wire.CipherSuite{wire.TLS_RSA_WITH_AES_128_CBC_SHA, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV},
		CompressionMethods: []uint8{1, 0},
		Extensions:         []wire.Extension{},
	}
	out["tls12-sni-alpn-padding"] = &wire.ClientHello{
		Version: wire.VersionTLS12, Random: random,
		CipherSuites:       []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.TLS_RSA_WITH_AES_128_GCM_SHA256},
		CompressionMethods: []uint8{0},
		Extensions: []wire.Extension{
			wire.ServerNameExt("example.org"),
			wire.ALPNExt("h2", "http/1.1"),
			wire.SupportedGroupsExt(wire.GroupSecp256r1),
			wire.SignatureAlgorithmsExt(wire.ECDSAWithP256AndSHA256),
			wire.StatusRequestExt(),
			wire.PaddingExt(100),
		},
	}
	psk := wire.PreSharedKeyClient{
		Identities: []wire.PSKIdentity{{Identity: []byte("ticket"), ObfuscatedTicketAge: 42}},
		Binders:    [][]byte{bytes.Repeat([]byte{9}, 32)},
	}
	out["tls13-psk-two-shares-grease"] = &wire.ClientHello{
		Version: wire.VersionTLS12, Random: random, SessionID: bytes.Repeat([]byte{3}, 32),
		CipherSuites:       []wire.CipherSuite{wire.CipherSuite(wire.GREASE(2)), wire.TLS_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		CompressionMethods: []uint8{0},
		Extensions: []wire.Extension{
			wire.GREASEExt(1, nil),
			wire.ServerNameExt("example.org"),
			wire.SupportedVersionsClientExt(wire.Version(wire.GREASE(4)), wire.VersionTLS13, wire.VersionTLS12),
			wire.SupportedGroupsExt(wire.GroupX25519, wire.GroupSecp256r1),
			wire.KeyShareClientExt(
				wire.KeyShareEntry{Group: wire.GroupX25519, KeyExchange: bytes.Repeat([]byte{5}, 32)},
				wire.KeyShareEntry{Group: wire.GroupSecp256r1, KeyExchange: append([]byte{4}, bytes.Repeat([]byte{6}, 64)...)},
			),
			wire.SignatureAlgorithmsExt(wire.Ed25519, wire.PSSWithSHA256),
			wire.ExtendedMasterSecretExt(),
			wire.RenegotiationInfoExt(nil),
			wire.PSKKeyExchangeModesExt(wire.PSKModeDHEKE),
			wire.EarlyDataExt(),
			psk.Extension(),
		},
	}
	out["tls13-empty-shares"] = func() *wire.ClientHello {
		ch := SampleHello(wire.VersionTLS13)
		ch.Extensions[chExtIndex(ch, wire.ExtKeyShare)] = wire.KeyShareClientExt()
		return ch
	}()
	return out
}

func helloRegistry() []Mutator { return Select("client_hello/") }

func TestHelloMutatorsAreWellFormed(t *testing.T) {
	all := helloRegistry()
	if len(all) < 150 {
		t.Fatalf("only %d ClientHello mutators", len(all))
	}
	names := map[string]bool{}
	for _, m := range Registry() {
		if names[m.Name] {
			t.Errorf("duplicate mutator name %s", m.Name)
		}
		names[m.Name] = true
	}
	for _, m := range all {
		if m.Doc == "" || m.Expect.RFC == "" || m.Expect.Row == 0 {
			t.Errorf("%s: missing Doc, RFC or row", m.Name)
		}
		if (m.Hello == nil) == (m.Bytes == nil) || m.CKE != nil || m.Framing != nil {
			t.Errorf("%s: exactly one of Hello and Bytes must be set", m.Name)
		}
		switch m.Expect.Class {
		case MustReject, MayReject:
			if len(m.Expect.Alerts) == 0 {
				t.Errorf("%s: a rejection with no alert named", m.Name)
			}
		case MustTolerate:
			if len(m.Expect.Alerts) != 0 {
				t.Errorf("%s: a tolerance with alerts", m.Name)
			}
		default:
			t.Errorf("%s: class %s", m.Name, m.Expect.Class)
		}
		if strings.ContainsAny(m.Name, " \t") {
			t.Errorf("%s: a space in the name", m.Name)
		}
		// Each applies to the sample of at least one of its versions.
		applies := false
		for _, v := range chAllVersions {
			if m.AppliesTo(v) {
				if _, ok, err := MutateHello(m, SampleHello(v), 1); ok && err == nil {
					applies = true
				}
			}
		}
		if !applies {
			t.Errorf("%s applies to no sample of its versions %v", m.Name, m.Versions)
		}
	}
}

// TestHelloMutatorsArePureAndDeterministic: the same seed gives the same
// bytes, the input is not changed, every result differs from the input,
// and nothing panics on any valid ClientHello.
func TestHelloMutatorsArePureAndDeterministic(t *testing.T) {
	hellos := testHellos(t)
	for _, m := range helloRegistry() {
		for name, ch := range hellos {
			before, err := ch.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			var out [2][]byte
			var ok [2]bool
			for i := range out {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s on %s: panic: %v", m.Name, name, r)
						}
					}()
					out[i], ok[i], err = MutateHello(m, ch, 42)
					if err != nil {
						t.Errorf("%s on %s: %v", m.Name, name, err)
					}
				}()
			}
			after, _ := ch.Marshal()
			if !bytes.Equal(before, after) {
				t.Errorf("%s on %s: changed its input", m.Name, name)
			}
			if ok[0] != ok[1] || !bytes.Equal(out[0], out[1]) {
				t.Errorf("%s on %s: not deterministic for one seed", m.Name, name)
			}
			if ok[0] && bytes.Equal(out[0], before) {
				t.Errorf("%s on %s: the result equals the input", m.Name, name)
			}
		}
	}
}

// TestHelloMutatorsOnGarbageLayouts: a Bytes mutator handed a layout that
// does not describe the bytes (a truncated message) does not panic.
func TestHelloMutatorsOnGarbageLayouts(t *testing.T) {
	msg, lay, err := wire.MarshalLayout(SampleHello(wire.VersionTLS13))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range helloRegistry() {
		if m.Bytes == nil {
			continue
		}
		for _, n := range []int{0, 1, 3, 4, 10, len(msg) / 2} {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s on %d of %d bytes: panic: %v", m.Name, n, len(msg), r)
					}
				}()
				m.Bytes(slices.Clone(msg[:n]), lay, Rand(1, m.Name))
			}()
		}
	}
}

// strictParse parses a ClientHello and the body of every extension the
// wire package knows, as a server that reads them all would.
func strictParse(b []byte) error { return chStrictParse(b) }

// TestHelloFramingMutationsDoNotParse: every truncation, length lie and
// trailing byte really makes a message that does not parse; those outside
// the extension bodies fail wire.UnmarshalHandshake itself.
func TestHelloFramingMutationsDoNotParse(t *testing.T) {
	hellos := testHellos(t)
	checked := 0
	for _, m := range helloRegistry() {
		name := strings.TrimPrefix(m.Name, "client_hello/")
		framing := strings.HasPrefix(name, "truncate/") || strings.HasPrefix(name, "length/") ||
			strings.HasPrefix(name, "trailing/") || strings.HasPrefix(name, "extensions/trailing/") ||
			strings.HasSuffix(name, "/odd-length")
		if !framing {
			continue
		}
		if m.Expect.Class != MustReject || !slices.Contains(m.Expect.Alerts, wire.AlertDecodeError) {
			t.Errorf("%s: a framing mutator that does not expect decode_error", m.Name)
		}
		outer := !strings.Contains(name, "extensions.") && !strings.HasPrefix(name, "extensions/") && !strings.HasPrefix(name, "supported_versions/")
		for hname, ch := range hellos {
			out, ok, err := MutateHello(m, ch, 1)
			if err != nil || !ok {
				continue
			}
			checked++
			if outer {
				if _, err := wire.UnmarshalHandshake(out, wire.Context{}); err == nil {
					t.Errorf("%s on %s: parses (%x)", m.Name, hname, out)
				}
				continue
			}
			if err := strictParse(out); err == nil {
				t.Errorf("%s on %s: parses with every extension body (%x)", m.Name, hname, out)
			}
		}
	}
	if checked < 300 {
		t.Errorf("only %d framing mutations checked", checked)
	}
}

// TestHelloTruncationsCoverEveryBoundary: each field boundary of the
// samples (but the end of compression_methods, where a ClientHello without
// extensions is valid) is reached by a truncation.
func TestHelloTruncationsCoverEveryBoundary(t *testing.T) {
	for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS13} {
		msg, lay, err := wire.MarshalLayout(SampleHello(v))
		if err != nil {
			t.Fatal(err)
		}
		cut := map[int]bool{}
		for _, m := range Select("client_hello/truncate/") {
			out, ok := m.Bytes(msg, lay, Rand(1, m.Name))
			if ok {
				cut[len(out)] = true
			}
		}
		comp, _ := lay.Find("client_hello.compression_methods")
		for _, b := range lay.Boundaries() {
			if b < 4 || b >= len(msg) || b == comp.End {
				continue
			}
			if !cut[b] && !isLaterElementBoundary(lay, b) {
				t.Errorf("%s: no truncation at offset %d", v, b)
			}
		}
	}
}

// isLaterElementBoundary: offset b only ends or starts the second or a
// later element of a vector (one class per vector, at its first element).
func isLaterElementBoundary(lay wire.Layout, b int) bool {
	for _, f := range lay {
		if f.End == b && !strings.Contains(f.Path, "[") {
			return false
		}
		if f.End == b && strings.HasSuffix(f.Path, "[0]") {
			return false
		}
	}
	return true
}

// TestHelloLengthLiesKeepTheHandshakeLength: a length lie changes only the
// field (the handshake header stays consistent with the body, unless the
// handshake length is the field).
func TestHelloLengthLiesKeepTheHandshakeLength(t *testing.T) {
	for _, v := range chAllVersions {
		ch := SampleHello(v)
		in, _ := ch.Marshal()
		for _, m := range Select("client_hello/length/") {
			out, ok, _ := MutateHello(m, ch, 1)
			if !ok {
				continue
			}
			if len(out) != len(in) {
				t.Errorf("%s: %d bytes from %d", m.Name, len(out), len(in))
			}
			diff := 0
			for i := range in {
				if in[i] != out[i] {
					diff++
				}
			}
			if diff == 0 || diff > 3 {
				t.Errorf("%s: %d bytes changed", m.Name, diff)
			}
			if !strings.HasPrefix(m.Name, "client_hello/length/handshake/") && !bytes.Equal(in[:4], out[:4]) {
				t.Errorf("%s: the handshake header changed", m.Name)
			}
		}
	}
}

// TestHelloTypedMutatorsKeepLengthsRight: a typed mutator's output parses
// as a ClientHello (Marshal re-fixed every length), whatever lie it tells
// inside an extension body.
func TestHelloTypedMutatorsKeepLengthsRight(t *testing.T) {
	for _, m := range helloRegistry() {
		if m.Hello == nil {
			continue
		}
		for name, ch := range testHellos(t) {
			out, ok, err := MutateHello(m, ch, 3)
			if err != nil || !ok {
				continue
			}
			if _, err := wire.UnmarshalHandshake(out, wire.Context{}); err != nil {
				t.Errorf("%s on %s: %v", m.Name, name, err)
			}
		}
	}
}

func TestHelloSamplesMatchTheirVersion(t *testing.T) {
	for _, v := range chAllVersions {
		ch := SampleHello(v)
		if got := chOffers13(ch); got != (v == wire.VersionTLS13) {
			t.Errorf("%s: offers TLS 1.3 = %v", v, got)
		}
		raw, err := ch.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := strictParse(raw); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
}

func TestHelloPadding(t *testing.T) {
	for _, n := range []int{256, 384, 511, 1<<14 + 512} {
		m, ok := ByName(fmt.Sprintf("client_hello/size/%d", n))
		if !ok {
			t.Fatalf("no size/%d", n)
		}
		out, ok, err := MutateHello(m, SampleHello(wire.VersionTLS12), 1)
		if err != nil || !ok || len(out) != n {
			t.Errorf("size/%d: %d bytes, %v %v", n, len(out), ok, err)
		}
	}
}
