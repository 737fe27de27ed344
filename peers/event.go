package peers

import (
	"fmt"
	"strings"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Summary says in a few words what the event carried: "ServerHello,
// Certificate, ServerHelloDone", "fatal decode_error", "ChangeCipherSpec",
// "application data (18 bytes)", "undecryptable", or for the closing
// pseudo-events "closed", "timeout", "reset". A received record that
// opened under another key than the current one says which, in brackets.
func (e Event) Summary() string {
	if e.Raw == nil {
		return e.Note
	}
	if e.Plaintext == nil && e.Type != wire.ContentChangeCipherSpec {
		if e.Note != "" {
			return e.Note
		}
		return "undecryptable"
	}
	s := e.contentSummary()
	if e.Dir == Received && e.Note != "" {
		s += " [" + e.Note + "]"
	}
	return s
}

func (e Event) contentSummary() string {
	switch e.Type {
	case wire.ContentHandshake:
		return handshakeSummary(e.Plaintext)
	case wire.ContentAlert:
		if a, err := wire.UnmarshalAlert(e.Plaintext); err == nil {
			return a.String()
		}
		return fmt.Sprintf("malformed alert %x", e.Plaintext)
	case wire.ContentChangeCipherSpec:
		if len(e.Plaintext) == 1 && e.Plaintext[0] == 1 {
			return "ChangeCipherSpec"
		}
		return fmt.Sprintf("ChangeCipherSpec %x", e.Plaintext)
	case wire.ContentApplicationData:
		return fmt.Sprintf("application data (%d bytes)", len(e.Plaintext))
	}
	return fmt.Sprintf("%s record (%d bytes)", e.Type, len(e.Plaintext))
}

// handshakeSummary names the handshake messages in a record payload,
// marking fragments.
func handshakeSummary(p []byte) string {
	if len(p) == 0 {
		return "empty handshake record"
	}
	var names []string
	for len(p) > 0 {
		if len(p) < 4 {
			names = append(names, fmt.Sprintf("fragment (%d bytes)", len(p)))
			break
		}
		t := wire.HandshakeType(p[0])
		n := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
		name := t.String()
		if t == wire.TypeServerHello && len(p) >= 4+34 && string(p[6:38]) == string(wire.HelloRetryRequestRandom[:]) {
			name = "HelloRetryRequest"
		}
		if len(p) < 4+n {
			names = append(names, fmt.Sprintf("%s (first %d of %d bytes)", name, len(p)-4, n))
			break
		}
		names = append(names, name)
		p = p[4+n:]
	}
	return strings.Join(names, ", ")
}
