package wire

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			raw := mustMarshal(t, s.msg)
			back, err := UnmarshalHandshake(raw, s.ctx)
			if err != nil {
				t.Fatalf("UnmarshalHandshake: %v", err)
			}
			if back.Type() != s.msg.Type() {
				t.Fatalf("type %v, want %v", back.Type(), s.msg.Type())
			}
			if !sameValue(back, s.msg) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", back, s.msg)
			}
			again := mustMarshal(t, back)
			if !bytes.Equal(again, raw) {
				t.Fatalf("re-marshal differs:\n got %x\nwant %x", again, raw)
			}
		})
	}
}

func TestMarshalLayout(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			raw := mustMarshal(t, s.msg)
			got, lay, err := MarshalLayout(s.msg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, raw) {
				t.Fatalf("MarshalLayout bytes differ from Marshal")
			}
			checkLayout(t, raw, lay)
			m, lay2, err := ParseLayout(raw, s.ctx)
			if err != nil {
				t.Fatalf("ParseLayout: %v", err)
			}
			if m.Type() != s.msg.Type() || len(lay2) != len(lay) {
				t.Fatalf("ParseLayout disagrees with MarshalLayout")
			}
		})
	}
	for _, g := range goldens(t) {
		t.Run("golden/"+g.name, func(t *testing.T) {
			raw, lay, err := MarshalLayout(g.msg)
			if err != nil {
				t.Fatal(err)
			}
			checkLayout(t, raw, lay)
		})
	}
}

// TestLayoutPaths pins the path scheme mutators aim with.
func TestLayoutPaths(t *testing.T) {
	var ch *ClientHello
	var odd *ClientHello
	var hrr *ServerHello
	for _, s := range samples() {
		switch s.name {
		case "ClientHello/1.3":
			ch = s.msg.(*ClientHello)
		case "ClientHello/odd":
			odd = s.msg.(*ClientHello)
		case "HelloRetryRequest":
			hrr = s.msg.(*ServerHello)
		}
	}
	raw, lay, err := MarshalLayout(ch)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{ // path -> [start, end]
		"handshake.type":                    {0, 1},
		"handshake.length":                  {1, 4},
		"handshake.body":                    {4, len(raw)},
		"client_hello.version":              {4, 6},
		"client_hello.random":               {6, 38},
		"client_hello.session_id.length":    {38, 39},
		"client_hello.session_id":           {39, 71},
		"client_hello.cipher_suites.length": {71, 73},
		"client_hello.cipher_suites[0]":     {73, 75},
	}
	for p, r := range want {
		f, ok := lay.Find(p)
		if !ok {
			t.Errorf("no field %s", p)
			continue
		}
		if f.Start != r[0] || f.End != r[1] {
			t.Errorf("%s = [%d,%d), want [%d,%d)", p, f.Start, f.End, r[0], r[1])
		}
	}
	for _, p := range []string{
		"client_hello.extensions.length",
		"client_hello.extensions[1]",
		"client_hello.extensions[1].type",
		"client_hello.extensions[1].length",
		"client_hello.extensions[1].body",
		"client_hello.extensions[1].server_name.server_name_list.length",
		"client_hello.extensions[1].server_name.server_name_list[0].name_type",
		"client_hello.extensions[1].server_name.server_name_list[0].host_name.length",
		"client_hello.extensions[3].renegotiation_info.renegotiated_connection.length",
		"client_hello.extensions[4].supported_groups.named_group_list[2]",
		"client_hello.extensions[5].ec_point_formats.ec_point_format_list.length",
		"client_hello.extensions[7].alpn.protocol_name_list[1].length",
		"client_hello.extensions[9].signature_algorithms.supported_signature_algorithms.length",
		"client_hello.extensions[10].signature_algorithms_cert.supported_signature_algorithms[0]",
		"client_hello.extensions[11].key_share.client_shares.length",
		"client_hello.extensions[11].key_share.client_shares[1].group",
		"client_hello.extensions[11].key_share.client_shares[0].key_exchange.length",
		"client_hello.extensions[12].psk_key_exchange_modes.ke_modes.length",
		"client_hello.extensions[13].supported_versions.versions.length",
		"client_hello.extensions[14].cookie.cookie.length",
		"client_hello.extensions[18].pre_shared_key.identities[1].identity.length",
		"client_hello.extensions[18].pre_shared_key.identities[0].obfuscated_ticket_age",
		"client_hello.extensions[18].pre_shared_key.binders[1].length",
	} {
		if _, ok := lay.Find(p); !ok {
			t.Errorf("no field %s", p)
		}
	}
	if f, _ := lay.Find("client_hello.extensions[11].key_share.client_shares[0].key_exchange.length"); f.Covers != "client_hello.extensions[11].key_share.client_shares[0].key_exchange" {
		t.Errorf("key_exchange.length covers %q", f.Covers)
	}
	if f, _ := lay.Find("client_hello.extensions[1].length"); f.Covers != "client_hello.extensions[1].body" || !f.Length {
		t.Errorf("extension length field: %+v", f)
	}
	if f, _ := lay.Find("handshake.length"); f.Covers != "handshake.body" || !f.Length {
		t.Errorf("handshake.length: %+v", f)
	}

	// A body that does not parse as its type is one opaque field.
	_, lay, err = MarshalLayout(odd)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := lay.Find("client_hello.extensions[2].body"); !ok {
		t.Error("no opaque body for the malformed key_share")
	}
	for _, f := range lay {
		if strings.HasPrefix(f.Path, "client_hello.extensions[2].key_share") {
			t.Errorf("malformed key_share broken into fields: %s", f.Path)
		}
	}
	if _, ok := lay.Find("client_hello.extensions[1].server_name.server_name_list[0].host_name"); !ok {
		t.Error("duplicate server_name not typed")
	}

	// A HelloRetryRequest's key_share is the selected_group form.
	_, lay, err = MarshalLayout(hrr)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"server_hello.extensions[1].key_share.selected_group", "server_hello.extensions[0].supported_versions.selected_version", "server_hello.extensions[2].cookie.cookie.length"} {
		if _, ok := lay.Find(p); !ok {
			t.Errorf("no field %s", p)
		}
	}
}

