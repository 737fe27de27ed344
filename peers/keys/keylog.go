package keys

import (
	"encoding/hex"
	"fmt"
	"io"
	"sync"
)

// NSS key log labels
// (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/index.html).
// Each line names the connection by its ClientHello.random.
const (
	LabelClientRandom           = "CLIENT_RANDOM" // TLS 1.0-1.2: the 48-byte master secret
	LabelClientEarlyTraffic     = "CLIENT_EARLY_TRAFFIC_SECRET"
	LabelClientHandshakeTraffic = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
	LabelServerHandshakeTraffic = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
	LabelClientTraffic0         = "CLIENT_TRAFFIC_SECRET_0"
	LabelServerTraffic0         = "SERVER_TRAFFIC_SECRET_0"
	LabelEarlyExporter          = "EARLY_EXPORTER_SECRET"
	LabelExporter               = "EXPORTER_SECRET"
)

// KeyLogLine formats one key log line: the label, the client random and the
// secret in lowercase hex, separated by single spaces and ended by a newline.
func KeyLogLine(label string, clientRandom, secret []byte) string {
	return string(appendKeyLogLine(nil, label, clientRandom, secret))
}

func appendKeyLogLine(b []byte, label string, clientRandom, secret []byte) []byte {
	b = append(b, label...)
	b = append(b, ' ')
	b = hex.AppendEncode(b, clientRandom)
	b = append(b, ' ')
	b = hex.AppendEncode(b, secret)
	return append(b, '\n')
}

// KeyLog writes key log lines to a writer, one Write call per line. It is
// safe for concurrent use, so many connections may share one file. A nil
// *KeyLog discards everything.
type KeyLog struct {
	mu sync.Mutex
	w  io.Writer
}

// NewKeyLog returns a key log writing to w, or nil (which discards) if w is
// nil.
func NewKeyLog(w io.Writer) *KeyLog {
	if w == nil {
		return nil
	}
	return &KeyLog{w: w}
}

// Write appends one line for the connection with the given client random.
func (k *KeyLog) Write(label string, clientRandom, secret []byte) error {
	if k == nil {
		return nil
	}
	line := appendKeyLogLine(make([]byte, 0, len(label)+2*len(clientRandom)+2*len(secret)+3), label, clientRandom, secret)
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, err := k.w.Write(line); err != nil {
		return fmt.Errorf("keys: write key log: %w", err)
	}
	return nil
}
