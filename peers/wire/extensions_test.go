package wire

import (
	"bytes"
	"errors"
	"testing"
)

// typedExt is one typed extension: its constructor output, the body bytes
// written by hand from the RFC structure, and its parser with the value it
// must return.
type typedExt struct {
	name  string
	ext   Extension
	typ   ExtensionType
	hex   string
	parse func([]byte) (any, error)
	want  any
}

func wrap[T any](f func([]byte) (T, error)) func([]byte) (any, error) {
	return func(b []byte) (any, error) {
		v, err := f(b)
		return v, err
	}
}

func typedExts() []typedExt {
	psk := PreSharedKeyClient{
		Identities: []PSKIdentity{{Identity: []byte{0xaa, 0xbb}, ObfuscatedTicketAge: 0x01020304}},
		Binders:    [][]byte{{1, 2, 3}},
	}
	return []typedExt{
		// RFC 6066 §3.
		{"server_name", ServerNameExt("ex"), ExtServerName, `0005 00 0002 6578`, wrap(ParseServerName), []ServerName{{0, []byte("ex")}}},
		{"server_name/list", ServerNameListExt(ServerName{0, []byte("a")}, ServerName{7, []byte("bc")}), ExtServerName,
			`0009 00 0001 61 07 0002 6263`, wrap(ParseServerName), []ServerName{{0, []byte("a")}, {7, []byte("bc")}}},
		// RFC 8446 §4.2.7.
		{"supported_groups", SupportedGroupsExt(GroupX25519, GroupSecp256r1), ExtSupportedGroups, `0004 001d 0017`, wrap(ParseSupportedGroups), []Group{GroupX25519, GroupSecp256r1}},
		{"supported_groups/empty", SupportedGroupsExt(), ExtSupportedGroups, `0000`, wrap(ParseSupportedGroups), []Group(nil)},
		// RFC 8422 §5.1.2.
		{"ec_point_formats", ECPointFormatsExt(0, 1), ExtECPointFormats, `02 00 01`, wrap(ParseECPointFormats), []uint8{0, 1}},
		// RFC 8446 §4.2.3.
		{"signature_algorithms", SignatureAlgorithmsExt(PSSWithSHA256, Ed25519), ExtSignatureAlgorithms, `0004 0804 0807`, wrap(ParseSignatureAlgorithms), []SignatureScheme{PSSWithSHA256, Ed25519}},
		{"signature_algorithms_cert", SignatureAlgorithmsCertExt(PKCS1WithSHA256), ExtSignatureAlgorithmsCert, `0002 0401`, wrap(ParseSignatureAlgorithms), []SignatureScheme{PKCS1WithSHA256}},
		// RFC 7301 §3.1.
		{"alpn", ALPNExt("h2", "http/1.1"), ExtALPN, `000c 02 6832 08 687474702f312e31`, wrap(ParseALPN), []string{"h2", "http/1.1"}},
		// RFC 8446 §4.2.1.
		{"supported_versions/client", SupportedVersionsClientExt(VersionTLS13, VersionTLS12), ExtSupportedVersions, `04 0304 0303`, wrap(ParseSupportedVersionsClient), []Version{VersionTLS13, VersionTLS12}},
		{"supported_versions/server", SupportedVersionsServerExt(VersionTLS13), ExtSupportedVersions, `0304`, wrap(ParseSupportedVersionsServer), VersionTLS13},
		// RFC 8446 §4.2.8.
		{"key_share/client", KeyShareClientExt(KeyShareEntry{GroupX25519, []byte{1, 2}}, KeyShareEntry{GroupSecp256r1, []byte{3}}), ExtKeyShare,
			`000b 001d 0002 0102 0017 0001 03`, wrap(ParseKeyShareClient), []KeyShareEntry{{GroupX25519, []byte{1, 2}}, {GroupSecp256r1, []byte{3}}}},
		{"key_share/server", KeyShareServerExt(KeyShareEntry{GroupX25519, []byte{1, 2}}), ExtKeyShare, `001d 0002 0102`, wrap(ParseKeyShareServer), KeyShareEntry{GroupX25519, []byte{1, 2}}},
		{"key_share/hrr", KeyShareHRRExt(GroupSecp384r1), ExtKeyShare, `0018`, wrap(ParseKeyShareHRR), GroupSecp384r1},
		// RFC 5746 §3.2.
		{"renegotiation_info", RenegotiationInfoExt([]byte{1, 2, 3}), ExtRenegotiationInfo, `03 010203`, wrap(ParseRenegotiationInfo), []byte{1, 2, 3}},
		{"renegotiation_info/initial", RenegotiationInfoExt(nil), ExtRenegotiationInfo, `00`, wrap(ParseRenegotiationInfo), []byte(nil)},
		// RFC 8446 §4.2.11.
		{"pre_shared_key/client", psk.Extension(), ExtPreSharedKey, `0008 0002 aabb 01020304 0004 03 010203`, wrap(ParsePreSharedKeyClient), psk},
		{"pre_shared_key/server", PreSharedKeyServerExt(2), ExtPreSharedKey, `0002`, wrap(ParsePreSharedKeyServer), uint16(2)},
		// RFC 8446 §4.2.9.
		{"psk_key_exchange_modes", PSKKeyExchangeModesExt(PSKModeKE, PSKModeDHEKE), ExtPSKKeyExchangeModes, `02 00 01`, wrap(ParsePSKKeyExchangeModes), []uint8{0, 1}},
		// RFC 8446 §4.2.2.
		{"cookie", CookieExt([]byte{9, 8}), ExtCookie, `0002 0908`, wrap(ParseCookie), []byte{9, 8}},
		// RFC 8446 §4.2.10.
		{"early_data/nst", EarlyDataNSTExt(0x4000), ExtEarlyData, `00004000`, wrap(ParseEarlyDataNST), uint32(0x4000)},
	}
}

