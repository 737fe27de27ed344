package suite

import (
	"bytes"
	"testing"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// TestChangeOf: the reports name the field a check changed and its bytes
// before and after, passing over the lengths an insertion rewrote.
func TestChangeOf(t *testing.T) {
	hello := func(exts ...wire.Extension) []byte {
		ch := &wire.ClientHello{Version: wire.VersionTLS12, Random: make([]byte, 32), CipherSuites: []wire.CipherSuite{0x1301, 0x1302},
			CompressionMethods: []uint8{0}, Extensions: exts}
		raw, err := ch.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	groups := wire.Extension{Type: 10, Body: []byte{0, 2, 0, 29}}
	versions := wire.Extension{Type: 43, Body: []byte{2, 3, 4}}
	base := hello(groups, versions)

	flipped := bytes.Clone(base)
	flipped[len(flipped)-1] ^= 1 // the last byte of supported_versions.versions[0]
	lie := bytes.Clone(base)
	i := bytes.Index(lie, []byte{0x2b, 0, 3, 2})
	lie[i+3] = 4 // supported_versions.versions.length says 4

	for _, tc := range []struct {
		name      string
		msg       []byte
		path      string
		was, want string
	}{
		{"value", flipped, "client_hello.extensions[1].supported_versions.versions[0]", "04", "05"},
		{"length lie", lie, "client_hello.extensions[1].supported_versions.versions.length", "02", "04"},
		{"appended extension", hello(groups, versions, wire.Extension{Type: 0xff42}), "client_hello.extensions", "", "ff420000"},
		{"removed extension", hello(versions), "client_hello.extensions[0]", "000a00040002001d", ""},
		{"inserted suite", func() []byte {
			ch := &wire.ClientHello{Version: wire.VersionTLS12, Random: make([]byte, 32), CipherSuites: []wire.CipherSuite{0xee00, 0x1301, 0x1302},
				CompressionMethods: []uint8{0}, Extensions: []wire.Extension{groups, versions}}
			raw, _ := ch.Marshal()
			return raw
		}(), "client_hello.cipher_suites", "", "ee00"},
		{"duplicated extension", hello(groups, groups, versions), "client_hello.extensions", "", "000a00040002001d"},
		{"appended message", append(bytes.Clone(base), 0x14, 0, 0, 1, 0xaa), "", "", "14000001aa"},
	} {
		if tc.name == "appended message" {
			got := changeOf(peers.Change{Step: peers.StepClientHello, Before: base, After: tc.msg}, wire.Context{})
			if got.Message != "Finished" || got.Path != "" || got.Before != "" || got.After != tc.want {
				t.Errorf("%s: got %+v", tc.name, *got)
			}
			continue
		}
		got := changeOf(peers.Change{Step: peers.StepClientHello, Before: base, After: tc.msg}, wire.Context{})
		if got.Message != "ClientHello" || got.Path != tc.path || got.Before != tc.was || got.After != tc.want {
			t.Errorf("%s: got %+v, want path %s, %q → %q", tc.name, *got, tc.path, tc.was, tc.want)
		}
	}
	// Bytes that do not parse still give the bytes, without a path.
	got := changeOf(peers.Change{Step: "X", Before: []byte{1, 2, 3}, After: []byte{1, 9, 3}}, wire.Context{})
	if got.Path != "" || got.Before != "02" || got.After != "09" || got.Offset != 1 {
		t.Errorf("unparsed: %+v", *got)
	}
}
