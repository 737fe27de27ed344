package peers

import (
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

func TestLastMessage(t *testing.T) {
	a := []byte{1, 0, 0, 1, 0xaa}
	b := []byte{16, 0, 0, 2, 0xbb, 0xcc}
	c := []byte{1, 0, 0, 0}
	tr := append(append(append([]byte(nil), a...), b...), c...)
	if got := lastMessage(tr, wire.TypeClientHello); string(got) != string(c) {
		t.Errorf("last ClientHello %x, want %x", got, c)
	}
	if got := lastMessage(tr, wire.TypeClientKeyExchange); string(got) != string(b) {
		t.Errorf("last ClientKeyExchange %x, want %x", got, b)
	}
	if got := lastMessage(tr, wire.TypeFinished); got != nil {
		t.Errorf("no Finished, got %x", got)
	}
}
