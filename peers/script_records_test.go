package peers_test

import (
	"context"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

var recordCombos = []combo{
	{wire.VersionTLS13, wire.TLS_AES_128_GCM_SHA256, wire.GroupX25519},
	{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.GroupX25519},
	{wire.VersionTLS11, wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, wire.GroupX25519},
}

// oneBytePadded frames a ClientHello one byte per record after adding a
// padding extension: the transcript must follow what was sent.
func oneBytePadded(t *testing.T) func([]byte, wire.Version) []byte {
	return func(flight []byte, rv wire.Version) []byte {
		ch, err := wire.UnmarshalClientHello(flight)
		if err != nil {
			t.Errorf("framing got no ClientHello: %v", err)
			return nil
		}
		ch.Extensions = append(ch.Extensions, wire.PaddingExt(100))
		raw, err := ch.Marshal()
		if err != nil {
			t.Error(err)
			return nil
		}
		var out []byte
		for _, b := range raw {
			out = wire.AppendRecord(out, wire.ContentHandshake, rv, []byte{b})
		}
		return out
	}
}

func TestSendClientHelloFramed(t *testing.T) {
	p := mustPKI(t)
	addr := startRefServer(t, peers.ServerConfig{Versions: []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11}, Timeout: 2 * time.Second})
	for _, cb := range recordCombos {
		t.Run(cb.String(), func(t *testing.T) {
			script := peers.DefaultScript(cb.version).Replace(peers.StepClientHello, peers.SendClientHelloFramed(oneBytePadded(t)))
			cv := peers.RunScript(context.Background(), peers.TCP(addr), cb.clientConfig(p), script)
			if cv.Outcome.Kind != peers.OutcomeCompleted || cv.Outcome.WentOn != "" {
				t.Fatalf("outcome %v at %s", cv.Outcome, cv.Outcome.Step)
			}
			if _, ok := wire.FindExtension(cv.Hello().Extensions, wire.ExtPadding); !ok {
				t.Error("cv.Hello() is not the ClientHello sent")
			}
		})
	}
	// A framing that does not apply ends the conversation at the step.
	cv := peers.RunScript(context.Background(), peers.TCP(addr), recordCombos[0].clientConfig(p),
		peers.Script{peers.SendClientHelloFramed(func([]byte, wire.Version) []byte { return nil })})
	if cv.Outcome.Kind == peers.OutcomeCompleted || cv.Outcome.Step != peers.StepClientHello {
		t.Errorf("outcome %v at %s, want an error at the ClientHello", cv.Outcome, cv.Outcome.Step)
	}
}

// The reference server's record policy, seen from the client.
func TestReferenceRecordPolicy(t *testing.T) {
	p := mustPKI(t)
	addr := startRefServer(t, peers.ServerConfig{Versions: []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11}, Timeout: 2 * time.Second})
	for _, cb := range recordCombos {
		t.Run(cb.String(), func(t *testing.T) {
			run := func(script peers.Script) peers.Outcome {
				return peers.RunScript(context.Background(), peers.TCP(addr), cb.clientConfig(p), script).Outcome
			}
			done := peers.DefaultScript(cb.version).Before(peers.StepApplicationData)
			empty := []byte{}
			// Up to 32 records in a row that carry nothing go by; the 33rd
			// is one too many.
			if o := run(done.Then(peers.SendFlood("Flood", wire.ContentApplicationData, empty, 32), peers.ExpectRejection(false))); o.Kind != peers.OutcomeCompleted || o.WentOn != "application_data" {
				t.Errorf("32 empty records: %v, want the probe answered", o)
			}
			if o := run(done.Then(peers.SendFlood("Flood", wire.ContentApplicationData, empty, 33), peers.ExpectRejection(false))); o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertUnexpectedMessage {
				t.Errorf("33 empty records: %v, want unexpected_message", o)
			}
			// A Finished record that does not verify.
			flip := func(rec []byte) { rec[len(rec)-1] ^= 1 }
			bad := peers.DefaultScript(cb.version).Replace(peers.StepFinished, peers.CorruptRecord(peers.SendFinished(), flip)).
				Through(peers.StepFinished).Then(peers.ExpectRejection(true))
			if o := run(bad); o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertBadRecordMAC {
				t.Errorf("corrupted Finished: %v, want bad_record_mac", o)
			}
			// One record of 2^14+1 bytes of plaintext.
			big := done.Then(peers.SendOversizeRecord("Oversize", wire.ContentApplicationData, wire.MaxPlaintext+1), peers.ExpectRejection(true))
			if o := run(big); o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertRecordOverflow {
				t.Errorf("oversize record: %v, want record_overflow", o)
			}
			// A warning alert before the ClientHello goes by below TLS 1.3
			// (the server does not know the version yet at any version).
			warning := wire.AppendRecord(nil, wire.ContentAlert, wire.VersionTLS10, wire.Alert{Level: wire.AlertLevelWarning, Description: wire.AlertUserCanceled}.Marshal())
			first := slices.Concat(peers.Script{peers.SendRaw("Warning", func(*peers.Conversation) []byte { return warning })}, peers.DefaultScript(cb.version))
			if o := run(first); o.Kind != peers.OutcomeCompleted || o.WentOn != "" {
				t.Errorf("warning alert first: %v, want the handshake to complete", o)
			}
		})
	}
}

