package targets

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tlsconform/tlsconform/peers/certs"
)

// ClientPKI is what a server of the suite's presents to a client under
// test, and what the client is told to trust: one CA, written to a file
// ({ca}), and an RSA and an ECDSA leaf it signed for localhost,
// 127.0.0.1 and ::1.
type ClientPKI struct {
	// Pairs are the server's certificates: RSA, then ECDSA.
	Pairs []*certs.Pair
	// Connect is what to give the client, Addr left to fill in.
	Connect Connect
	dir     string
}

// NewClientPKI makes the certificates and writes the CA file into a
// temporary directory that Close removes.
func NewClientPKI() (*ClientPKI, error) {
	pairs, err := certs.GenerateSet("ecdsa", []string{"rsa", "ecdsa"}, []string{"localhost", "127.0.0.1", "::1"}, rand.Reader, time.Now())
	if err != nil {
		return nil, fmt.Errorf("targets: server certificates: %w", err)
	}
	dir, err := os.MkdirTemp("", "tlsconform-ca-")
	if err != nil {
		return nil, fmt.Errorf("targets: a directory for the CA file: %w", err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := pairs[0].WriteCAPEM(caFile); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("targets: %w", err)
	}
	return &ClientPKI{Pairs: pairs, dir: dir, Connect: Connect{ServerName: "localhost", CAFile: caFile, CAPool: pairs[0].CertPool()}}, nil
}

// Close removes the CA file.
func (p *ClientPKI) Close() error { return os.RemoveAll(p.dir) }