// foreignMessage is a Message from outside the package.
type foreignMessage struct{}

func (foreignMessage) Type() HandshakeType      { return 99 }
func (foreignMessage) Marshal() ([]byte, error) { return []byte{99, 0, 0, 2, 1, 2}, nil }

func TestMarshalLayoutForeign(t *testing.T) {
	raw, lay, err := MarshalLayout(foreignMessage{})
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, raw, lay)
}

// TestTruncateEveryPrefix cuts every message at every length: each prefix
// must fail with a *ParseError (the header length no longer matches), and
// never panic.
func TestTruncateEveryPrefix(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			raw := mustMarshal(t, s.msg)
			for n := 0; n < len(raw); n++ {
				_, err := UnmarshalHandshake(raw[:n], s.ctx)
				wantParseError(t, err, ErrTruncated, s.name+" cut at "+itoa(n))
			}
		})
	}
}

// TestTruncateBody cuts the body at every length and fixes the header
// length, so the body parser itself meets the short input: it must return a
// *ParseError, or (where the shorter body is itself valid) a message that
// marshals back to exactly the cut bytes. And at every field boundary of
// the layout, a cut inside the message with fixed header reaches the
// field-level parser.
func TestTruncateBody(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			raw := mustMarshal(t, s.msg)
			for n := handshakeHeaderLen; n < len(raw); n++ {
				cut := withBody(raw[0], raw[handshakeHeaderLen:n])
				m, err := UnmarshalHandshake(cut, s.ctx)
				if err != nil {
					wantParseError(t, err, nil, s.name+" body cut at "+itoa(n))
					continue
				}
				again := mustMarshal(t, m)
				if !bytes.Equal(again, cut) {
					t.Fatalf("cut at %d parsed but re-marshals differently:\n got %x\nwant %x", n, again, cut)
				}
			}
		})
	}
}

