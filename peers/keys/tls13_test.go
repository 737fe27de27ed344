package keys

import (
	"bytes"
	"crypto"
	"crypto/hkdf"
	"strings"
	"testing"
)

// TestHKDFRFC5869 checks HKDFExtract and HKDFExpand against RFC 5869
// Appendix A, test cases 1 and 3 (SHA-256).
func TestHKDFRFC5869(t *testing.T) {
	ikm := bytes.Repeat([]byte{0x0b}, 22)

	prk := HKDFExtract(crypto.SHA256, unhex(t, "000102030405060708090a0b0c"), ikm)
	checkHex(t, "A.1 PRK", prk, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
	checkHex(t, "A.1 OKM", HKDFExpand(crypto.SHA256, prk, unhex(t, "f0f1f2f3f4f5f6f7f8f9"), 42),
		"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")

	// A.3: salt not provided (nil) and empty info.
	prk = HKDFExtract(crypto.SHA256, nil, ikm)
	checkHex(t, "A.3 PRK", prk, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04")
	checkHex(t, "A.3 OKM", HKDFExpand(crypto.SHA256, prk, nil, 42),
		"8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
	// A nil salt is HashLen zeros (RFC 5869 §2.2).
	checkBytes(t, "zero salt", HKDFExtract(crypto.SHA256, make([]byte, 32), ikm), prk)
}

// TestHKDFAgainstStdlib compares our HKDF with crypto/hkdf, an independent
// implementation, across hashes and output lengths on and off block edges.
func TestHKDFAgainstStdlib(t *testing.T) {
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		secret := bytes.Repeat([]byte{0x42}, h.Size())
		info := []byte("tls13 some info")
		for _, n := range []int{0, 1, 12, 16, 31, 32, 33, 48, 64, 65, 200, 255 * h.Size()} {
			want, err := hkdf.Expand(h.New, secret, string(info), n)
			if err != nil {
				t.Fatalf("crypto/hkdf: %v", err)
			}
			checkBytes(t, h.String()+" expand", HKDFExpand(h, secret, info, n), want)
		}
		want, err := hkdf.Extract(h.New, secret, []byte("salt"))
		if err != nil {
			t.Fatal(err)
		}
		checkBytes(t, h.String()+" extract", HKDFExtract(h, []byte("salt"), secret), want)
	}
}

// TestHKDFExpandLeavesInfoAlone: the block counter must not be written into
// spare capacity of the caller's info.
func TestHKDFExpandLeavesInfoAlone(t *testing.T) {
	buf := []byte("info++++")
	info := buf[:4]
	HKDFExpand(crypto.SHA256, make([]byte, 32), info, 64)
	if string(buf) != "info++++" {
		t.Errorf("HKDFExpand wrote into the caller's buffer: %q", buf)
	}
}

// TestHKDFExpandLabelInfo checks the HkdfLabel encoding against the "info"
// lines of RFC 8448 §3.
func TestHKDFExpandLabelInfo(t *testing.T) {
	secret := bytes.Repeat([]byte{1}, 32)
	for _, c := range []struct {
		label   string
		context []byte
		length  int
		info    string
	}{
		// {server} derive write traffic keys for handshake data: key info, iv info.
		{"key", nil, 16, "00 10 09 74 6c 73 31 33 20 6b 65 79 00"},
		{"iv", nil, 12, "00 0c 08 74 6c 73 31 33 20 69 76 00"},
		// {server} calculate finished "tls13 finished".
		{"finished", nil, 32, "00 20 0e 74 6c 73 31 33 20 66 69 6e 69 73 68 65 64 00"},
	} {
		want := HKDFExpand(crypto.SHA256, secret, unhex(t, c.info), c.length)
		checkBytes(t, c.label, HKDFExpandLabel(crypto.SHA256, secret, c.label, c.context, c.length), want)
	}
}

func TestHKDFPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"expand too long":   func() { HKDFExpand(crypto.SHA256, nil, nil, 255*32+1) },
		"expand negative":   func() { HKDFExpand(crypto.SHA256, nil, nil, -1) },
		"label too long":    func() { HKDFExpandLabel(crypto.SHA256, nil, strings.Repeat("x", 250), nil, 32) },
		"context too long":  func() { HKDFExpandLabel(crypto.SHA256, nil, "x", make([]byte, 256), 32) },
		"length over 65535": func() { HKDFExpandLabel(crypto.SHA512, nil, "x", nil, 0x10000) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
	// The longest label that fits: 6 + 249 = 255 bytes.
	HKDFExpandLabel(crypto.SHA256, nil, strings.Repeat("x", 249), make([]byte, 255), 32)
}

func TestScheduleDetails(t *testing.T) {
	h := crypto.SHA384
	early := NewEarlySecret(h, nil)
	checkBytes(t, "no PSK is Hash.length zeros", early.Secret(), NewEarlySecret(h, make([]byte, 48)).Secret())
	if bytes.Equal(NewEarlySecret(h, []byte{}).Secret(), early.Secret()) {
		t.Error("an empty non-nil PSK was replaced by zeros")
	}
	if early.Hash() != h {
		t.Errorf("Hash() = %v", early.Hash())
	}
	if len(early.Secret()) != 48 {
		t.Errorf("SHA-384 early secret is %d bytes", len(early.Secret()))
	}

	// Secret returns a copy.
	s := early.Secret()
	s[0] ^= 0xff
	if bytes.Equal(early.Secret(), s) {
		t.Error("Secret returned the schedule's own slice")
	}

	// psk_ke mode: no (EC)DHE is Hash.length zeros.
	checkBytes(t, "no shared secret", early.Handshake(nil).Secret(), early.Handshake(make([]byte, 48)).Secret())

	// Binder labels (RFC 8446 §7.1).
	empty := emptyHash(h)
	checkBytes(t, "res binder", early.BinderKey(true), DeriveSecret(h, early.Secret(), "res binder", empty))
	checkBytes(t, "ext binder", early.BinderKey(false), DeriveSecret(h, early.Secret(), "ext binder", empty))

	// KeyUpdate (RFC 8446 §7.2).
	secret := bytes.Repeat([]byte{7}, 48)
	checkBytes(t, "traffic upd", NextTrafficSecret(h, secret), HKDFExpandLabel(h, secret, "traffic upd", nil, 48))

	hs := early.Handshake(bytes.Repeat([]byte{9}, 32))
	ms := hs.Master()
	if hs.Hash() != h || ms.Hash() != h {
		t.Error("stages lost the hash")
	}
	th := bytes.Repeat([]byte{3}, 48)
	for _, c := range []struct {
		name  string
		got   []byte
		stage []byte
		label string
	}{
		{"c e traffic", early.ClientEarlyTrafficSecret(th), early.Secret(), "c e traffic"},
		{"e exp master", early.EarlyExporterMasterSecret(th), early.Secret(), "e exp master"},
		{"c hs traffic", hs.ClientTrafficSecret(th), hs.Secret(), "c hs traffic"},
		{"s hs traffic", hs.ServerTrafficSecret(th), hs.Secret(), "s hs traffic"},
		{"c ap traffic", ms.ClientTrafficSecret(th), ms.Secret(), "c ap traffic"},
		{"s ap traffic", ms.ServerTrafficSecret(th), ms.Secret(), "s ap traffic"},
		{"exp master", ms.ExporterMasterSecret(th), ms.Secret(), "exp master"},
		{"res master", ms.ResumptionMasterSecret(th), ms.Secret(), "res master"},
	} {
		checkBytes(t, c.name, c.got, DeriveSecret(h, c.stage, c.label, th))
	}
}
