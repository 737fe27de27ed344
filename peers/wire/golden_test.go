package wire

import (
	"bytes"
	"testing"
)

// golden is a hand-built message and the bytes it must marshal to, written
// out by hand from the RFC structures (or pasted from RFC 8448).
type golden struct {
	name string
	msg  Message
	ctx  Context
	hex  string
}

func goldens(t testing.TB) []golden {
	rnd := "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	srnd := "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	hrr := "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
	return []golden{
		// RFC 5246 §7.4.1.2 ClientHello with RFC 6066 §3 server_name and
		// RFC 7627 extended_master_secret.
		{"ClientHello", &ClientHello{
			Version: VersionTLS12, Random: seq(0, 32), SessionID: []byte{0xaa, 0xbb},
			CipherSuites:       []CipherSuite{TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_EMPTY_RENEGOTIATION_INFO_SCSV},
			CompressionMethods: []uint8{0},
			Extensions:         []Extension{ServerNameExt("ex"), ExtendedMasterSecretExt()},
		}, Context{}, `
			01 00003e
			0303 ` + rnd + `
			02 aabb
			0004 c02f 00ff
			01 00
			000f
			  0000 0007 0005 00 0002 6578
			  0017 0000`},
		{"ClientHello/no-extensions", &ClientHello{
			Version: VersionTLS10, Random: seq(0, 32), SessionID: []byte{0xaa, 0xbb},
			CipherSuites: []CipherSuite{TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_EMPTY_RENEGOTIATION_INFO_SCSV}, CompressionMethods: []uint8{0},
		}, Context{}, `01 00002d 0301 ` + rnd + ` 02 aabb 0004 c02f 00ff 01 00`},
		{"ClientHello/empty-extensions", &ClientHello{
			Version: VersionTLS10, Random: seq(0, 32), SessionID: []byte{0xaa, 0xbb},
			CipherSuites: []CipherSuite{TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_EMPTY_RENEGOTIATION_INFO_SCSV}, CompressionMethods: []uint8{0},
			Extensions: []Extension{},
		}, Context{}, `01 00002f 0301 ` + rnd + ` 02 aabb 0004 c02f 00ff 01 00 0000`},
		// RFC 5246 §7.4.1.3 with RFC 5746 §3.2 and RFC 8422 §5.1.2.
		{"ServerHello/1.2", &ServerHello{
			Version: VersionTLS12, Random: seq(0x20, 32), CipherSuite: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			Extensions: []Extension{RenegotiationInfoExt(nil), ECPointFormatsExt(0)},
		}, Context{}, `02 000033 0303 ` + srnd + ` 00 c02f 00 000b ff01 0001 00 000b 0002 01 00`},
		// RFC 8446 §4.1.4 HelloRetryRequest with §4.2.1, §4.2.8, §4.2.2.
		{"HelloRetryRequest", &ServerHello{
			Version: VersionTLS12, Random: HelloRetryRequestRandom[:], CipherSuite: TLS_AES_128_GCM_SHA256,
			Extensions: []Extension{SupportedVersionsServerExt(VersionTLS13), KeyShareHRRExt(GroupSecp256r1), CookieExt([]byte{1, 2, 3})},
		}, Context{}, `02 00003d 0303 ` + hrr + ` 00 1301 00 0015 002b 0002 0304 0033 0002 0017 002c 0005 0003 010203`},
		// RFC 5246 §7.4.2.
		{"Certificate12", &Certificate12{Certificates: [][]byte{{0x30, 1, 2}, {0x30}}}, ctx12,
			`0b 00000d 00000a 000003 300102 000001 30`},
		// RFC 8446 §4.4.2.
		{"Certificate13", &Certificate13{Context: []byte{1}, Entries: []CertificateEntry{{Data: []byte{0x30, 1}}}}, ctx13,
			`0b 00000c 01 01 000007 000002 3001 0000`},
		// RFC 8422 §5.4 ServerECDHParams, RFC 5246 §7.4.1.4.1 algorithm.
		{"ServerKeyExchange/ECDHE", &ServerKeyExchange{Form: KXECDHE, CurveType: 3, Group: GroupX25519, Point: []byte{1, 2, 3, 4},
			HasSignatureAlgorithm: true, SignatureAlgorithm: PSSWithSHA256, Signature: []byte{0xaa, 0xbb}},
			Context{Version: VersionTLS12, KeyExchange: KXECDHE}, `0c 00000e 03 001d 04 01020304 0804 0002 aabb`},
		// RFC 5246 §7.4.3 ServerDHParams, TLS 1.0 signature (no algorithm).
		{"ServerKeyExchange/DHE", &ServerKeyExchange{Form: KXDHE, P: []byte{0x17}, G: []byte{2}, Ys: []byte{5, 6}, Signature: []byte{0xff}},
			Context{Version: VersionTLS10, KeyExchange: KXDHE}, `0c 00000d 0001 17 0001 02 0002 0506 0001 ff`},
		// RFC 5246 §7.4.4.
		{"CertificateRequest12/1.2", &CertificateRequest12{CertificateTypes: []uint8{1, 64}, HasSignatureAlgorithms: true,
			SignatureAlgorithms: []SignatureScheme{PKCS1WithSHA256, ECDSAWithP256AndSHA256}, Authorities: [][]byte{{0x30, 1, 0}}},
			ctx12, `0d 000010 02 0140 0004 0401 0403 0005 0003 300100`},
		// RFC 4346 §7.4.4 (no supported_signature_algorithms before 1.2).
		{"CertificateRequest12/1.0", &CertificateRequest12{CertificateTypes: []uint8{1, 64}, Authorities: [][]byte{{0x30, 1, 0}}},
			ctx10, `0d 00000a 02 0140 0005 0003 300100`},
		// RFC 8446 §4.3.2.
		{"CertificateRequest13", &CertificateRequest13{Extensions: []Extension{SignatureAlgorithmsExt(PSSWithSHA256)}},
			ctx13, `0d 00000b 00 0008 000d 0004 0002 0804`},
		// RFC 5246 §7.4.5.
		{"ServerHelloDone", &ServerHelloDone{}, ctx12, `0e 000000`},
		// RFC 5246 §7.4.7.1, RFC 8422 §5.7, RFC 5246 §7.4.7.2.
		{"ClientKeyExchange/RSA", &ClientKeyExchange{Form: KXRSA, Exchange: []byte{1, 2, 3}}, Context{KeyExchange: KXRSA}, `10 000005 0003 010203`},
		{"ClientKeyExchange/ECDHE", &ClientKeyExchange{Form: KXECDHE, Exchange: []byte{1, 2, 3}}, Context{KeyExchange: KXECDHE}, `10 000004 03 010203`},
		{"ClientKeyExchange/DHE", &ClientKeyExchange{Form: KXDHE, Exchange: []byte{1, 2, 3}}, Context{KeyExchange: KXDHE}, `10 000005 0003 010203`},
		{"ClientKeyExchange/unknown", &ClientKeyExchange{Exchange: []byte{1, 2, 3}}, Context{}, `10 000003 010203`},
		// RFC 5246 §7.4.8 / RFC 8446 §4.4.3; TLS 1.0 form has no algorithm.
		{"CertificateVerify/1.2", &CertificateVerify{HasAlgorithm: true, Algorithm: PSSWithSHA256, Signature: []byte{0xaa, 0xbb}}, ctx12, `0f 000006 0804 0002 aabb`},
		{"CertificateVerify/1.0", &CertificateVerify{Signature: []byte{0xaa, 0xbb}}, ctx10, `0f 000004 0002 aabb`},
		// RFC 5246 §7.4.9.
		{"Finished", &Finished{VerifyData: seq(0, 12)}, ctx12, `14 00000c 000102030405060708090a0b`},
		// RFC 5077 §3.3.
		{"NewSessionTicket12", &NewSessionTicket12{LifetimeHint: 7200, Ticket: []byte{1, 2}}, ctx12, `04 000008 00001c20 0002 0102`},
		// RFC 8446 §4.6.1 with §4.2.10 max_early_data_size.
		{"NewSessionTicket13", &NewSessionTicket13{Lifetime: 60, AgeAdd: 0x01020304, Nonce: []byte{0}, Ticket: []byte{0xaa},
			Extensions: []Extension{EarlyDataNSTExt(0x4000)}}, ctx13, `04 000017 0000003c 01020304 01 00 0001 aa 0008 002a 0004 00004000`},
		// RFC 8446 §4.3.1.
		{"EncryptedExtensions/empty", &EncryptedExtensions{}, ctx13, `08 000002 0000`},
		// RFC 8446 §4.6.3.
		{"KeyUpdate", &KeyUpdate{RequestUpdate: 1}, ctx13, `18 000001 01`},
		// RFC 8446 §4.5.
		{"EndOfEarlyData", &EndOfEarlyData{}, ctx13, `05 000000`},
		// RFC 5246 §7.4.1.1.
		{"HelloRequest", &HelloRequest{}, ctx12, `00 000000`},
		// RFC 6066 §8.
		{"CertificateStatus", &CertificateStatus{StatusType: 1, Response: []byte{0x30, 0}}, ctx12, `16 000006 01 000002 3000`},
		// RFC 8446 §4.4.1 message_hash, not parsed: kept as body.
		{"UnknownMessage", &UnknownMessage{MsgType: TypeMessageHash, Body: []byte{1, 2}}, ctx13, `fe 000002 0102`},
	}
}

