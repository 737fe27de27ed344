package keys

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"hash"
	"testing"
)

// TestPRF12Vectors checks the TLS 1.2 PRF against the vectors posted to the
// IETF TLS WG mailing list, https://www.ietf.org/mail-archive/web/tls/current/msg03416.html
// (the SHA-256 and SHA-384 sets; label "test label").
func TestPRF12Vectors(t *testing.T) {
	tests := []struct {
		name               string
		h                  crypto.Hash
		secret, seed, want string
	}{
		{
			name:   "SHA-256",
			h:      crypto.SHA256,
			secret: "9bbe436ba940f017b17652849a71db35",
			seed:   "a0ba9f936cda311827a6f796ffd5198c",
			want: `e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a
				6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab
				4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701
				87347b66`,
		},
		{
			name:   "SHA-384",
			h:      crypto.SHA384,
			secret: "b80b733d6ceefcdc71566ea48e5567df",
			seed:   "cd665cf6a8447dd6ff8b27555edb7465",
			want: `7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd
				e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd
				8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425
				9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6
				91c8f3a26854308d5eaa3be85e0990703d73e56f`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := unhex(t, tt.want)
			got := PRF(0x0303, tt.h, unhex(t, tt.secret), "test label", unhex(t, tt.seed), len(want))
			checkBytes(t, "PRF", got, want)
			// A shorter output is a prefix: P_hash is a stream.
			checkBytes(t, "PRF prefix", PRF(0x0303, tt.h, unhex(t, tt.secret), "test label", unhex(t, tt.seed), 17), want[:17])
		})
	}
	// h == 0 is the RFC 5246 default, SHA-256.
	checkHex(t, "PRF with h == 0", PRF(0x0303, 0, unhex(t, "9bbe436ba940f017b17652849a71db35"),
		"test label", unhex(t, "a0ba9f936cda311827a6f796ffd5198c"), 16), "e3f229ba727be17b8d122620557cd453")
}

// TestPRF10Vector checks the TLS 1.0/1.1 PRF against the vector posted to
// the ietf-tls mailing list (msg01589 of the former imc.org archive, as cited
// by BearSSL's test_crypto.c): secret 48 bytes of 0xab, label
// "PRF Testvector", seed 64 bytes of 0xcd, 104 bytes of output.
func TestPRF10Vector(t *testing.T) {
	want := unhex(t, `d3d4d1e349b5d515044666d51de32bab258cb521b6b053463e354832fd976754
		443bcf9a296519bc289abcbc1187e4ebd31e602353776c408aafb74cbc85eff6
		9255f9788faa184cbb957a9819d84a5d7eb006eb459d3ae8de9810454b8b2d8f
		1afbc655a8c9a013`)
	secret := bytes.Repeat([]byte{0xab}, 48)
	seed := bytes.Repeat([]byte{0xcd}, 64)
	for _, v := range []uint16{0x0301, 0x0302} {
		// h is ignored below TLS 1.2.
		for _, h := range []crypto.Hash{0, crypto.SHA256, crypto.SHA384} {
			checkBytes(t, "TLS 1.0 PRF", PRF(v, h, secret, "PRF Testvector", seed, len(want)), want)
		}
	}
}

// refPHash is P_hash written straight from the recursive definition of
// RFC 5246 §5, one HMAC object per invocation, as an independent reference.
func refPHash(newHash func() hash.Hash, secret, seed []byte, n int) []byte {
	hm := func(data ...[]byte) []byte {
		m := hmac.New(newHash, secret)
		for _, d := range data {
			m.Write(d)
		}
		return m.Sum(nil)
	}
	var out []byte
	a := seed
	for len(out) < n {
		a = hm(a)
		out = append(out, hm(a, seed)...)
	}
	return out[:n]
}

// refPRF10 is the TLS 1.0 PRF of RFC 2246 §5 by the letter: S1 and S2 of
// ceil(len/2) bytes each, the middle byte shared when the length is odd.
func refPRF10(secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	l := (len(secret) + 1) / 2
	p1 := refPHash(md5.New, secret[:l], ls, n)
	p2 := refPHash(sha1.New, secret[len(secret)-l:], ls, n)
	out := make([]byte, n)
	for i := range out {
		out[i] = p1[i] ^ p2[i]
	}
	return out
}

