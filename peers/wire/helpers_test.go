package wire

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// hx decodes hex written with spaces and newlines, as RFCs print it.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

func mustMarshal(t testing.TB, m Message) []byte {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatalf("Marshal %T: %v", m, err)
	}
	return b
}

// wantParseError fails unless err is a *ParseError wrapping want (any
// sentinel when want is nil).
func wantParseError(t testing.TB, err error, want error, what string) *ParseError {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("%s: got error %v (%T), want a *ParseError", what, err, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want it to wrap %v", what, err, want)
	}
	if pe.Message == "" {
		t.Fatalf("%s: ParseError with no Message: %v", what, err)
	}
	return pe
}

// sample is one message with the Context that parses it back.
type sample struct {
	name string
	msg  Message
	ctx  Context
}

var (
	ctx10 = Context{Version: VersionTLS10}
	ctx12 = Context{Version: VersionTLS12}
	ctx13 = Context{Version: VersionTLS13}
)

// samples returns one or more well-filled values of every message type.
func samples() []sample {
	random := seq(0, 32)
	share := seq(0x40, 32)
	ch13 := &ClientHello{
		Version:            VersionTLS12,
		Random:             random,
		SessionID:          seq(0x80, 32),
		CipherSuites:       []CipherSuite{CipherSuite(GREASE(2)), TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		CompressionMethods: []uint8{0},
		Extensions: []Extension{
			GREASEExt(3, nil),
			ServerNameExt("example.com"),
			ExtendedMasterSecretExt(),
			RenegotiationInfoExt(nil),
			SupportedGroupsExt(GroupX25519MLKEM768, GroupX25519, GroupSecp256r1),
			ECPointFormatsExt(0),
			SessionTicketExt(nil),
			ALPNExt("h2", "http/1.1"),
			StatusRequestExt(),
			SignatureAlgorithmsExt(ECDSAWithP256AndSHA256, PSSWithSHA256, PKCS1WithSHA256),
			SignatureAlgorithmsCertExt(Ed25519),
			KeyShareClientExt(KeyShareEntry{Group: GroupX25519, KeyExchange: share}, KeyShareEntry{Group: GroupSecp256r1, KeyExchange: seq(4, 65)}),
			PSKKeyExchangeModesExt(PSKModeDHEKE),
			SupportedVersionsClientExt(VersionTLS13, VersionTLS12),
			CookieExt([]byte{1, 2, 3}),
			EarlyDataExt(),
			EncryptThenMACExt(),
			PaddingExt(7),
			PreSharedKeyClient{
				Identities: []PSKIdentity{{Identity: seq(0x10, 20), ObfuscatedTicketAge: 0x01020304}, {Identity: []byte{9}, ObfuscatedTicketAge: 7}},
				Binders:    [][]byte{seq(0x60, 32), seq(0x70, 48)},
			}.Extension(),
		},
	}
	return []sample{
		{"ClientHello/1.3", ch13, Context{}},
		{"ClientHello/no-extensions", &ClientHello{Version: VersionTLS10, Random: random, CipherSuites: []CipherSuite{TLS_RSA_WITH_AES_128_CBC_SHA}, CompressionMethods: []uint8{0}}, Context{}},
		{"ClientHello/empty-extensions", &ClientHello{Version: VersionTLS12, Random: random, CipherSuites: []CipherSuite{TLS_RSA_WITH_AES_128_CBC_SHA}, CompressionMethods: []uint8{0}, Extensions: []Extension{}}, Context{}},
		{"ClientHello/odd", &ClientHello{Version: 0x7f7f, Random: seq(1, 32), SessionID: seq(1, 33), CompressionMethods: []uint8{1, 0}, Extensions: []Extension{ServerNameExt("a"), ServerNameExt("b"), {Type: ExtKeyShare, Body: []byte{0, 5, 1}}}}, Context{}},
		{"ServerHello/1.3", &ServerHello{Version: VersionTLS12, Random: seq(0x20, 32), SessionID: seq(0x80, 32), CipherSuite: TLS_AES_128_GCM_SHA256,
			Extensions: []Extension{SupportedVersionsServerExt(VersionTLS13), KeyShareServerExt(KeyShareEntry{Group: GroupX25519, KeyExchange: share}), PreSharedKeyServerExt(0)}}, Context{}},
		{"ServerHello/1.2", &ServerHello{Version: VersionTLS12, Random: seq(0x20, 32), CipherSuite: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			Extensions: []Extension{RenegotiationInfoExt(nil), ECPointFormatsExt(0), ExtendedMasterSecretExt(), ALPNExt("h2"), {Type: ExtServerName}}}, Context{}},
		{"ServerHello/1.0-no-extensions", &ServerHello{Version: VersionTLS10, Random: seq(0x20, 32), CipherSuite: TLS_RSA_WITH_AES_128_CBC_SHA}, Context{}},
		{"HelloRetryRequest", &ServerHello{Version: VersionTLS12, Random: HelloRetryRequestRandom[:], SessionID: seq(0x80, 32), CipherSuite: TLS_AES_256_GCM_SHA384,
			Extensions: []Extension{SupportedVersionsServerExt(VersionTLS13), KeyShareHRRExt(GroupSecp384r1), CookieExt(seq(0, 40))}}, Context{}},
		{"Certificate12", &Certificate12{Certificates: [][]byte{seq(0x30, 300), seq(0x30, 5)}}, ctx12},
		{"Certificate12/empty", &Certificate12{}, ctx12},
		{"Certificate13", &Certificate13{Entries: []CertificateEntry{
			{Data: seq(0x30, 300), Extensions: []Extension{{Type: ExtStatusRequest, Body: []byte{1, 0, 0, 2, 0xaa, 0xbb}}}},
			{Data: seq(0x30, 10)}}}, ctx13},
		{"Certificate13/context", &Certificate13{Context: []byte{1, 2, 3, 4}}, ctx13},
		{"ServerKeyExchange/ECDHE-1.2", &ServerKeyExchange{Form: KXECDHE, CurveType: CurveTypeNamedCurve, Group: GroupX25519, Point: share,
			HasSignatureAlgorithm: true, SignatureAlgorithm: PSSWithSHA256, Signature: seq(0, 128)}, Context{Version: VersionTLS12, KeyExchange: KXECDHE}},
		{"ServerKeyExchange/ECDHE-1.0", &ServerKeyExchange{Form: KXECDHE, CurveType: CurveTypeNamedCurve, Group: GroupSecp256r1, Point: seq(4, 65),
			Signature: seq(0, 64)}, Context{Version: VersionTLS10, KeyExchange: KXECDHE}},
		{"ServerKeyExchange/DHE-1.2", &ServerKeyExchange{Form: KXDHE, P: seq(0x80, 256), G: []byte{2}, Ys: seq(0x10, 256),
			HasSignatureAlgorithm: true, SignatureAlgorithm: PKCS1WithSHA256, Signature: seq(0, 256)}, Context{Version: VersionTLS12, KeyExchange: KXDHE}},
		{"ServerKeyExchange/DHE-1.1", &ServerKeyExchange{Form: KXDHE, P: seq(0x80, 128), G: []byte{5}, Ys: seq(0x10, 128), Signature: seq(0, 128)}, Context{Version: VersionTLS11, KeyExchange: KXDHE}},
		{"CertificateRequest12/1.2", &CertificateRequest12{CertificateTypes: []uint8{1, 64}, HasSignatureAlgorithms: true,
			SignatureAlgorithms: []SignatureScheme{PKCS1WithSHA256, ECDSAWithP256AndSHA256}, Authorities: [][]byte{seq(0x30, 20), seq(0x30, 3)}}, ctx12},
		{"CertificateRequest12/1.0", &CertificateRequest12{CertificateTypes: []uint8{1}}, ctx10},
		{"CertificateRequest13", &CertificateRequest13{Context: []byte{7}, Extensions: []Extension{SignatureAlgorithmsExt(Ed25519, PSSWithSHA256), SignatureAlgorithmsCertExt(Ed25519)}}, ctx13},
		{"ServerHelloDone", &ServerHelloDone{}, ctx12},
		{"ClientKeyExchange/RSA", &ClientKeyExchange{Form: KXRSA, Exchange: seq(0, 256)}, Context{Version: VersionTLS12, KeyExchange: KXRSA}},
		{"ClientKeyExchange/ECDHE", &ClientKeyExchange{Form: KXECDHE, Exchange: share}, Context{Version: VersionTLS12, KeyExchange: KXECDHE}},
		{"ClientKeyExchange/DHE", &ClientKeyExchange{Form: KXDHE, Exchange: seq(0, 256)}, Context{Version: VersionTLS12, KeyExchange: KXDHE}},
		{"ClientKeyExchange/unknown", &ClientKeyExchange{Form: KXUnknown, Exchange: seq(0, 10)}, ctx12},
		{"CertificateVerify/1.3", &CertificateVerify{HasAlgorithm: true, Algorithm: Ed25519, Signature: seq(0, 64)}, ctx13},
		{"CertificateVerify/1.0", &CertificateVerify{Signature: seq(0, 36)}, ctx10},
		{"Finished/1.2", &Finished{VerifyData: seq(0, 12)}, ctx12},
		{"Finished/1.3", &Finished{VerifyData: seq(0, 48)}, ctx13},
		{"NewSessionTicket12", &NewSessionTicket12{LifetimeHint: 7200, Ticket: seq(0, 100)}, ctx12},
		{"NewSessionTicket13", &NewSessionTicket13{Lifetime: 604800, AgeAdd: 0xdeadbeef, Nonce: []byte{0, 1}, Ticket: seq(0, 100), Extensions: []Extension{EarlyDataNSTExt(16384)}}, ctx13},
		{"EncryptedExtensions", &EncryptedExtensions{Extensions: []Extension{SupportedGroupsExt(GroupX25519), ALPNExt("h2"), {Type: ExtServerName}, EarlyDataExt()}}, ctx13},
		{"EncryptedExtensions/empty", &EncryptedExtensions{}, ctx13},
		{"KeyUpdate", &KeyUpdate{RequestUpdate: KeyUpdateRequested}, ctx13},
		{"EndOfEarlyData", &EndOfEarlyData{}, ctx13},
		{"HelloRequest", &HelloRequest{}, ctx12},
		{"CertificateStatus", &CertificateStatus{StatusType: 1, Response: seq(0x30, 50)}, ctx12},
		{"Unknown/message_hash", &UnknownMessage{MsgType: TypeMessageHash, Body: seq(0, 32)}, ctx13},
		{"Unknown/99", &UnknownMessage{MsgType: 99}, ctx13},
	}
}
