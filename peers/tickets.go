package peers

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

func (s *Session) suitePRF() crypto.Hash {
	if spec, ok := suites.Lookup(s.Suite); ok {
		return spec.PRF
	}
	return 0
}

// sealTicket encrypts a session under the server's ticket key with
// AES-256-GCM: nonce(12) || ciphertext. The plaintext is
// version(2) suite(2) ems(1) secret_len(1) secret.
func (s *Server) sealTicket(sess *Session) ([]byte, error) {
	secret := sess.Master
	if sess.Version == wire.VersionTLS13 {
		secret = sess.PSK
	}
	plain := binary.BigEndian.AppendUint16(nil, uint16(sess.Version))
	plain = binary.BigEndian.AppendUint16(plain, uint16(sess.Suite))
	ems := byte(0)
	if sess.EMS {
		ems = 1
	}
	plain = append(plain, ems, byte(len(secret)))
	plain = append(plain, secret...)
	aead, err := s.ticketAEAD()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, fmt.Errorf("peers: ticket nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plain, nil), nil
}

// openTicket decrypts a ticket; any failure means "no session".
func (s *Server) openTicket(ticket []byte) (*Session, bool) {
	aead, err := s.ticketAEAD()
	if err != nil || len(ticket) < aead.NonceSize()+aead.Overhead() {
		return nil, false
	}
	plain, err := aead.Open(nil, ticket[:aead.NonceSize()], ticket[aead.NonceSize():], nil)
	if err != nil || len(plain) < 6 || len(plain) != 6+int(plain[5]) {
		return nil, false
	}
	sess := &Session{
		Version: wire.Version(binary.BigEndian.Uint16(plain)),
		Suite:   wire.CipherSuite(binary.BigEndian.Uint16(plain[2:])),
		EMS:     plain[4] == 1,
	}
	if sess.Version == wire.VersionTLS13 {
		sess.PSK = plain[6:]
	} else {
		sess.Master = plain[6:]
	}
	return sess, true
}

func (s *Server) ticketAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(s.ticketKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
