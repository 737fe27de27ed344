package record

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

var benchCombos = []struct {
	name string
	id   wire.CipherSuite
	v    wire.Version
}{
	{"AES128GCM-1.2", wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.VersionTLS12},
	{"AES128GCM-1.3", wire.TLS_AES_128_GCM_SHA256, wire.VersionTLS13},
	{"ChaCha20-1.2", wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, wire.VersionTLS12},
	{"ChaCha20-1.3", wire.TLS_CHACHA20_POLY1305_SHA256, wire.VersionTLS13},
	{"AES128CBCSHA256-1.2", wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, wire.VersionTLS12},
}

var benchSizes = []int{1 << 10, 16 << 10}

func BenchmarkSeal(b *testing.B) {
	for _, bc := range benchCombos {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/%dKiB", bc.name, size>>10), func(b *testing.B) {
				c := combo{mustSpec(b, bc.id), bc.v}
				w := newHalf(b, c, 0)
				pt := pattern(size, 1)
				buf := make([]byte, 0, size+256)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if buf, err = w.Seal(buf[:0], wire.ContentApplicationData, recordVersion(c.v), pt, 0); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, bc := range benchCombos {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/%dKiB", bc.name, size>>10), func(b *testing.B) {
				c := combo{mustSpec(b, bc.id), bc.v}
				w, r := pair(b, c)
				sealed, _ := w.Seal(nil, wire.ContentApplicationData, recordVersion(c.v), pattern(size, 1), 0)
				rc := splitRecords(b, sealed)[0]
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					r.SetSeq(0)
					if _, _, err := r.Open(rc.typ, rc.version, rc.payload); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkOpenAppend reuses one plaintext buffer, as a connection would.
func BenchmarkOpenAppend(b *testing.B) {
	for _, bc := range benchCombos {
		b.Run(bc.name+"/16KiB", func(b *testing.B) {
			c := combo{mustSpec(b, bc.id), bc.v}
			w, r := pair(b, c)
			sealed, _ := w.Seal(nil, wire.ContentApplicationData, recordVersion(c.v), pattern(16<<10, 1), 0)
			rc := splitRecords(b, sealed)[0]
			buf := make([]byte, 0, 17<<10)
			b.SetBytes(16 << 10)
			b.ReportAllocs()
			for b.Loop() {
				r.SetSeq(0)
				if _, _, err := r.OpenAppend(buf[:0], rc.typ, rc.version, rc.payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBaselineGCM is the bare crypto/cipher AES-128-GCM seal that
// crypto/tls's record layer is built on: the floor for Seal above.
func BenchmarkBaselineGCM(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			blk, _ := aes.NewCipher(make([]byte, 16))
			a, _ := cipher.NewGCM(blk)
			nonce, ad := make([]byte, 12), make([]byte, 13)
			pt := pattern(size, 1)
			buf := make([]byte, 0, size+16)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				buf = a.Seal(buf[:0], nonce, pt, ad)
			}
		})
	}
}