// TestFloodStopsAtAnAnswer: a target that answers a flood in the middle
// of it, then reads nothing more (it waits for the client to close, as
// servers do after a fatal alert), is seen at once: the read that watches
// for its answer runs beside the writes and cuts short the write in
// progress, the rest of the flood is not sent, and the alert is the
// outcome. A writer that only looked between chunks would stay stuck in
// that write until its deadline.
func TestFloodStopsAtAnAnswer(t *testing.T) {
	client, server := net.Pipe()
	over := make(chan struct{})
	received := make(chan int, 1)
	go func() {
		defer server.Close()
		_ = server.SetDeadline(time.Now().Add(10 * time.Second))
		first := make([]byte, 32<<10+1) // the first chunk, and a byte of the second
		if _, err := io.ReadFull(server, first); err != nil {
			received <- -1
			return
		}
		alert := wire.AppendRecord(nil, wire.ContentAlert, wire.VersionTLS12, wire.Alert{Level: wire.AlertLevelFatal, Description: wire.AlertUnexpectedMessage}.Marshal())
		if _, err := server.Write(alert); err != nil {
			received <- -1
			return
		}
		<-over // reads nothing more until the conversation has ended
		n, _ := io.Copy(io.Discard, server)
		received <- len(first) + int(n)
	}()
	dial := func(context.Context) (net.Conn, error) { return client, nil }
	payload := make([]byte, 1000)
	const count = 200 // about 200 KB: six chunks and more
	script := peers.Script{peers.SendFlood("Flood", wire.ContentApplicationData, payload, count), peers.ExpectRejection(false)}
	cv := peers.RunScript(context.Background(), dial, &peers.ClientConfig{Versions: []wire.Version{wire.VersionTLS12}, Timeout: 5 * time.Second}, script)
	close(over)
	if o := cv.Outcome; o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertUnexpectedMessage || o.Pushed != "" {
		t.Errorf("outcome %v, want the unexpected_message alert", o)
	}
	cut := false
	for _, e := range cv.Events() {
		cut = cut || strings.HasPrefix(e.Note, "flood cut short")
	}
	if !cut {
		t.Error("the transcript does not say the flood was cut short")
	}
	if n := <-received; n < 0 || n >= 2*(32<<10) {
		t.Errorf("the target received %d bytes: the rest of the second chunk or more was sent after its answer", n)
	}
}

// TestPushFillsWhatTheLengthPromised: a ClientHello whose handshake
// length promises bytes that never come leaves a conformant server
// waiting. Pushed, the client first sends what is due, the promised bytes
// (zeros), so that the server judges the whole message: the reference
// server refuses the byte after the last field with decode_error, an
// answer to the message itself (Outcome.Filled), where a half-close alone
// draws only an answer to the end of the stream. A promise longer than a
// record is pushed with the half-close alone.
func TestPushFillsWhatTheLengthPromised(t *testing.T) {
	p := mustPKI(t)
	addr := startRefServer(t, peers.ServerConfig{Versions: []wire.Version{wire.VersionTLS12}, Timeout: 5 * time.Second})
	cb := recordCombos[1]
	for _, tc := range []struct {
		extra  int
		filled int
	}{
		{1, 1},
		{wire.MaxPlaintext + 1, 0},
	} {
		longer := func(cv *peers.Conversation) {
			cv.Edit(peers.StepClientHello, func(raw []byte) []byte {
				n := len(raw) - 4 + tc.extra
				return append([]byte{raw[0], byte(n >> 16), byte(n >> 8), byte(n)}, raw[4:]...)
			})
		}
		cfg := cb.clientConfig(p)
		cfg.Timeout = 300 * time.Millisecond
		script := peers.DefaultScript(cb.version).Through(peers.StepClientHello).Then(peers.ExpectRejection(false))
		cv := peers.RunScript(context.Background(), peers.TCP(addr), cfg, script, longer)
		o := cv.Outcome
		switch {
		case o.Filled != tc.filled:
			t.Errorf("%d bytes promised: filled %d, want %d (%v)", tc.extra, o.Filled, tc.filled, o)
		case tc.filled > 0 && (o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertDecodeError || o.Pushed != ""):
			t.Errorf("%d bytes promised and filled: %v, want decode_error before any half-close", tc.extra, o)
		case tc.filled == 0 && o.Pushed != peers.PushHalfClose:
			t.Errorf("%d bytes promised: %v, want the half-close alone", tc.extra, o)
		}
	}
}
