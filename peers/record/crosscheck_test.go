//go:debug tlsrsakex=1

package record

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// The cross-check runs real handshakes between crypto/tls clients and
// servers through a tap that records every record, takes the secrets from
// crypto/tls's key log, derives the record keys with a PRF and HKDF written
// here from the RFCs, and then requires that HalfConn opens every protected
// record crypto/tls sent and, sealing the plaintext again, reproduces the
// record byte for byte (with the record's own explicit IV for CBC).
// crypto/tls is an implementation written independently of this package.

// goSuites are the suites crypto/tls implements, by ID.
func goSuites() map[wire.CipherSuite]bool {
	m := map[wire.CipherSuite]bool{}
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		m[wire.CipherSuite(s.ID)] = true
	}
	return m
}

type testCerts struct {
	rsa, ecdsa tls.Certificate
}

var (
	certsOnce sync.Once
	certs     testCerts
	certsErr  error
)

func selfSigned(key crypto.Signer) (tls.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:     []string{"record.test"},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func getCerts(t *testing.T) testCerts {
	t.Helper()
	certsOnce.Do(func() {
		ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			certsErr = err
			return
		}
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			certsErr = err
			return
		}
		if certs.ecdsa, err = selfSigned(ek); err != nil {
			certsErr = err
			return
		}
		certs.rsa, certsErr = selfSigned(rk)
	})
	if certsErr != nil {
		t.Fatal(certsErr)
	}
	return certs
}

// lockedBuffer is a KeyLogWriter safe for the handshake goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tap carries records between two pipes and keeps a copy of each.
type tap struct {
	mu       sync.Mutex
	c2s, s2c []rec
}

// readRecord reads one record from r.
func readRecord(r io.Reader) (rec, error) {
	hdr := make([]byte, HeaderLen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return rec{}, err
	}
	raw := make([]byte, HeaderLen+int(binary.BigEndian.Uint16(hdr[3:])))
	copy(raw, hdr)
	if _, err := io.ReadFull(r, raw[HeaderLen:]); err != nil {
		return rec{}, err
	}
	return rec{
		typ:     wire.ContentType(raw[0]),
		version: wire.Version(binary.BigEndian.Uint16(raw[1:])),
		payload: raw[HeaderLen:],
		raw:     raw,
	}, nil
}

// relay copies records from src to dst, logging them.
func (tp *tap) relay(src, dst net.Conn, log *[]rec) {
	defer dst.Close()
	defer src.Close()
	br := bufio.NewReader(src)
	for {
		r, err := readRecord(br)
		if err != nil {
			return
		}
		tp.mu.Lock()
		*log = append(*log, r)
		tp.mu.Unlock()
		if _, err := dst.Write(r.raw); err != nil {
			return
		}
	}
}

// forcedFlight makes crypto/tls's server answer with TLS 1.3 suite id: it
// takes a crypto/tls client's ClientHello, rewrites every TLS 1.3 suite it
// offers into id (lengths unchanged), sends it to a crypto/tls server and
// collects the server's first flight up to its fourth encrypted record
// (EncryptedExtensions, Certificate, CertificateVerify, Finished).
func forcedFlight(t *testing.T, client, server *tls.Config, id wire.CipherSuite) session {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var wg sync.WaitGroup
	defer wg.Wait()

	// The client's ClientHello; then the client is cut off.
	cEnd, cPeer := net.Pipe()
	cEnd.SetDeadline(deadline)
	cPeer.SetDeadline(deadline)
	wg.Add(1)
	go func() { defer wg.Done(); tls.Client(cEnd, client).Handshake(); cEnd.Close() }()
	ch, err := readRecord(cPeer)
	cPeer.Close()
	if err != nil || ch.payload[0] != byte(wire.TypeClientHello) {
		t.Fatalf("no ClientHello from crypto/tls: %v", err)
	}
	b := ch.payload[4+2+32:] // type, length, legacy_version, random
	b = b[1+int(b[0]):]      // legacy_session_id
	n := int(binary.BigEndian.Uint16(b))
	for i := 2; i < 2+n; i += 2 {
		if b[i] == 0x13 {
			binary.BigEndian.PutUint16(b[i:], uint16(id))
		}
	}

	keyLog := &lockedBuffer{}
	server.KeyLogWriter = keyLog
	sEnd, sPeer := net.Pipe()
	sEnd.SetDeadline(deadline)
	sPeer.SetDeadline(deadline)
	defer sPeer.Close()
	wg.Add(1)
	go func() { defer wg.Done(); tls.Server(sEnd, server).Handshake(); sEnd.Close() }()
	if _, err := sPeer.Write(ch.raw); err != nil {
		t.Fatal(err)
	}
	tp := &tap{}
	br := bufio.NewReader(sPeer)
	for encrypted := 0; encrypted < 4; {
		r, err := readRecord(br)
		if err != nil {
			t.Fatalf("server flight after %d records: %v", len(tp.s2c), err)
		}
		tp.s2c = append(tp.s2c, r)
		if r.typ == wire.ContentApplicationData {
			encrypted++
		}
	}
	return session{tap: tp, keyLog: keyLog.String()}
}