// TestPRFAgainstReference compares PRF with the reference definitions over
// odd and even secret lengths and output lengths on and off block edges.
func TestPRFAgainstReference(t *testing.T) {
	seed := []byte("some seed bytes")
	for _, secretLen := range []int{0, 1, 2, 47, 48, 49, 64, 65, 200} {
		secret := make([]byte, secretLen)
		for i := range secret {
			secret[i] = byte(i*7 + secretLen)
		}
		for _, n := range []int{0, 1, 12, 16, 20, 32, 48, 63, 64, 65, 104, 200} {
			checkBytes(t, "TLS 1.0 PRF", PRF(0x0301, 0, secret, "label", seed, n), refPRF10(secret, "label", seed, n))
			for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
				want := refPHash(h.New, secret, append([]byte("label"), seed...), n)
				checkBytes(t, "TLS 1.2 PRF "+h.String(), PRF(0x0303, h, secret, "label", seed, n), want)
			}
		}
	}
}

// TestTLS12Derivations checks that the master secret, extended master
// secret, key block and Finished put the right labels and seeds in the PRF.
func TestTLS12Derivations(t *testing.T) {
	pms := bytes.Repeat([]byte{0x03}, 48)
	cr := bytes.Repeat([]byte{0xc1}, 32)
	sr := bytes.Repeat([]byte{0x5e}, 32)
	for _, v := range []uint16{0x0301, 0x0302, 0x0303} {
		h := crypto.SHA384
		cat := func(a, b []byte) []byte { return append(append([]byte{}, a...), b...) }

		ms := MasterSecret(v, h, pms, cr, sr)
		checkBytes(t, "master secret", ms, PRF(v, h, pms, "master secret", cat(cr, sr), 48))

		sessionHash := bytes.Repeat([]byte{0x55}, 48)
		checkBytes(t, "extended master secret", ExtendedMasterSecret(v, h, pms, sessionHash),
			PRF(v, h, pms, "extended master secret", sessionHash, 48))

		// RFC 5246 §6.3: seed server_random + client_random, then the
		// six parts in order.
		block := PRF(v, h, ms, "key expansion", cat(sr, cr), 2*(20+16+4))
		kb := DeriveKeyBlock(v, h, ms, cr, sr, 20, 16, 4)
		for _, p := range []struct {
			name string
			got  []byte
			at   int
			n    int
		}{
			{"client MAC", kb.ClientMAC, 0, 20},
			{"server MAC", kb.ServerMAC, 20, 20},
			{"client key", kb.ClientKey, 40, 16},
			{"server key", kb.ServerKey, 56, 16},
			{"client IV", kb.ClientIV, 72, 4},
			{"server IV", kb.ServerIV, 76, 4},
		} {
			checkBytes(t, p.name, p.got, block[p.at:p.at+p.n])
		}
		// Appending to one part must not overwrite the next.
		_ = append(kb.ClientMAC, 0xff)
		checkBytes(t, "server MAC after append to client MAC", kb.ServerMAC, block[20:40])

		th := bytes.Repeat([]byte{0x77}, 36)
		checkBytes(t, "client verify_data", FinishedVerifyData(v, h, ms, true, th), PRF(v, h, ms, "client finished", th, 12))
		checkBytes(t, "server verify_data", FinishedVerifyData(v, h, ms, false, th), PRF(v, h, ms, "server finished", th, 12))

		// RFC 5705 §4: a nil context adds nothing, an empty one its length.
		checkBytes(t, "exporter without context", ExportKeyingMaterial(v, h, ms, cr, sr, "EXPERIMENTAL x", nil, 20),
			PRF(v, h, ms, "EXPERIMENTAL x", cat(cr, sr), 20))
		checkBytes(t, "exporter with empty context", ExportKeyingMaterial(v, h, ms, cr, sr, "EXPERIMENTAL x", []byte{}, 20),
			PRF(v, h, ms, "EXPERIMENTAL x", cat(cat(cr, sr), []byte{0, 0}), 20))
	}
}
