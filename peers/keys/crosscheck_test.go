package keys

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// TestCrossCheckCryptoTLS12 runs real TLS 1.0-1.2 handshakes between Go's
// crypto/tls client and server, captures the bytes, and recomputes every
// TLS 1.0-1.2 derivation with this package, independently of our own peers:
//
//   - RSA key exchange, so the test can decrypt the pre-master secret with
//     the server key it made;
//   - Transcript.Sum through ClientKeyExchange and ExtendedMasterSecret (Go
//     always negotiates RFC 7627) must give the master secret crypto/tls
//     logged, and KeyLogLine must give the very line it wrote;
//   - DeriveKeyBlock must give the keys that decrypt both Finished records,
//     and FinishedVerifyData their contents (and the CBC MACs check out);
//   - ExportKeyingMaterial must match ConnectionState.ExportKeyingMaterial.
func TestCrossCheckCryptoTLS12(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		DNSNames:     []string{"keys.tlsconform.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}

	tests := []struct {
		name    string
		version uint16
		suite   uint16
		h       crypto.Hash // PRF hash from TLS 1.2 on
		macLen  int         // HMAC-SHA1 for the CBC suites, 0 for AEAD
		keyLen  int
		ivLen   int
	}{
		{"TLS1.0/AES128-CBC-SHA", tls.VersionTLS10, tls.TLS_RSA_WITH_AES_128_CBC_SHA, 0, 20, 16, 16},
		{"TLS1.1/AES128-CBC-SHA", tls.VersionTLS11, tls.TLS_RSA_WITH_AES_128_CBC_SHA, 0, 20, 16, 16},
		{"TLS1.2/AES128-GCM-SHA256", tls.VersionTLS12, tls.TLS_RSA_WITH_AES_128_GCM_SHA256, crypto.SHA256, 0, 16, 4},
		{"TLS1.2/AES256-GCM-SHA384", tls.VersionTLS12, tls.TLS_RSA_WITH_AES_256_GCM_SHA384, crypto.SHA384, 0, 32, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := runCryptoTLSHandshake(t, cert, tt.version, tt.suite)

			// Client flight 1: ClientHello; flight 2: ClientKeyExchange,
			// then (after ChangeCipherSpec) the encrypted Finished.
			// Server: ServerHello, Certificate, ServerHelloDone, then its
			// encrypted Finished. Session tickets are off.
			cPlain, cSealed := splitAtCCS(t, "client", hs.clientToServer)
			sPlain, sSealed := splitAtCCS(t, "server", hs.serverToClient)
			if len(cPlain) != 2 || len(sPlain) != 3 || len(cSealed) != 1 || len(sSealed) != 1 {
				t.Fatalf("unexpected flights: client %d plain + %d sealed, server %d plain + %d sealed",
					len(cPlain), len(cSealed), len(sPlain), len(sSealed))
			}
			ch, cke := cPlain[0], cPlain[1]
			sh := sPlain[0]
			clientRandom, serverRandom := ch[6:38], sh[6:38]

			// RSA ClientKeyExchange: a 2-byte length, then the encrypted
			// pre-master secret (RFC 5246 §7.4.7.1).
			pms, err := rsa.DecryptPKCS1v15(nil, cert.PrivateKey.(*rsa.PrivateKey), cke[6:])
			if err != nil {
				t.Fatalf("decrypting the pre-master secret: %v", err)
			}

			tr := NewTranscript()
			tr.Add(ch)
			for _, m := range sPlain {
				tr.Add(m)
			}
			tr.Add(cke)
			master := ExtendedMasterSecret(tt.version, tt.h, pms, tr.Sum(tt.version, tt.h))
			if want := KeyLogLine(LabelClientRandom, clientRandom, master); hs.keyLog != want {
				t.Fatalf("crypto/tls logged\n%q\nwe derive\n%q", hs.keyLog, want)
			}

			kb := DeriveKeyBlock(tt.version, tt.h, master, clientRandom, serverRandom, tt.macLen, tt.keyLen, tt.ivLen)
			cFin := openFinished(t, tt.version, kb.ClientMAC, kb.ClientKey, kb.ClientIV, cSealed[0])
			want := append([]byte{20, 0, 0, 12}, FinishedVerifyData(tt.version, tt.h, master, true, tr.Sum(tt.version, tt.h))...)
			checkBytes(t, "client Finished", cFin, want)

			tr.Add(cFin)
			sFin := openFinished(t, tt.version, kb.ServerMAC, kb.ServerKey, kb.ServerIV, sSealed[0])
			want = append([]byte{20, 0, 0, 12}, FinishedVerifyData(tt.version, tt.h, master, false, tr.Sum(tt.version, tt.h))...)
			checkBytes(t, "server Finished", sFin, want)

			for _, ctx := range [][]byte{nil, {}, []byte("context")} {
				got, err := hs.state.ExportKeyingMaterial("EXPERIMENTAL tlsconform", ctx, 42)
				if err != nil {
					t.Fatal(err)
				}
				checkBytes(t, "exported keying material", ExportKeyingMaterial(tt.version, tt.h, master,
					clientRandom, serverRandom, "EXPERIMENTAL tlsconform", ctx, 42), got)
			}
		})
	}
}

// cryptoTLSHandshake is what one crypto/tls handshake left behind.
type cryptoTLSHandshake struct {
	clientToServer, serverToClient []byte
	keyLog                         string
	state                          tls.ConnectionState
}