func TestGolden(t *testing.T) {
	for _, g := range goldens(t) {
		t.Run(g.name, func(t *testing.T) {
			want := hx(t, g.hex)
			got := mustMarshal(t, g.msg)
			if !bytes.Equal(got, want) {
				t.Fatalf("Marshal:\n got %x\nwant %x", got, want)
			}
			back, err := UnmarshalHandshake(want, g.ctx)
			if err != nil {
				t.Fatalf("UnmarshalHandshake: %v", err)
			}
			if !sameValue(back, g.msg) {
				t.Fatalf("Unmarshal:\n got %#v\nwant %#v", back, g.msg)
			}
		})
	}
}

// RFC 8448 §3 "Simple 1-RTT Handshake": the messages as printed there.
const (
	rfc8448ClientHello = `
		01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d
		ff a2 1a 8d 99 12 ec 18 a2 ef 62 83 02 4d ec e7 00 00 06 13 01 13
		03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72
		ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01
		01 01 02 01 03 01 04 00 23 00 00 00 33 00 26 00 24 00 1d 00 20 99
		38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae
		4d 54 13 69 1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e
		04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01
		04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01`
	rfc8448ServerHello = `
		02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95
		93 0c 8a c5 cb 14 34 da c1 55 77 2e d3 e2 69 28 00 13 01 00 00 2e
		00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6
		72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02
		03 04`
	rfc8448EncryptedExtensions = `
		08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00
		01 01 01 02 01 03 01 04 00 1c 00 02 40 01 00 00 00 00`
	rfc8448Certificate = `
		0b 00 01 b9 00 00 01 b5 00 01 b0 30 82 01 ac 30 82 01 15 a0 03 02
		01 02 02 01 02 30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00 30 0e
		31 0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 1e 17 0d 31 36 30 37
		33 30 30 31 32 33 35 39 5a 17 0d 32 36 30 37 33 30 30 31 32 33 35
		39 5a 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 81 9f 30
		0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 03 81 8d 00 30 81 89 02
		81 81 00 b4 bb 49 8f 82 79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68
		de 55 e1 bd b8 26 d3 90 1a 24 61 ea fd 2d e4 9a 91 d0 15 ab bc 9a
		95 13 7a ce 6c 1a f1 9e aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e
		e0 cc b0 52 4b 1b 01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 2a 5f da 43
		08 46 74 80 30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6 d1 d0 3e 2b
		d1 93 ef f0 ab 9a 80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02
		03 01 00 01 a3 1a 30 18 30 09 06 03 55 1d 13 04 02 30 00 30 0b 06
		03 55 1d 0f 04 04 03 02 05 a0 30 0d 06 09 2a 86 48 86 f7 0d 01 01
		0b 05 00 03 81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a 72 67
		17 06 18 a5 4c 5f 8a 7b 33 7d 2d f7 a5 94 36 54 17 f2 ea e8 f8 a5
		8c 8f 81 72 f9 31 9c f3 6b 7f d6 c5 5b 80 f2 1a 03 01 51 56 72 60
		96 fd 33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6 be c1 fc 63 a4 2a
		99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb 2b d5 20 3b 1c 3b 84 e0 a8 b2
		f7 59 40 9b a3 ea c9 d9 1d 40 2d cc 0c c8 f8 96 12 29 ac 91 87 b4
		2b 4d e1 00 00`
	rfc8448CertificateVerify = `
		0f 00 00 84 08 04 00 80 5a 74 7c 5d 88 fa 9b d2 e5 5a b0 85 a6 10
		15 b7 21 1f 82 4c d4 84 14 5a b3 ff 52 f1 fd a8 47 7b 0b 7a bc 90
		db 78 e2 d3 3a 5c 14 1a 07 86 53 fa 6b ef 78 0c 5e a2 48 ee aa a7
		85 c4 f3 94 ca b6 d3 0b be 8d 48 59 ee 51 1f 60 29 57 b1 54 11 ac
		02 76 71 45 9e 46 44 5c 9e a5 8c 18 1e 81 8e 95 b8 c3 fb 0b f3 27
		84 09 d3 be 15 2a 3d a5 04 3e 06 3d da 65 cd f5 ae a2 0d 53 df ac
		d4 2f 74 f3`
	rfc8448ServerFinished = `
		14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4
		2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 18`
	rfc8448NewSessionTicket = `
		04 00 00 c9 00 00 00 1e fa d6 aa c5 02 00 00 00 b2 2c 03 5d 82 93
		59 ee 5f f7 af 4e c9 00 00 00 00 26 2a 64 94 dc 48 6d 2c 8a 34 cb
		33 fa 90 bf 1b 00 70 ad 3c 49 88 83 c9 36 7c 09 a2 be 78 5a bc 55
		cd 22 60 97 a3 a9 82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64
		e8 61 be 7f d6 1d 28 27 db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d
		a4 d2 9e e0 37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2
		67 7f a5 90 6c 5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2
		97 b5 ae a6 17 64 6f ac 5c 03 27 2e 97 07 27 c6 21 a7 91 41 ef 5f
		7d e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 00 08 00
		2a 00 04 00 00 04 00`
	// RFC 8448 §4 "Resumed 0-RTT Handshake": ClientHello with a
	// pre_shared_key extension, binders included.
	rfc8448ResumedClientHello = `
		01 00 01 fc 03 03 1b c3 ce b6 bb e3 9c ff 93 83 55 b5 a5 0a db 6d
		b2 1b 7a 6a f6 49 d7 b4 bc 41 9d 78 76 48 7d 95 00 00 06 13 01 13
		03 13 02 01 00 01 cd 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72
		ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01
		01 01 02 01 03 01 04 00 33 00 26 00 24 00 1d 00 20 e4 ff b6 8a c0
		5f 8d 96 c9 9d a2 66 98 34 6c 6b e1 64 82 ba dd da fe 05 1a 66 b4
		f1 8d 66 8f 0b 00 2a 00 00 00 2b 00 03 02 03 04 00 0d 00 20 00 1e
		04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01
		04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01 00 15
		00 57 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		00 00 29 00 dd 00 b8 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00
		00 00 00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70 ad
		3c 49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22 60 97 a3 a9 82 11
		72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6 1d 28 27
		db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0 37 25 a6 a4
		da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5 90 6c 5b 3f 7d
		8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5 ae a6 17 64 6f ac
		5c 03 27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d e6 50 5e 5b fb c3 88
		e9 33 43 69 40 93 93 4a e4 d3 57 fa d6 aa cb 00 21 20 3a dd 4f b2
		d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d ae 99 01 41 c5 92 4d 57 bb
		6f a3 1b 9e 5f 9d`
)

