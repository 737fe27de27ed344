package corpus_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/corpus"
	"github.com/tlsconform/tlsconform/peers/wire"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestCaptureGoClient captures crypto/tls's ClientHello in-process.
func TestCaptureGoClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- corpus.GoClient(ctx, ln.Addr().String(), "localhost") }()
	got, err := corpus.Capture(ctx, ln)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("the Go client completed a handshake with the capture")
	}
	ch, err := wire.UnmarshalClientHello(got.Hello)
	if err != nil {
		t.Fatal(err)
	}
	o := corpus.OfferOf(ch)
	if o.ServerName != "localhost" || o.Top() != wire.VersionTLS13 || got.Records != 1 || got.RecordVersion != wire.VersionTLS10 {
		t.Errorf("got SNI %q, top %s, %d records, record version %s", o.ServerName, o.Top(), got.Records, got.RecordVersion)
	}
}

// records frames msg in handshake records of at most n bytes.
func records(msg []byte, n int, v wire.Version) []byte {
	var out []byte
	for len(msg) > 0 {
		k := min(n, len(msg))
		out = wire.AppendRecord(out, wire.ContentHandshake, v, msg[:k])
		msg = msg[k:]
	}
	return out
}

// TestCaptureReassembles: a hello split over many records arrives whole,
// and a first connection that sends nothing (a browser's spare socket)
// does not hold the capture up.
func TestCaptureReassembles(t *testing.T) {
	tp := templates(t)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ln := listen(t)
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(records(tp.Raw, 50, wire.VersionTLS12)); err != nil {
		t.Fatal(err)
	}
	got, err := corpus.Capture(ctx, ln)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Hello, tp.Raw) || got.Records != (len(tp.Raw)+49)/50 || got.RecordVersion != wire.VersionTLS12 {
		t.Errorf("got %d bytes in %d records (version %s), want %d bytes in %d", len(got.Hello), got.Records, got.RecordVersion, len(tp.Raw), (len(tp.Raw)+49)/50)
	}
}

// TestReadClientHelloRefuses: what is not a ClientHello ends the read at
// once with a clear error, and silence ends at the deadline.
func TestReadClientHelloRefuses(t *testing.T) {
	hello := templates(t)[0].Raw
	huge := append([]byte{byte(wire.TypeClientHello), 0x10, 0, 0}, hello[4:]...)
	serverHello := append([]byte{byte(wire.TypeServerHello)}, hello[1:]...)
	for _, tc := range []struct {
		name string
		send []byte
		want string
		is   error
	}{
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "starts", corpus.ErrNotTLS},
		{"sslv2", []byte{0x80, 0x2e, 0x01, 0x03, 0x01, 0, 0x15}, "starts 802e", corpus.ErrNotTLS},
		{"alert", wire.AppendRecord(nil, wire.ContentAlert, wire.VersionTLS10, []byte{2, 40}), "starts 15", corpus.ErrNotTLS},
		{"too large", records(huge, 1<<14, wire.VersionTLS10), "handshake.length", wire.ErrTooLarge},
		{"not a ClientHello", records(serverHello, 1<<14, wire.VersionTLS10), "not ClientHello", nil},
		{"record too long", wire.AppendRecordHeader(nil, wire.ContentHandshake, wire.VersionTLS10, 1<<14+1), "length", wire.ErrTooLarge},
		{"truncated", records(hello, 1<<14, wire.VersionTLS10)[:40], "record 1", nil},
		{"silent", nil, "timeout", os.ErrDeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			a, b := net.Pipe()
			defer a.Close()
			go func() {
				if len(tc.send) > 0 {
					b.Write(tc.send)
				}
				if tc.name == "truncated" {
					b.Close()
				}
			}()
			defer b.Close()
			_, err := corpus.ReadClientHello(ctx, a)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("got %v, want an error with %q (is %v)", err, tc.want, tc.is)
			}
		})
	}
}

// TestRunCapturesAndKills runs a client process (this test binary as a
// Go client that then hangs) and checks the capture, the provenance and
// that the client is killed rather than waited for.
func TestRunCapturesAndKills(t *testing.T) {
	c := corpus.Client{
		Name: "helper", Client: "test helper", Needs: []string{os.Args[0]},
		Command: []string{os.Args[0], "-test.run=^TestHelperProcess$", "--", "{addr}", "{sni}"},
		Version: []string{os.Args[0], "-test.run=^TestHelperProcess$", "--", "version"},
		Env:     []string{"CORPUS_TEST_HELPER=1"},
	}
	start := time.Now()
	res, err := corpus.Run(context.Background(), c, 20*time.Second, time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600)))
	if err != nil {
		t.Fatalf("%v; client said %s", err, res.Output)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("Run took %s: the hanging client was waited for, not killed", took)
	}
	p := res.Provenance
	if p.Name != "helper" || p.SNI != corpus.SNI || p.RecordVersion != "0x0301" || p.Captured.Format(time.RFC3339) != "2026-01-02T02:04:05Z" ||
		!strings.Contains(p.Command, "-test.run=") {
		t.Errorf("provenance %+v", p)
	}
	if _, err := wire.UnmarshalClientHello(res.Hello); err != nil {
		t.Error(err)
	}
}

// TestRunClientExits: a client that exits without sending a hello ends
// the capture at once, with the reason.
func TestRunClientExits(t *testing.T) {
	c := corpus.Client{Name: "exits", Command: []string{os.Args[0], "-test.run=^TestHelperProcess$", "--", "exit"}, Env: []string{"CORPUS_TEST_HELPER=1"}}
	start := time.Now()
	_, err := corpus.Run(context.Background(), c, 20*time.Second, time.Now())
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("got %v, want an error saying the client exited", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s", took)
	}
}

// TestHelperProcess is the client process of the Run tests, not a test.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("CORPUS_TEST_HELPER") != "1" {
		t.Skip("helper process for the Run tests")
	}
	args := os.Args
	for len(args) > 0 && args[0] != "--" {
		args = args[1:]
	}
	switch {
	case len(args) == 2 && args[1] == "version":
		os.Stdout.WriteString("\nhelper 1.0\n")
		os.Exit(0)
	case len(args) == 3:
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = corpus.GoClient(ctx, args[1], args[2])
		// Hang like a client waiting for a server: Run must kill it.
		<-ctx.Done()
	}
	os.Exit(3)
}