func TestTypedExtensions(t *testing.T) {
	for _, c := range typedExts() {
		t.Run(c.name, func(t *testing.T) {
			want := hx(t, c.hex)
			if c.ext.Type != c.typ {
				t.Fatalf("type %v, want %v", c.ext.Type, c.typ)
			}
			if !bytes.Equal(c.ext.Body, want) {
				t.Fatalf("body:\n got %x\nwant %x", c.ext.Body, want)
			}
			got, err := c.parse(want)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !sameValue(got, c.want) {
				t.Fatalf("parse: got %#v, want %#v", got, c.want)
			}
		})
	}
}

// TestTypedExtensionsTruncate cuts every body at every length and appends a
// byte: each typed parser must return a *ParseError (ErrTrailing for the
// appended byte) naming "extension <type>", and never panic.
func TestTypedExtensionsTruncate(t *testing.T) {
	for _, c := range typedExts() {
		t.Run(c.name, func(t *testing.T) {
			body := c.ext.Body
			for n := 0; n < len(body); n++ {
				if n == 0 && c.typ == ExtServerName {
					continue // the server's empty echo is valid (RFC 6066 §3)
				}
				_, err := c.parse(body[:n])
				pe := wantParseError(t, err, nil, c.name+" cut at "+itoa(n))
				wantMsg := "extension " + c.typ.String()
				if c.typ == ExtSignatureAlgorithmsCert {
					wantMsg = "extension signature_algorithms" // one parser reads both
				}
				if pe.Message != wantMsg {
					t.Fatalf("Message %q", pe.Message)
				}
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrTrailing) {
					t.Fatalf("cut at %d: %v", n, err)
				}
			}
			_, err := c.parse(append(append([]byte(nil), body...), 0))
			wantParseError(t, err, ErrTrailing, c.name+" with a byte appended")
		})
	}
}

func TestEmptyAndRawExtensions(t *testing.T) {
	for _, c := range []struct {
		e    Extension
		typ  ExtensionType
		body string
	}{
		{ExtendedMasterSecretExt(), ExtExtendedMasterSecret, ``},   // RFC 7627 §5.1
		{EncryptThenMACExt(), ExtEncryptThenMAC, ``},               // RFC 7366 §2
		{EarlyDataExt(), ExtEarlyData, ``},                         // RFC 8446 §4.2.10
		{SessionTicketExt(nil), ExtSessionTicket, ``},              // RFC 5077 §3.2
		{SessionTicketExt([]byte{1, 2}), ExtSessionTicket, `0102`}, // RFC 5077 §3.2
		{PaddingExt(3), ExtPadding, `000000`},                      // RFC 7685 §3
		{PaddingExt(-1), ExtPadding, ``},
		{StatusRequestExt(), ExtStatusRequest, `01 0000 0000`}, // RFC 6066 §8
		{GREASEExt(1, []byte{0}), 0x1a1a, `00`},                // RFC 8701 §2
	} {
		if c.e.Type != c.typ || !bytes.Equal(c.e.Body, hx(t, c.body)) {
			t.Errorf("%v: got type %v body %x, want %v %s", c.e, c.e.Type, c.e.Body, c.typ, c.body)
		}
	}
	if s, err := ParseServerName(nil); s != nil || err != nil {
		t.Errorf("ParseServerName(empty) = %v, %v", s, err)
	}
}

func TestFindExtension(t *testing.T) {
	exts := []Extension{ALPNExt("a"), ExtendedMasterSecretExt(), ALPNExt("b")}
	e, ok := FindExtension(exts, ExtALPN)
	if !ok || !bytes.Equal(e.Body, ALPNExt("a").Body) {
		t.Fatal("FindExtension did not return the first")
	}
	if _, ok := FindExtension(exts, ExtKeyShare); ok {
		t.Fatal("found a missing extension")
	}
	if CountExtension(exts, ExtALPN) != 2 || CountExtension(exts, ExtKeyShare) != 0 {
		t.Fatal("CountExtension")
	}
}

// TestTypedLayoutEverySite puts each typed extension in each message that
// carries extensions and checks the layout's length fields.
func TestTypedLayoutEverySite(t *testing.T) {
	var exts []Extension
	for _, c := range typedExts() {
		exts = append(exts, c.ext)
	}
	msgs := []Message{
		&ClientHello{Random: seq(0, 32), Extensions: exts},
		&ServerHello{Random: seq(0, 32), Extensions: exts},
		&ServerHello{Random: HelloRetryRequestRandom[:], Extensions: exts},
		&EncryptedExtensions{Extensions: exts},
		&CertificateRequest13{Extensions: exts},
		&NewSessionTicket13{Extensions: exts},
		&Certificate13{Entries: []CertificateEntry{{Extensions: exts}}},
	}
	for _, m := range msgs {
		raw, lay, err := MarshalLayout(m)
		if err != nil {
			t.Fatal(err)
		}
		checkLayout(t, raw, lay)
	}
}
