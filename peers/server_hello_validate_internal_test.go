package peers

import (
	"errors"
	"testing"

	"github.com/tlsconform/tlsconform/internal/fixture"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// TestValidateExtensionBody: the server's reading of each extension it knows,
// down to the floor of every vector (RFC 8446 §3.4), and what it answers.
func TestValidateExtensionBody(t *testing.T) {
	ok := wire.AlertDescription(255)
	for _, tc := range []struct {
		name string
		ext  wire.Extension
		want wire.AlertDescription
	}{
		{"sni", wire.ServerNameExt("example.com"), ok},
		{"sni-empty-body", wire.Extension{Type: wire.ExtServerName}, wire.AlertDecodeError},
		{"sni-empty-list", wire.ServerNameListExt(), wire.AlertDecodeError},
		{"sni-empty-name", wire.ServerNameListExt(wire.ServerName{}), wire.AlertDecodeError},
		{"sni-two-hosts", wire.ServerNameListExt(wire.ServerName{Name: []byte("a")}, wire.ServerName{Name: []byte("b")}), wire.AlertIllegalParameter},
		{"sni-trailing", wire.Extension{Type: wire.ExtServerName, Body: append(wire.ServerNameExt("a").Body, 0)}, wire.AlertDecodeError},
		{"groups", wire.SupportedGroupsExt(wire.GroupX25519), ok},
		{"groups-empty", wire.SupportedGroupsExt(), wire.AlertDecodeError},
		{"groups-odd", wire.Extension{Type: wire.ExtSupportedGroups, Body: []byte{0, 1, 0}}, wire.AlertDecodeError},
		{"sigalgs-empty", wire.SignatureAlgorithmsExt(), wire.AlertDecodeError},
		{"point-formats-empty", wire.ECPointFormatsExt(), wire.AlertDecodeError},
		{"alpn-empty-name", wire.ALPNExt(""), wire.AlertDecodeError},
		{"versions-empty", wire.SupportedVersionsClientExt(), wire.AlertDecodeError},
		{"key-share-empty-list", wire.KeyShareClientExt(), ok},
		{"key-share-empty-entry", wire.KeyShareClientExt(wire.KeyShareEntry{Group: wire.GroupX25519}), wire.AlertDecodeError},
		{"psk-modes-empty", wire.PSKKeyExchangeModesExt(), wire.AlertDecodeError},
		{"psk-short-binder", wire.PreSharedKeyClient{Identities: []wire.PSKIdentity{{Identity: []byte{1}}}, Binders: [][]byte{{1}}}.Extension(), wire.AlertDecodeError},
		{"reneg-trailing", wire.Extension{Type: wire.ExtRenegotiationInfo, Body: []byte{0, 0}}, wire.AlertDecodeError},
		{"early-data-body", wire.Extension{Type: wire.ExtEarlyData, Body: []byte{0}}, wire.AlertDecodeError},
		{"unknown", wire.Extension{Type: 0xff42, Body: []byte{1, 2, 3}}, ok},
	} {
		err := validateExtensionBody(tc.ext)
		var pe *ProtocolError
		switch {
		case tc.want == ok && err != nil:
			t.Errorf("%s: %v, want nil", tc.name, err)
		case tc.want != ok && (!errors.As(err, &pe) || pe.Alert != tc.want):
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
}

// TestStrictClientHelloParse: bytes after the last field of a ClientHello
// do not parse.
func TestStrictClientHelloParse(t *testing.T) {
	long, err := fixture.ClientHelloTrailing(0xde, 0xad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseClientHello(nil, long); !errors.Is(err, wire.ErrTrailing) {
		t.Errorf("strict parse: %v, want trailing data", err)
	}
}
