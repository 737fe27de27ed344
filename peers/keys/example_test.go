package keys_test

import (
	"crypto"
	"fmt"
	"os"

	"github.com/tlsconform/tlsconform/peers/keys"
)

// A TLS 1.3 server's schedule, with a HelloRetryRequest. The messages here
// are placeholders; a peer adds the exact bytes it sent and received.
func Example_tls13() {
	h := crypto.SHA256 // from the cipher suite
	tr := keys.NewTranscript()
	tr.Add([]byte{1, 0, 0, 0}) // ClientHello1
	tr.RewriteForHRR(h)        // RFC 8446 §4.4.1
	tr.Add([]byte{2, 0, 0, 0}) // HelloRetryRequest
	tr.Add([]byte{1, 0, 0, 0}) // ClientHello2
	tr.Add([]byte{2, 0, 0, 0}) // ServerHello

	sharedSecret := make([]byte, 32) // from the key exchange

	hs := keys.NewEarlySecret(h, nil).Handshake(sharedSecret)
	serverHS := hs.ServerTrafficSecret(tr.Sum(0x0304, h))
	key, iv := keys.TrafficKey(h, serverHS, 16, 12)

	kl := keys.NewKeyLog(os.Stdout)
	clientRandom := make([]byte, 32)
	kl.Write(keys.LabelServerHandshakeTraffic, clientRandom[:4], serverHS[:4])
	fmt.Println(len(key), len(iv))
	// Output:
	// SERVER_HANDSHAKE_TRAFFIC_SECRET 00000000 f3758e84
	// 16 12
}

// The TLS 1.2 client: the transcript starts before the hash is known.
func Example_tls12() {
	tr := keys.NewTranscript()
	tr.Add([]byte{1, 0, 0, 0}) // ClientHello; then ServerHello picks the suite
	h := crypto.SHA384
	tr.Add([]byte{2, 0, 0, 0}) // ServerHello, ..., ClientKeyExchange

	pms := make([]byte, 48)
	clientRandom, serverRandom := make([]byte, 32), make([]byte, 32)
	master := keys.ExtendedMasterSecret(0x0303, h, pms, tr.Sum(0x0303, h))
	kb := keys.DeriveKeyBlock(0x0303, h, master, clientRandom, serverRandom, 0, 32, 4) // AES-256-GCM
	verify := keys.FinishedVerifyData(0x0303, h, master, true, tr.Sum(0x0303, h))
	fmt.Println(len(master), len(kb.ClientKey), len(kb.ServerIV), len(verify))
	// Output: 48 32 4 12
}
