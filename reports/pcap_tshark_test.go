package reports

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"net"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPcapTshark has Wireshark's dissectors read a capture of real
// conversations: crypto/tls talking to itself over loopback in TLS 1.2 and
// TLS 1.3, their bytes as each side wrote them, split into records, as the
// transcripts of two failing checks, with the client's key log. A Finished
// is encrypted in both versions (after the ChangeCipherSpec in TLS 1.2,
// under the handshake traffic keys in TLS 1.3), so tshark shows one only
// if it took the keys from the capture's Decryption Secrets Block: the
// same capture without the key log, the control, must show none.
func TestPcapTshark(t *testing.T) {
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed (apt-get install tshark): the capture is not read by Wireshark's dissectors")
	}
	var keylog bytes.Buffer
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	r := &Report{Target: "crypto/tls", Started: start}
	for _, v := range []struct {
		name    string
		version uint16
	}{{"tls12", tls.VersionTLS12}, {"tls13", tls.VersionTLS13}} {
		events, began := tlsConversation(t, v.version, &keylog)
		r.Checks = append(r.Checks, Check{
			ID: "pcap/" + v.name + "/finished", Area: "pcap", Status: Fail, Expected: "an alert", Observed: "handshake completes",
			Conversations: []Conversation{{Start: began}}, Transcript: events,
		})
	}

	dir := t.TempDir()
	withKeys, control, gz := filepath.Join(dir, PcapFile), filepath.Join(dir, "control.pcapng"), filepath.Join(dir, PcapFile+".gz")
	for _, f := range []struct {
		path   string
		keylog []byte
	}{{withKeys, keylog.Bytes()}, {control, nil}, {gz, keylog.Bytes()}} {
		if err := WritePcap(f.path, r, f.keylog, false); err != nil {
			t.Fatal(err)
		}
	}

	for _, path := range []string{withKeys, gz} {
		// Both Finished messages of each stream, decrypted.
		got := tshark(t, bin, path, "tls.handshake.type == 20", "tcp.stream", "tls.handshake.type")
		if want := "0\t20\n0\t20\n1\t20\n1\t20"; got != want {
			t.Errorf("%s: the Finished messages tshark shows (stream, type):\n%s\nwant both of each stream:\n%s", filepath.Base(path), got, want)
		}
		// The application data, decrypted: the request as HTTP.
		if got := tshark(t, bin, path, "http.request", "tcp.stream", "http.request.method"); got != "0\tGET\n1\tGET" {
			t.Errorf("%s: decrypted HTTP requests (stream, method):\n%s", filepath.Base(path), got)
		}
	}
	if got := tshark(t, bin, control, "tls.handshake.type == 20", "tcp.stream"); got != "" {
		t.Errorf("without the key log tshark shows Finished messages in streams %q: the test proves nothing", got)
	}
	if got := tshark(t, bin, control, "tls.handshake.type == 1", "tcp.stream"); got != "0\n1" {
		t.Errorf("the control shows ClientHellos in streams %q, want 0 and 1", got)
	}
	// Each stream's first packet names its check; the TCP bookkeeping
	// and the records raise nothing in Wireshark's analysis.
	if got := tshark(t, bin, withKeys, "tcp.flags.syn == 1 && tcp.flags.ack == 0", "tcp.stream", "frame.comment"); !strings.Contains(got, "0\tpcap/tls12/finished: fail") ||
		!strings.Contains(got, "1\tpcap/tls13/finished: fail") {
		t.Errorf("SYN comments:\n%s", got)
	}
	if got := tshark(t, bin, withKeys, "_ws.malformed || _ws.expert.severity >= warning || tcp.analysis.flags", "frame.number", "_ws.expert.message"); got != "" {
		t.Errorf("tshark finds problems (frame, message):\n%s", got)
	}
}