// withBody frames body as a handshake message of type t.
func withBody(t byte, body []byte) []byte {
	n := len(body)
	return append([]byte{t, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// TestTrailing appends a byte: to the whole message it is ErrTrailing at
// the handshake layer; inside the body (header fixed) it is ErrTrailing for
// every message whose body has a definite end.
func TestTrailing(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			raw := mustMarshal(t, s.msg)
			_, err := UnmarshalHandshake(append(append([]byte(nil), raw...), 0), s.ctx)
			pe := wantParseError(t, err, ErrTrailing, "appended byte")
			if pe.Field != "handshake.body" || pe.Offset != len(raw) {
				t.Errorf("appended byte: %v", err)
			}

			long := withBody(raw[0], append(append([]byte(nil), raw[handshakeHeaderLen:]...), 0))
			m, err := UnmarshalHandshake(long, s.ctx)
			switch {
			case indefinite(s.msg):
				if err != nil {
					t.Fatalf("body without a definite end rejected a longer body: %v", err)
				}
				if again := mustMarshal(t, m); !bytes.Equal(again, long) {
					t.Fatalf("longer body does not round-trip")
				}
			case optionalExtensions(s.msg):
				// The extra byte is read as the start of an extensions block.
				wantParseError(t, err, ErrTruncated, "byte after a hello without extensions")
			default:
				wantParseError(t, err, ErrTrailing, "byte appended to the body")
			}
		})
	}
}

// indefinite reports whether the body ends wherever the message does.
func indefinite(m Message) bool {
	switch m := m.(type) {
	case *Finished, *UnknownMessage:
		return true
	case *ClientKeyExchange:
		return m.Form == KXUnknown
	}
	return false
}

func optionalExtensions(m Message) bool {
	switch m := m.(type) {
	case *ClientHello:
		return m.Extensions == nil
	case *ServerHello:
		return m.Extensions == nil
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestParseErrorText(t *testing.T) {
	// Header, version, random, then a session_id that claims 5 bytes and
	// has none.
	body := append(append([]byte{3, 3}, seq(0, 32)...), 5)
	_, err := UnmarshalClientHello(withBody(1, body))
	pe := wantParseError(t, err, ErrTruncated, "short session_id")
	if pe.Message != "ClientHello" || pe.Field != "session_id" || pe.Offset != 39 {
		t.Fatalf("got %+v", pe)
	}
	if got, want := err.Error(), "wire: ClientHello: session_id: truncated at offset 39"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}

	// An odd cipher_suites length cuts the last suite short.
	body = append(append([]byte{3, 3}, seq(0, 32)...), 0, 0, 3, 0x13, 0x01, 0x13, 1, 0)
	_, err = UnmarshalClientHello(withBody(1, body))
	pe = wantParseError(t, err, ErrTruncated, "odd cipher_suites")
	if pe.Field != "cipher_suites[1]" || pe.Offset != 4+2+32+1+2+2 {
		t.Fatalf("got %+v", pe)
	}

	// A truncated extension body names the extension.
	ch := &ClientHello{Version: VersionTLS12, Random: seq(0, 32), CipherSuites: []CipherSuite{0x1301}, CompressionMethods: []uint8{0},
		Extensions: []Extension{ExtendedMasterSecretExt(), {Type: ExtALPN, Body: []byte{0, 3, 2, 'h', '2'}}}}
	raw := mustMarshal(t, ch)
	raw[len(raw)-6] = 9 // the ALPN extension's length: 5 -> 9
	_, err = UnmarshalClientHello(raw)
	pe = wantParseError(t, err, ErrTruncated, "long extension length")
	if pe.Field != "extensions[1].body" {
		t.Fatalf("got %+v", pe)
	}

	// Wrong type for a typed Unmarshal.
	_, err = UnmarshalServerHello(raw)
	pe = wantParseError(t, err, ErrWrongType, "ClientHello as ServerHello")
	if pe.Field != "handshake.type" || pe.Offset != 0 {
		t.Fatalf("got %+v", pe)
	}
}

func TestMarshalTooLong(t *testing.T) {
	cases := []struct {
		name string
		m    Message
	}{
		{"session_id", &ClientHello{Random: seq(0, 32), SessionID: make([]byte, 256)}},
		{"extension body", &EncryptedExtensions{Extensions: []Extension{{Type: ExtPadding, Body: make([]byte, 1<<16)}}}},
		{"cert_data", &Certificate12{Certificates: [][]byte{make([]byte, 1<<24)}}},
		{"ECDHE point", &ServerKeyExchange{Form: KXECDHE, Point: make([]byte, 256)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.m.Marshal()
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Marshal: got %v, want ErrTooLarge", err)
			}
			if _, _, err := MarshalLayout(c.m); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("MarshalLayout: got %v, want ErrTooLarge", err)
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Fatal("ALPNExt with a 256-byte protocol did not panic")
		}
	}()
	ALPNExt(strings.Repeat("x", 256))
}

// TestAnyValue: the codec marshals what it is given, however wrong.
func TestAnyValue(t *testing.T) {
	ch := &ClientHello{Version: 0x0a0a, Random: seq(0, 31), SessionID: seq(0, 33),
		Extensions: []Extension{KeyShareClientExt(), KeyShareClientExt()}}
	raw := mustMarshal(t, ch)
	if len(raw) != 4+2+31+1+33+2+1+2+2*(4+2) {
		t.Fatalf("unexpected size %d", len(raw))
	}
	if CountExtension(ch.Extensions, ExtKeyShare) != 2 {
		t.Fatal("CountExtension")
	}
	// The 31-byte random shifts everything after it, so the bytes now read
	// differently; they must still either parse or fail cleanly.
	if _, err := UnmarshalClientHello(raw); err != nil {
		wantParseError(t, err, nil, "shifted hello")
	}
}

func TestServerKeyExchangeGuess(t *testing.T) {
	for _, s := range samples() {
		ske, ok := s.msg.(*ServerKeyExchange)
		if !ok {
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			raw := mustMarshal(t, ske)
			ctx := s.ctx
			ctx.KeyExchange = KXUnknown
			m, err := UnmarshalServerKeyExchange(raw, ctx)
			if err != nil {
				t.Fatal(err)
			}
			if m.Form != ske.Form || !sameValue(m, ske) {
				t.Fatalf("guessed %v, want %v", m.Form, ske.Form)
			}
			if !bytes.Equal(m.Params(), raw[4:4+len(m.Params())]) {
				t.Fatal("Params is not the start of the body")
			}
		})
	}
}