// runCryptoTLSHandshake completes one handshake over net.Pipe between
// crypto/tls peers pinned to a version and suite, recording the client side.
func runCryptoTLSHandshake(t *testing.T, cert tls.Certificate, version, suite uint16) cryptoTLSHandshake {
	t.Helper()
	cConn, sConn := net.Pipe()
	t.Cleanup(func() { cConn.Close(); sConn.Close() })
	deadline := time.Now().Add(30 * time.Second)
	cConn.SetDeadline(deadline)
	sConn.SetDeadline(deadline)

	tap := &tapConn{Conn: cConn}
	var keyLog strings.Builder
	client := tls.Client(tap, &tls.Config{
		InsecureSkipVerify: true, // the test checks keys, not the certificate
		MinVersion:         version,
		MaxVersion:         version,
		CipherSuites:       []uint16{suite},
		KeyLogWriter:       &keyLog,
	})
	server := tls.Server(sConn, &tls.Config{
		Certificates:           []tls.Certificate{cert},
		MinVersion:             version,
		MaxVersion:             version,
		CipherSuites:           []uint16{suite},
		SessionTicketsDisabled: true,
	})
	serverErr := make(chan error, 1)
	go func() { serverErr <- server.Handshake() }()
	if err := client.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-serverErr; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	return cryptoTLSHandshake{
		clientToServer: tap.out.Bytes(),
		serverToClient: tap.in.Bytes(),
		keyLog:         keyLog.String(),
		state:          client.ConnectionState(),
	}
}

// tapConn records both directions of a connection.
type tapConn struct {
	net.Conn
	in, out bytes.Buffer
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.in.Write(b[:n])
	return n, err
}

func (c *tapConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.out.Write(b[:n])
	return n, err
}

// splitAtCCS cuts one direction of a TLS 1.0-1.2 handshake into the
// plaintext handshake messages before ChangeCipherSpec and the payloads of
// the records after it.
func splitAtCCS(t *testing.T, who string, stream []byte) (plain [][]byte, sealed [][]byte) {
	t.Helper()
	var hsBytes []byte
	afterCCS := false
	for len(stream) > 0 {
		if len(stream) < 5 {
			t.Fatalf("%s: truncated record header", who)
		}
		typ, n := stream[0], int(binary.BigEndian.Uint16(stream[3:5]))
		if len(stream) < 5+n {
			t.Fatalf("%s: truncated record", who)
		}
		payload := stream[5 : 5+n]
		stream = stream[5+n:]
		switch {
		case typ == 20:
			afterCCS = true
		case afterCCS:
			sealed = append(sealed, payload)
		case typ == 22:
			hsBytes = append(hsBytes, payload...)
		default:
			t.Fatalf("%s: unexpected record type %d before ChangeCipherSpec", who, typ)
		}
	}
	for len(hsBytes) > 0 {
		if len(hsBytes) < 4 {
			t.Fatalf("%s: truncated handshake header", who)
		}
		n := 4 + (int(hsBytes[1])<<16 | int(hsBytes[2])<<8 | int(hsBytes[3]))
		if len(hsBytes) < n {
			t.Fatalf("%s: truncated handshake message", who)
		}
		plain = append(plain, hsBytes[:n])
		hsBytes = hsBytes[n:]
	}
	return plain, sealed
}

// openFinished decrypts the first record after ChangeCipherSpec (sequence
// number 0), an AES-GCM record (RFC 5288) when macKey is empty and an
// AES-CBC/HMAC-SHA1 record (RFC 5246 §6.2.3.2) otherwise, and returns its
// plaintext after checking the MAC and padding.
func openFinished(t *testing.T, version uint16, macKey, key, iv, payload []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	// seq_num(8) || type || version || length
	header := func(n int) []byte {
		h := make([]byte, 13)
		h[8] = 22
		binary.BigEndian.PutUint16(h[9:], version)
		binary.BigEndian.PutUint16(h[11:], uint16(n))
		return h
	}
	if len(macKey) == 0 {
		aead, err := cipher.NewGCM(block)
		if err != nil {
			t.Fatal(err)
		}
		if len(payload) < 8+aead.Overhead() {
			t.Fatalf("GCM record of %d bytes", len(payload))
		}
		nonce := append(append([]byte{}, iv...), payload[:8]...)
		ct := payload[8:]
		pt, err := aead.Open(nil, nonce, ct, header(len(ct)-aead.Overhead()))
		if err != nil {
			t.Fatalf("GCM open with the derived key block: %v", err)
		}
		return pt
	}
	if version >= tls.VersionTLS11 {
		// TLS 1.1+ carries an explicit IV in front of each record.
		iv, payload = payload[:aes.BlockSize], payload[aes.BlockSize:]
	}
	if len(payload) == 0 || len(payload)%aes.BlockSize != 0 {
		t.Fatalf("CBC record of %d bytes", len(payload))
	}
	pt := make([]byte, len(payload))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, payload)
	padLen := int(pt[len(pt)-1])
	if padLen+1+sha1.Size > len(pt) {
		t.Fatalf("CBC padding length %d in a %d-byte record: wrong key or IV", padLen, len(pt))
	}
	for _, b := range pt[len(pt)-1-padLen:] {
		if int(b) != padLen {
			t.Fatalf("bad CBC padding %x: wrong key or IV", pt[len(pt)-1-padLen:])
		}
	}
	pt = pt[:len(pt)-1-padLen]
	content, tag := pt[:len(pt)-sha1.Size], pt[len(pt)-sha1.Size:]
	mac := hmac.New(sha1.New, macKey)
	mac.Write(header(len(content)))
	mac.Write(content)
	if !hmac.Equal(mac.Sum(nil), tag) {
		t.Fatal("record MAC does not verify with the derived MAC key")
	}
	return content
}