// rfc8448Groups is the supported_groups list of RFC 8448's client and server.
var rfc8448Groups = []Group{GroupX25519, GroupSecp256r1, GroupSecp384r1, GroupSecp521r1,
	GroupFFDHE2048, GroupFFDHE3072, GroupFFDHE4096, GroupFFDHE6144, GroupFFDHE8192}

var rfc8448Schemes = []SignatureScheme{
	ECDSAWithP256AndSHA256, ECDSAWithP384AndSHA384, ECDSAWithP521AndSHA512, ECDSAWithSHA1,
	PSSWithSHA256, PSSWithSHA384, PSSWithSHA512,
	PKCS1WithSHA256, PKCS1WithSHA384, PKCS1WithSHA512, PKCS1WithSHA1,
	0x0402, 0x0502, 0x0602, 0x0202, // DSA code points
}

// recordSizeLimit is RFC 8449's extension, which this package keeps opaque.
func recordSizeLimit(n uint16) Extension {
	return Extension{Type: ExtRecordSizeLimit, Body: []byte{byte(n >> 8), byte(n)}}
}

// TestRFC8448 builds RFC 8448 §3's messages from the typed constructors and
// checks they come out byte for byte as the RFC prints them, and parse back.
func TestRFC8448(t *testing.T) {
	cases := []golden{
		{"ClientHello", &ClientHello{
			Version:            VersionTLS12,
			Random:             hx(t, "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"),
			CipherSuites:       []CipherSuite{TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_256_GCM_SHA384},
			CompressionMethods: []uint8{0},
			Extensions: []Extension{
				ServerNameExt("server"),
				RenegotiationInfoExt(nil),
				SupportedGroupsExt(rfc8448Groups...),
				SessionTicketExt(nil),
				KeyShareClientExt(KeyShareEntry{Group: GroupX25519, KeyExchange: hx(t, "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c")}),
				SupportedVersionsClientExt(VersionTLS13),
				SignatureAlgorithmsExt(rfc8448Schemes...),
				PSKKeyExchangeModesExt(PSKModeDHEKE),
				recordSizeLimit(0x4001),
			},
		}, Context{}, rfc8448ClientHello},
		{"ServerHello", &ServerHello{
			Version:     VersionTLS12,
			Random:      hx(t, "a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928"),
			CipherSuite: TLS_AES_128_GCM_SHA256,
			Extensions: []Extension{
				KeyShareServerExt(KeyShareEntry{Group: GroupX25519, KeyExchange: hx(t, "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f")}),
				SupportedVersionsServerExt(VersionTLS13),
			},
		}, ctx13, rfc8448ServerHello},
		{"EncryptedExtensions", &EncryptedExtensions{Extensions: []Extension{
			SupportedGroupsExt(rfc8448Groups...), recordSizeLimit(0x4001), {Type: ExtServerName},
		}}, ctx13, rfc8448EncryptedExtensions},
		{"Certificate", &Certificate13{Entries: []CertificateEntry{{Data: hx(t, rfc8448Certificate)[11 : 11+432]}}}, ctx13, rfc8448Certificate},
		{"CertificateVerify", &CertificateVerify{HasAlgorithm: true, Algorithm: PSSWithSHA256, Signature: hx(t, rfc8448CertificateVerify)[8:]}, ctx13, rfc8448CertificateVerify},
		{"Finished", &Finished{VerifyData: hx(t, "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718")}, ctx13, rfc8448ServerFinished},
		{"NewSessionTicket", &NewSessionTicket13{Lifetime: 30, AgeAdd: 0xfad6aac5, Nonce: []byte{0, 0},
			Ticket: hx(t, rfc8448NewSessionTicket)[4+4+4+3+2 : 4+4+4+3+2+0xb2], Extensions: []Extension{EarlyDataNSTExt(0x400)}}, ctx13, rfc8448NewSessionTicket},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := hx(t, c.hex)
			got := mustMarshal(t, c.msg)
			if !bytes.Equal(got, want) {
				t.Fatalf("Marshal:\n got %x\nwant %x", got, want)
			}
			back, err := UnmarshalHandshake(want, c.ctx)
			if err != nil {
				t.Fatalf("UnmarshalHandshake: %v", err)
			}
			if !sameValue(back, c.msg) {
				t.Fatalf("Unmarshal:\n got %#v\nwant %#v", back, c.msg)
			}
		})
	}
}

