package keys

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"hash"
	"testing"
)

// handshake13 is the message flow of RFC 8448 §3 with a certificate chain of
// typical size, and after which messages a TLS 1.3 peer asks for the hash.
func handshake13(b *testing.B) (msgs [][]byte, sumAfter []bool) {
	chain := make([]byte, 3000) // a leaf and an intermediate
	chain[0], chain[2], chain[3] = 11, byte((len(chain)-4)>>8), byte(len(chain)-4)
	msgs = [][]byte{
		message(b, "ClientHello", rfc8448s3ClientHello),
		message(b, "ServerHello", rfc8448s3ServerHello),
		message(b, "EncryptedExtensions", rfc8448s3EncryptedExtensions),
		chain,
		message(b, "CertificateVerify", rfc8448s3CertificateVerify),
		message(b, "server Finished", rfc8448s3ServerFinished),
		message(b, "client Finished", rfc8448s3ClientFinished),
	}
	// Hash after ServerHello (handshake secrets), CertificateVerify (server
	// Finished), server Finished (application secrets, client Finished),
	// client Finished (resumption).
	return msgs, []bool{false, true, false, false, true, true, true}
}

// BenchmarkTranscript13 runs the transcript of a TLS 1.3 handshake. The
// baseline is what crypto/tls does: a running SHA-256 fed each message.
func BenchmarkTranscript13(b *testing.B) {
	msgs, sumAfter := handshake13(b)
	var total int
	for _, m := range msgs {
		total += len(m)
	}
	b.Run("Transcript", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(total))
		for b.Loop() {
			tr := NewTranscript()
			for i, m := range msgs {
				tr.Add(m)
				if sumAfter[i] {
					tr.Sum(0x0304, crypto.SHA256)
				}
			}
		}
	})
	b.Run("baseline-running-sha256", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(total))
		for b.Loop() {
			d := sha256.New()
			for i, m := range msgs {
				d.Write(m)
				if sumAfter[i] {
					d.Sum(nil)
				}
			}
		}
	})
}

// BenchmarkTranscript12 runs the transcript of a TLS 1.2 client: the hash
// becomes known at ServerHello, extended master secret after
// ClientKeyExchange, then the two Finished.
func BenchmarkTranscript12(b *testing.B) {
	msgs := [][]byte{
		make([]byte, 512),  // ClientHello
		make([]byte, 90),   // ServerHello
		make([]byte, 3000), // Certificate
		make([]byte, 300),  // ServerKeyExchange
		make([]byte, 4),    // ServerHelloDone
		make([]byte, 70),   // ClientKeyExchange
		make([]byte, 16),   // client Finished
	}
	for _, c := range []struct {
		name    string
		version uint16
		h       crypto.Hash
	}{{"TLS1.2-SHA256", 0x0303, crypto.SHA256}, {"TLS1.2-SHA384", 0x0303, crypto.SHA384}, {"TLS1.0-MD5SHA1", 0x0301, 0}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tr := NewTranscript()
				for i, m := range msgs {
					tr.Add(m)
					if i >= 5 {
						tr.Sum(c.version, c.h)
					}
				}
			}
		})
	}
	// crypto/tls's finishedHash feeds both halves of MD5||SHA-1 (and the
	// TLS 1.2 hash) from ClientHello on, since it cannot know the version.
	b.Run("baseline-TLS1.0-running-md5-sha1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ds := []hash.Hash{md5.New(), sha1.New()}
			for i, m := range msgs {
				for _, d := range ds {
					d.Write(m)
				}
				if i >= 5 {
					out := make([]byte, 0, 36)
					for _, d := range ds {
						out = d.Sum(out)
					}
				}
			}
		}
	})
}

// BenchmarkSchedule13 derives everything a full TLS 1.3 handshake needs:
// handshake and application traffic secrets, their keys and IVs, both
// Finished and the resumption master secret.
func BenchmarkSchedule13(b *testing.B) {
	shared := bytes.Repeat([]byte{0x8b}, 32)
	th := bytes.Repeat([]byte{0x86}, 32)
	h := crypto.SHA256
	b.ReportAllocs()
	for b.Loop() {
		hs := NewEarlySecret(h, nil).Handshake(shared)
		cHS, sHS := hs.ClientTrafficSecret(th), hs.ServerTrafficSecret(th)
		TrafficKey(h, cHS, 16, 12)
		TrafficKey(h, sHS, 16, 12)
		FinishedMAC(h, sHS, th)
		ms := hs.Master()
		cAP, sAP := ms.ClientTrafficSecret(th), ms.ServerTrafficSecret(th)
		TrafficKey(h, cAP, 16, 12)
		TrafficKey(h, sAP, 16, 12)
		FinishedMAC(h, cHS, th)
		ms.ResumptionMasterSecret(th)
	}
}

// BenchmarkPRF12 derives everything a full TLS 1.2 handshake needs: the
// extended master secret, an AES-128-GCM key block and both Finished.
func BenchmarkPRF12(b *testing.B) {
	pms := bytes.Repeat([]byte{3}, 48)
	cr, sr := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	th := bytes.Repeat([]byte{4}, 32)
	b.ReportAllocs()
	for b.Loop() {
		ms := ExtendedMasterSecret(0x0303, crypto.SHA256, pms, th)
		DeriveKeyBlock(0x0303, crypto.SHA256, ms, cr, sr, 0, 16, 4)
		FinishedVerifyData(0x0303, crypto.SHA256, ms, true, th)
		FinishedVerifyData(0x0303, crypto.SHA256, ms, false, th)
	}
}
