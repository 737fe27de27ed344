package wire

import "testing"

func TestHandshakeTypeRFCName(t *testing.T) {
	for typ, want := range map[HandshakeType]string{
		TypeServerHello: "server_hello", TypeServerHelloDone: "server_hello_done", TypeEncryptedExtensions: "encrypted_extensions",
		TypeNewSessionTicket: "new_session_ticket", TypeFinished: "finished", TypeKeyUpdate: "key_update",
		TypeMessageHash: "message_hash", HandshakeType(99): "unknown_99",
	} {
		if got := typ.RFCName(); got != want {
			t.Errorf("%d: %q, want %q", typ, got, want)
		}
	}
}