type session struct {
	tap    *tap
	keyLog string
	sent   [][]byte // application data the client sent (and the server echoed)
}

// runSession runs one crypto/tls handshake, an echo exchange and
// close_notify both ways.
func runSession(t *testing.T, client, server *tls.Config) session {
	t.Helper()
	keyLog := &lockedBuffer{}
	server.KeyLogWriter = keyLog
	cEnd, cTap := net.Pipe()
	sTap, sEnd := net.Pipe()
	deadline := time.Now().Add(30 * time.Second)
	for _, c := range []net.Conn{cEnd, cTap, sTap, sEnd} {
		c.SetDeadline(deadline)
	}
	tp := &tap{}
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); tp.relay(cTap, sTap, &tp.c2s) }()
	go func() { defer wg.Done(); tp.relay(sTap, cTap, &tp.s2c) }()

	sizes := []int{1, 100, 1500, 5000, MaxPlaintext, 20000}
	var sent [][]byte
	for i, n := range sizes {
		sent = append(sent, pattern(n, byte(i)))
	}
	var serverErr, clientErr error
	go func() {
		defer wg.Done()
		s := tls.Server(sEnd, server)
		defer s.Close()
		if serverErr = s.Handshake(); serverErr != nil {
			return
		}
		_, serverErr = io.Copy(s, s) // echo until close_notify
	}()
	go func() {
		defer wg.Done()
		c := tls.Client(cEnd, client)
		defer c.Close()
		if clientErr = c.Handshake(); clientErr != nil {
			return
		}
		for _, m := range sent {
			if _, clientErr = c.Write(m); clientErr != nil {
				return
			}
			got := make([]byte, len(m))
			if _, clientErr = io.ReadFull(c, got); clientErr != nil {
				return
			}
			if !bytes.Equal(got, m) {
				clientErr = errors.New("echo differs")
				return
			}
		}
		clientErr = c.CloseWrite()
		// Wait for the server's close_notify so it is in the log.
		io.Copy(io.Discard, c)
	}()
	wg.Wait()
	if serverErr != nil || clientErr != nil {
		t.Fatalf("crypto/tls session failed: client %v, server %v", clientErr, serverErr)
	}
	return session{tap: tp, keyLog: keyLog.String(), sent: sent}
}

