// Package gotls holds what the suite needs to know of Go's crypto/tls
// that more than one package asks: the cipher suites it implements. It
// imports only the standard library, so that the fuzz targets can ask
// without depending on the targets package (whose embedded C sources
// go-fuzz-build cannot copy).
package gotls

import "crypto/tls"

// Suites is every cipher suite crypto/tls implements, insecure ones
// included (RSA key exchange, CBC, RC4 where Go still has it), by ID.
func Suites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}
