package keys

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestKeyLogLine(t *testing.T) {
	cr := []byte{0x00, 0x01, 0xab, 0xCD, 0xff}
	secret := []byte{0xDE, 0xAD, 0xbe, 0xef}
	got := KeyLogLine(LabelClientHandshakeTraffic, cr, secret)
	if want := "CLIENT_HANDSHAKE_TRAFFIC_SECRET 0001abcdff deadbeef\n"; got != want {
		t.Errorf("KeyLogLine = %q, want %q", got, want)
	}
}

func TestKeyLogWrite(t *testing.T) {
	var buf bytes.Buffer
	kl := NewKeyLog(&buf)
	if err := kl.Write(LabelClientRandom, []byte{1}, []byte{2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := kl.Write(LabelServerTraffic0, []byte{4}, []byte{5}); err != nil {
		t.Fatal(err)
	}
	if want := "CLIENT_RANDOM 01 0203\nSERVER_TRAFFIC_SECRET_0 04 05\n"; buf.String() != want {
		t.Errorf("key log is %q, want %q", buf.String(), want)
	}
}

func TestKeyLogNil(t *testing.T) {
	var kl *KeyLog
	if err := kl.Write(LabelClientRandom, []byte{1}, []byte{2}); err != nil {
		t.Errorf("nil KeyLog: %v", err)
	}
	if kl := NewKeyLog(nil); kl != nil {
		t.Errorf("NewKeyLog(nil) = %v, want nil", kl)
	}
	if err := NewKeyLog(nil).Write(LabelExporter, nil, nil); err != nil {
		t.Errorf("NewKeyLog(nil).Write: %v", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestKeyLogWriteError(t *testing.T) {
	sentinel := errors.New("disk full")
	err := NewKeyLog(failingWriter{sentinel}).Write(LabelClientRandom, []byte{1}, []byte{2})
	if !errors.Is(err, sentinel) {
		t.Errorf("Write error %v does not wrap %v", err, sentinel)
	}
}

// TestKeyLogConcurrent shares one KeyLog between goroutines: every line must
// come out whole (run with -race to check the locking too).
func TestKeyLogConcurrent(t *testing.T) {
	var buf bytes.Buffer // not safe for concurrent use by itself
	kl := NewKeyLog(&buf)
	const writers, lines = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			cr := bytes.Repeat([]byte{byte(w)}, 32)
			for range lines {
				if err := kl.Write(LabelClientTraffic0, cr, cr); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines, want %d", len(got), writers*lines)
	}
	for _, l := range got {
		f := strings.Fields(l)
		if len(f) != 3 || f[0] != LabelClientTraffic0 || len(f[1]) != 64 || f[1] != f[2] {
			t.Fatalf("torn line %q", l)
		}
	}
}