// tshark runs tshark on path with a display filter and prints fields, one
// packet a line, tab-separated.
func tshark(t *testing.T, bin, path, filter string, fields ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	args := []string{"-r", path, "-Y", filter, "-T", "fields"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	// No user preferences (a key log file named there would decrypt
	// without the capture's own).
	cmd.Env = append(cmd.Environ(), "HOME="+t.TempDir(), "WIRESHARK_CONFIG_DIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark -Y %q %s: %v\n%s", filter, filepath.Base(path), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// tlsConversation runs one crypto/tls handshake in version over loopback
// (an HTTP request and its answer, then close_notify and a close each
// way), writing the client's secrets to keylog, and returns it as a
// transcript of records with when it began.
func tlsConversation(t *testing.T, version uint16, keylog io.Writer) ([]Event, time.Time) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	deadline := time.Now().Add(30 * time.Second)
	cert := selfSigned(t)
	rec := &recorder{start: time.Now()}

	served := make(chan error, 1)
	go func() {
		served <- func() error {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			if err := c.SetDeadline(deadline); err != nil {
				return err
			}
			s := tls.Server(&recordingConn{Conn: c, rec: rec, dir: "server"}, &tls.Config{
				Certificates: []tls.Certificate{cert}, MinVersion: version, MaxVersion: version,
			})
			req := make([]byte, 512)
			n, err := s.Read(req)
			if err != nil {
				return err
			}
			if !bytes.HasPrefix(req[:n], []byte("GET / ")) {
				return errors.New("server: not the request: " + string(req[:n]))
			}
			if _, err := s.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")); err != nil {
				return err
			}
			if _, err := s.Read(req); err != io.EOF {
				return errors.New("server: want the client's close_notify, got " + err.Error())
			}
			// The client may be gone before this close_notify: its
			// error is no matter.
			_ = s.Close()
			rec.closed("server")
			return nil
		}()
	}()

	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.SetDeadline(deadline); err != nil {
		t.Fatal(err)
	}
	c := tls.Client(&recordingConn{Conn: nc, rec: rec, dir: "client"}, &tls.Config{
		InsecureSkipVerify: true, MinVersion: version, MaxVersion: version, KeyLogWriter: keylog,
		// TLS 1.2: an ECDHE suite with AEAD, as a deployment has.
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
	})
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(io.LimitReader(c, 40))
	if err != nil || !bytes.HasSuffix(resp, []byte("ok")) {
		t.Fatalf("client: response %q, %v", resp, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	rec.closed("client")
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if c.ConnectionState().Version != version {
		t.Fatalf("negotiated %x, want %x", c.ConnectionState().Version, version)
	}
	return rec.transcript(t), rec.start
}

// recorder keeps what each side wrote, in the order written.
type recorder struct {
	mu     sync.Mutex
	start  time.Time
	writes []write
}

type write struct {
	dir  string
	at   time.Time
	data []byte // nil: the side closed
}

func (r *recorder) add(w write) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, w)
}

func (r *recorder) closed(dir string) { r.add(write{dir: dir, at: time.Now()}) }

// transcript splits each side's bytes into records, each an event at the
// time of the write that completed it.
func (r *recorder) transcript(t *testing.T) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	types := map[byte]string{20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"}
	pending := map[string][]byte{}
	var out []Event
	for _, w := range r.writes {
		ms := float64(w.at.Sub(r.start).Microseconds()) / 1000
		if w.data == nil {
			out = append(out, Event{Dir: w.dir, Ms: ms, Type: "closed", Summary: "closed"})
			continue
		}
		b := append(pending[w.dir], w.data...)
		for len(b) >= 5 && len(b) >= 5+int(binary.BigEndian.Uint16(b[3:])) {
			n := 5 + int(binary.BigEndian.Uint16(b[3:]))
			out = append(out, Event{Dir: w.dir, Ms: ms, Type: types[b[0]], Summary: types[b[0]], Raw: hex.EncodeToString(b[:n])})
			b = b[n:]
		}
		pending[w.dir] = b
	}
	for dir, b := range pending {
		if len(b) > 0 {
			t.Fatalf("%s: %d bytes of an unfinished record", dir, len(b))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Ms < out[j].Ms })
	return out
}

// recordingConn records what is written through it.
type recordingConn struct {
	net.Conn
	rec *recorder
	dir string
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.rec.add(write{dir: c.dir, at: time.Now(), data: bytes.Clone(p)})
	return c.Conn.Write(p)
}

// selfSigned is a throwaway ECDSA P-256 certificate for "localhost".
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
