package wire

import "testing"

// The seed inputs of the fuzz targets of fuzz_test.go, which takes them
// from here (fuzzSeeds) so that it compiles without this file's helpers.
func init() {
	for target, seed := range map[string]func(f *testing.F){
		"UnmarshalHandshake": seedUnmarshalHandshake,
		"Extensions":         seedExtensions,
		"Record":             seedRecord,
		"HandshakeBuffer":    seedHandshakeBuffer,
	} {
		fuzzSeeds[target] = func(f any) { seed(f.(*testing.F)) }
	}
}

func seedUnmarshalHandshake(f *testing.F) {
	for _, s := range samples() {
		raw, err := s.msg.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(ctxIndex(s.ctx), raw)
	}
	for _, g := range goldens(f) {
		f.Add(ctxIndex(g.ctx), hx(f, g.hex))
	}
	for _, h := range []string{rfc8448ClientHello, rfc8448ServerHello, rfc8448EncryptedExtensions, rfc8448Certificate,
		rfc8448CertificateVerify, rfc8448ServerFinished, rfc8448NewSessionTicket, rfc8448ResumedClientHello} {
		f.Add(ctxIndex(ctx13), hx(f, h))
	}
}

func seedExtensions(f *testing.F) {
	for _, c := range typedExts() {
		for i := range extFuzzers() {
			f.Add(uint8(i), c.ext.Body)
		}
	}
	for _, s := range samples() {
		if ch, ok := s.msg.(*ClientHello); ok {
			for _, e := range ch.Extensions {
				f.Add(uint8(0), e.Body)
			}
		}
	}
}

func seedRecord(f *testing.F) {
	f.Add(uint16(MaxCiphertext13), Record{Type: ContentHandshake, Version: VersionTLS10, Payload: hx(f, rfc8448ClientHello)}.Marshal())
	f.Add(uint16(MaxPlaintext), Record{Type: ContentAlert, Version: VersionTLS12, Payload: []byte{2, 50}}.Marshal())
	f.Add(uint16(0), Record{Type: ContentChangeCipherSpec, Version: VersionTLS12, Payload: ChangeCipherSpecPayload}.Marshal())
	f.Add(uint16(MaxCiphertext12), []byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add(uint16(10), AppendRecordHeader(nil, ContentApplicationData, VersionTLS12, 0xffff))
}

func seedHandshakeBuffer(f *testing.F) {
	var stream []byte
	for _, s := range samples()[:12] {
		raw, _ := s.msg.Marshal()
		stream = append(stream, raw...)
	}
	f.Add(uint16(0), []byte{1, 7, 200}, stream)
	f.Add(uint16(3), []byte{1}, []byte{20, 0, 0, 3, 1, 2, 3, 20, 0, 0, 4, 0})
	f.Add(uint16(0), []byte{4}, []byte{11, 0xff, 0xff, 0xff})
}
