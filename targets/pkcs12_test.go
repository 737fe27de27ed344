package targets

import (
	"bytes"
	"crypto/rand"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
	"github.com/tlsconform/tlsconform/peers/certs"
)

// TestPKCS12OpenSSL: the PFX the nss target feeds pk12util also reads
// back with OpenSSL, MAC verified, into the same certificate and key.
func TestPKCS12OpenSSL(t *testing.T) {
	t.Parallel()
	openssl := extproc.Require(t, "openssl")
	for _, kind := range []string{"rsa", "ecdsa"} {
		p, err := certs.Generate(kind, nil, rand.Reader, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		der, err := encodePKCS12(p, "tlsconform-"+kind, "s3cret", rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), kind+".p12")
		if err := os.WriteFile(file, der, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.CommandContext(ctxT(t), openssl, "pkcs12", "-in", file, "-passin", "pass:s3cret", "-nodes").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: openssl pkcs12: %v\n%s", kind, err, out)
		}
		var gotCerts [][]byte
		var gotKey []byte
		for rest := out; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			switch b.Type {
			case "CERTIFICATE":
				gotCerts = append(gotCerts, b.Bytes)
			case "PRIVATE KEY":
				gotKey = b.Bytes
			}
		}
		if len(gotCerts) != len(p.Chain) || !bytes.Equal(gotCerts[0], p.Chain[0]) || gotKey == nil {
			t.Errorf("%s: %d certificates (leaf equal: %v), key %v; output:\n%s", kind, len(gotCerts), len(gotCerts) > 0 && bytes.Equal(gotCerts[0], p.Chain[0]), gotKey != nil, out)
		}
		if !bytes.Contains(out, []byte("friendlyName: tlsconform-"+kind)) {
			t.Errorf("%s: no friendlyName in\n%s", kind, out)
		}
		// A wrong password fails the MAC.
		if out, err := exec.CommandContext(ctxT(t), openssl, "pkcs12", "-in", file, "-passin", "pass:wrong", "-nodes").CombinedOutput(); err == nil {
			t.Errorf("%s: wrong password accepted:\n%s", kind, out)
		}
	}
}