// keyLogSecret finds label's secret in an NSS key log.
func keyLogSecret(t *testing.T, log, label string) []byte {
	t.Helper()
	for _, line := range strings.Split(log, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == label {
			b, err := hex.DecodeString(f[2])
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("key log has no %s:\n%s", label, log)
	return nil
}

// pHash is P_hash of RFC 5246 §5.
func pHash(h func() hash.Hash, secret, seed []byte, n int) []byte {
	var out []byte
	a := seed
	for len(out) < n {
		m := hmac.New(h, secret)
		m.Write(a)
		a = m.Sum(nil)
		m = hmac.New(h, secret)
		m.Write(a)
		m.Write(seed)
		out = m.Sum(out)
	}
	return out[:n]
}

// prf is the TLS PRF: P_<hash> at 1.2 (RFC 5246 §5), P_MD5 XOR P_SHA1 over
// the two halves of the secret at 1.0 and 1.1 (RFC 2246 §5).
func prf(v wire.Version, h crypto.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	if v == wire.VersionTLS12 {
		return pHash(h.New, secret, ls, n)
	}
	half := (len(secret) + 1) / 2
	out := pHash(md5.New, secret[:half], ls, n)
	for i, b := range pHash(sha1.New, secret[len(secret)-half:], ls, n) {
		out[i] ^= b
	}
	return out
}

// expandLabel is HKDF-Expand-Label of RFC 8446 §7.1 with an empty context.
func expandLabel(t *testing.T, h crypto.Hash, secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := append([]byte{byte(n >> 8), byte(n), byte(len(full))}, full...)
	info = append(info, 0)
	out, err := hkdf.Expand(h.New, secret, string(info), n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// keys12 are both directions' key-block slices (RFC 5246 §6.3).
type keys12 struct {
	mac, key, iv [2][]byte // [0] client write, [1] server write
}

func keyBlock(t *testing.T, spec *suites.Spec, v wire.Version, s session) keys12 {
	t.Helper()
	// Server random from the ServerHello, the first server record.
	sh := s.tap.s2c[0].payload
	if sh[0] != byte(wire.TypeServerHello) {
		t.Fatalf("first server record is not a ServerHello: %x", sh[:4])
	}
	serverRandom := sh[6:38]
	var clientRandom []byte
	for _, line := range strings.Split(s.keyLog, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "CLIENT_RANDOM" {
			clientRandom, _ = hex.DecodeString(f[1])
		}
	}
	master := keyLogSecret(t, s.keyLog, "CLIENT_RANDOM")
	seed := append(bytes.Clone(serverRandom), clientRandom...)
	n := 2 * (spec.MACLen + spec.KeyLen + spec.FixedIVLen)
	kb := prf(v, spec.PRF, master, "key expansion", seed, n)
	var k keys12
	for _, part := range []struct {
		dst *[2][]byte
		n   int
	}{{&k.mac, spec.MACLen}, {&k.key, spec.KeyLen}, {&k.iv, spec.FixedIVLen}} {
		part.dst[0], kb = kb[:part.n], kb[part.n:]
		part.dst[1], kb = kb[:part.n], kb[part.n:]
	}
	return k
}

// replay opens every protected record of one direction and seals it again.
// next returns the next key generation's reader and writer (TLS 1.3 moves
// from handshake to application keys); it is called at the first protected
// record and whenever a record does not open under the current keys.
// It returns the application data it saw and the content types of the
// records it opened.
func replay(t *testing.T, recs []rec, protectedFrom func(i int, r rec) bool, cbcExplicit bool, next func(gen int) (r, w *HalfConn)) (app []byte, types []wire.ContentType) {
	t.Helper()
	var rd, wr *HalfConn
	gen := -1
	for i, rc := range recs {
		if !protectedFrom(i, rc) {
			continue
		}
		if rd == nil {
			gen++
			rd, wr = next(gen)
		}
		typ, pt, err := rd.Open(rc.typ, rc.version, rc.payload)
		if err != nil && rd.TLS13() && gen == 0 {
			gen++
			rd, wr = next(gen)
			typ, pt, err = rd.Open(rc.typ, rc.version, rc.payload)
		}
		if err != nil {
			t.Fatalf("record %d (%s, %d bytes) does not open: %v", i, rc.typ, len(rc.payload), err)
		}
		if cbcExplicit {
			wr.SetRand(bytes.NewReader(rc.payload[:16]))
		}
		sealed, err := wr.Seal(nil, typ, rc.version, pt, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sealed, rc.raw) {
			t.Fatalf("record %d (%s, %d bytes of plaintext, seq %d): resealed record differs\n got %x\nwant %x",
				i, typ, len(pt), wr.Seq()-1, sealed[:min(len(sealed), 64)], rc.raw[:min(len(rc.raw), 64)])
		}
		types = append(types, typ)
		if typ == wire.ContentApplicationData {
			app = append(app, pt...)
		}
	}
	if len(types) == 0 {
		t.Fatal("no protected records")
	}
	return app, types
}

func checkEcho(t *testing.T, s session, app []byte, who string) {
	t.Helper()
	if want := bytes.Join(s.sent, nil); !bytes.Equal(app, want) {
		t.Errorf("%s application data: %d bytes, want %d", who, len(app), len(want))
	}
}

func hasAlert(types []wire.ContentType) bool {
	for _, t := range types {
		if t == wire.ContentAlert {
			return true
		}
	}
	return false
}

func TestCrossCheckCryptoTLS12(t *testing.T) {
	if testing.Short() {
		t.Skip("runs crypto/tls handshakes")
	}
	impl := goSuites()
	checked := 0
	for _, spec := range suites.All() {
		if spec.TLS13() || !impl[spec.ID] {
			continue
		}
		for v := wire.VersionTLS10; v <= wire.VersionTLS12; v++ {
			if !spec.SupportsVersion(v) {
				continue
			}
			spec, v := spec, v
			t.Run(spec.Name()+"/"+v.Short(), func(t *testing.T) {
				cs := getCerts(t)
				cert := cs.rsa
				if spec.Auth == suites.AuthECDSA {
					cert = cs.ecdsa
				}
				cfg := func() *tls.Config {
					return &tls.Config{
						MinVersion:   uint16(v),
						MaxVersion:   uint16(v),
						CipherSuites: []uint16{uint16(spec.ID)},
					}
				}
				client, server := cfg(), cfg()
				client.InsecureSkipVerify = true
				server.Certificates = []tls.Certificate{cert}
				s := runSession(t, client, server)
				k := keyBlock(t, spec, v, s)

				explicit := !spec.AEAD() && v >= wire.VersionTLS11
				for dir, recs := range [][]rec{s.tap.c2s, s.tap.s2c} {
					seenCCS := false
					afterCCS := func(_ int, r rec) bool {
						if !seenCCS && r.typ == wire.ContentChangeCipherSpec {
							seenCCS = true
							return false
						}
						return seenCCS
					}
					next := func(int) (r, w *HalfConn) {
						mk := func() *HalfConn {
							h, err := NewHalfConn12(v, spec, k.key[dir], k.iv[dir], k.mac[dir])
							if err != nil {
								t.Fatal(err)
							}
							return h
						}
						return mk(), mk()
					}
					app, types := replay(t, recs, afterCCS, explicit, next)
					who := [2]string{"client", "server"}[dir]
					if types[0] != wire.ContentHandshake {
						t.Errorf("%s: first protected record is %s, want the Finished", who, types[0])
					}
					if !hasAlert(types) {
						t.Errorf("%s: no close_notify seen", who)
					}
					checkEcho(t, s, app, who)
				}
			})
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("only %d suite/version pairs checked", checked)
	}
}

func TestCrossCheckCryptoTLS13(t *testing.T) {
	if testing.Short() {
		t.Skip("runs crypto/tls handshakes")
	}
	cs := getCerts(t)
	cfg := func() *tls.Config {
		return &tls.Config{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13}
	}
	halves := func(t *testing.T, spec *suites.Spec, secret []byte) (r, w *HalfConn) {
		key := expandLabel(t, spec.PRF, secret, "key", spec.KeyLen)
		iv := expandLabel(t, spec.PRF, secret, "iv", 12)
		mk := func() *HalfConn {
			h, err := NewHalfConn13(spec, key, iv)
			if err != nil {
				t.Fatal(err)
			}
			return h
		}
		return mk(), mk()
	}
	protected := func(_ int, r rec) bool {
		return r.typ == wire.ContentApplicationData
	}

	// A full session with the suite crypto/tls picks, both directions.
	t.Run("negotiated", func(t *testing.T) {
		client, server := cfg(), cfg()
		client.InsecureSkipVerify = true
		server.Certificates = []tls.Certificate{cs.ecdsa}
		s := runSession(t, client, server)
		sh := s.tap.s2c[0].payload
		spec := mustSpec(t, suiteFromServerHello(t, sh))
		t.Logf("crypto/tls negotiated %s", spec.Name())
		for dir, label := range []string{"CLIENT", "SERVER"} {
			recs := [][]rec{s.tap.c2s, s.tap.s2c}[dir]
			secrets := [][]byte{
				keyLogSecret(t, s.keyLog, label+"_HANDSHAKE_TRAFFIC_SECRET"),
				keyLogSecret(t, s.keyLog, label+"_TRAFFIC_SECRET_0"),
			}
			app, types := replay(t, recs, protected, false, func(gen int) (r, w *HalfConn) {
				if gen >= len(secrets) {
					t.Fatal("ran out of traffic secrets")
				}
				return halves(t, spec, secrets[gen])
			})
			if types[0] != wire.ContentHandshake || !hasAlert(types) {
				t.Errorf("%s record types %v", label, types)
			}
			checkEcho(t, s, app, label)
		}
	})

	// Each TLS 1.3 suite forced by rewriting the ClientHello: the server's
	// encrypted flight (EE, Certificate, CertificateVerify, Finished).
	for _, id := range []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256} {
		spec := mustSpec(t, id)
		t.Run("forced/"+spec.Name(), func(t *testing.T) {
			client, server := cfg(), cfg()
			client.InsecureSkipVerify = true
			server.Certificates = []tls.Certificate{cs.ecdsa}
			s := forcedFlight(t, client, server, id)
			if got := suiteFromServerHello(t, s.tap.s2c[0].payload); got != id {
				t.Fatalf("server chose %s", got)
			}
			secret := keyLogSecret(t, s.keyLog, "SERVER_HANDSHAKE_TRAFFIC_SECRET")
			_, types := replay(t, s.tap.s2c, protected, false, func(gen int) (r, w *HalfConn) {
				if gen > 0 {
					t.Fatal("server record under unexpected keys")
				}
				return halves(t, spec, secret)
			})
			if len(types) < 4 {
				t.Fatalf("server flight of %d records, want EE, Certificate, CertificateVerify, Finished", len(types))
			}
		})
	}
}

// suiteFromServerHello reads cipher_suite from a ServerHello message.
func suiteFromServerHello(t *testing.T, sh []byte) wire.CipherSuite {
	t.Helper()
	if sh[0] != byte(wire.TypeServerHello) {
		t.Fatalf("not a ServerHello: %x", sh[:4])
	}
	b := sh[4+2+32:]
	b = b[1+int(b[0]):]
	return wire.CipherSuite(binary.BigEndian.Uint16(b))
}