// TestRFC8448Typed reads the extension bodies of RFC 8448 §3's hellos with
// the typed parsers.
func TestRFC8448Typed(t *testing.T) {
	ch, err := UnmarshalClientHello(hx(t, rfc8448ClientHello))
	if err != nil {
		t.Fatal(err)
	}
	sni, _ := FindExtension(ch.Extensions, ExtServerName)
	names, err := ParseServerName(sni.Body)
	if err != nil || len(names) != 1 || string(names[0].Name) != "server" || names[0].NameType != 0 {
		t.Fatalf("server_name: %v %v", names, err)
	}
	ks, _ := FindExtension(ch.Extensions, ExtKeyShare)
	shares, err := ParseKeyShareClient(ks.Body)
	if err != nil || len(shares) != 1 || shares[0].Group != GroupX25519 || len(shares[0].KeyExchange) != 32 {
		t.Fatalf("key_share: %v %v", shares, err)
	}
	sv, _ := FindExtension(ch.Extensions, ExtSupportedVersions)
	vs, err := ParseSupportedVersionsClient(sv.Body)
	if err != nil || len(vs) != 1 || vs[0] != VersionTLS13 {
		t.Fatalf("supported_versions: %v %v", vs, err)
	}
	sa, _ := FindExtension(ch.Extensions, ExtSignatureAlgorithms)
	ss, err := ParseSignatureAlgorithms(sa.Body)
	if err != nil || !sameValue(ss, rfc8448Schemes) {
		t.Fatalf("signature_algorithms: %v %v", ss, err)
	}

	sh, err := UnmarshalServerHello(hx(t, rfc8448ServerHello))
	if err != nil {
		t.Fatal(err)
	}
	if sh.IsHelloRetryRequest() {
		t.Fatal("RFC 8448 ServerHello taken for a HelloRetryRequest")
	}
	sks, _ := FindExtension(sh.Extensions, ExtKeyShare)
	share, err := ParseKeyShareServer(sks.Body)
	if err != nil || share.Group != GroupX25519 {
		t.Fatalf("server key_share: %v %v", share, err)
	}
	ssv, _ := FindExtension(sh.Extensions, ExtSupportedVersions)
	if v, err := ParseSupportedVersionsServer(ssv.Body); err != nil || v != VersionTLS13 {
		t.Fatalf("server supported_versions: %v %v", v, err)
	}
}

