package keyexchange

import "github.com/tlsconform/tlsconform/suite/checks"

// goDeviations: crypto/tls (key_agreement.go,
// rsaKeyAgreement.processClientKeyExchange) returns the error of
// rsa.DecryptPKCS1v15SessionKey, which refuses a ciphertext that is not
// below the modulus before any padding check, and handshake_server.go
// answers it with illegal_parameter. The value is public, so this is no
// padding oracle (its ROBOT check passes), but RFC 5246 §7.4.7.1 admits
// no exception.
var goDeviations = []checks.Deviation{
	{Pattern: `^client-key-exchange/tls1[012]/rsa/rsa/ciphertext-(modulus|above-modulus)$`,
		Why: "RFC 5246 §7.4.7.1: a TLS server MUST NOT generate an alert if processing an RSA-encrypted premaster secret fails, and MUST continue with a random premaster secret; crypto/tls answers a ciphertext equal to or above the modulus with illegal_parameter where a bad padding fails at the Finished with bad_record_mac"},
}