func TestHelloRetryRequest(t *testing.T) {
	for _, s := range samples() {
		sh, ok := s.msg.(*ServerHello)
		if !ok {
			continue
		}
		m, err := UnmarshalHandshake(mustMarshal(t, sh), Context{})
		if err != nil {
			t.Fatal(err)
		}
		got := m.(*ServerHello).IsHelloRetryRequest()
		if got != (s.name == "HelloRetryRequest") {
			t.Errorf("%s: IsHelloRetryRequest = %v", s.name, got)
		}
	}
}

func TestUnmarshalHandshakeDispatch(t *testing.T) {
	nst12 := mustMarshal(t, &NewSessionTicket12{LifetimeHint: 1, Ticket: []byte{1}})
	if _, ok := mustParse(t, nst12, ctx12).(*NewSessionTicket12); !ok {
		t.Error("NST in 1.2")
	}
	cert := mustMarshal(t, &Certificate13{})
	if _, ok := mustParse(t, cert, ctx13).(*Certificate13); !ok {
		t.Error("Certificate in 1.3")
	}
	cr := mustMarshal(t, &CertificateRequest13{})
	if _, ok := mustParse(t, cr, ctx13).(*CertificateRequest13); !ok {
		t.Error("CertificateRequest in 1.3")
	}
	if m := mustParse(t, []byte{200, 0, 0, 1, 7}, Context{}).(*UnknownMessage); m.MsgType != 200 || !bytes.Equal(m.Body, []byte{7}) {
		t.Errorf("unknown: %+v", m)
	}
	m, err := UnmarshalHandshake([]byte{1, 0, 0, 1, 0}, Context{})
	if m != nil || err == nil {
		t.Errorf("failed parse returned %#v, %v", m, err)
	}
	if _, err := UnmarshalHandshake(nil, Context{}); err == nil {
		t.Error("empty input parsed")
	}
}

func mustParse(t *testing.T, raw []byte, ctx Context) Message {
	t.Helper()
	m, err := UnmarshalHandshake(raw, ctx)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