// TestRFC8448ResumedPSK checks RFC 8448 §4's ClientHello: it parses, its
// pre_shared_key parses, re-marshals to the same bytes, and BindersLen is
// exactly the tail that the binder is computed without (RFC 8446 §4.2.11.2).
func TestRFC8448ResumedPSK(t *testing.T) {
	raw := hx(t, rfc8448ResumedClientHello)
	if len(raw) != 512 {
		t.Fatalf("vector is %d bytes, RFC says 512", len(raw))
	}
	ch, err := UnmarshalClientHello(raw)
	if err != nil {
		t.Fatal(err)
	}
	if again := mustMarshal(t, ch); !bytes.Equal(again, raw) {
		t.Fatalf("re-marshal differs")
	}
	last := ch.Extensions[len(ch.Extensions)-1]
	if last.Type != ExtPreSharedKey {
		t.Fatalf("last extension is %v", last.Type)
	}
	psk, err := ParsePreSharedKeyClient(last.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(psk.Identities) != 1 || len(psk.Identities[0].Identity) != 0xb2 || psk.Identities[0].ObfuscatedTicketAge != 0xfad6aacb {
		t.Fatalf("identities: %d, age %#x", len(psk.Identities), psk.Identities[0].ObfuscatedTicketAge)
	}
	if len(psk.Binders) != 1 || !bytes.Equal(psk.Binders[0], hx(t, "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d")) {
		t.Fatalf("binders: %x", psk.Binders)
	}
	if got := psk.BindersLen(); got != 2+1+32 {
		t.Fatalf("BindersLen = %d, want 35", got)
	}
	if !bytes.Equal(psk.Extension().Body, last.Body) {
		t.Fatal("PreSharedKeyClient.Extension does not reproduce the body")
	}
	// The ticket identity is RFC 8448 §3's NewSessionTicket ticket.
	nst, err := UnmarshalNewSessionTicket13(hx(t, rfc8448NewSessionTicket))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(nst.Ticket, psk.Identities[0].Identity) {
		t.Fatal("identity is not the §3 ticket")
	}
	// The layout of the binders is where BindersLen says.
	_, lay, err := MarshalLayout(ch)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := lay.Find("client_hello.extensions[10].pre_shared_key.binders.length")
	if !ok {
		t.Fatalf("no binders length field in layout")
	}
	if f.Start != len(raw)-psk.BindersLen() {
		t.Fatalf("binders start at %d, BindersLen says %d", f.Start, len(raw)-psk.BindersLen())
	}
}
