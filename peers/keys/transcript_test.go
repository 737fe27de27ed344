package keys

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/sha1"
	"testing"
)

// directSum hashes b in one go, the way Transcript.Sum must come out.
func directSum(version uint16, h crypto.Hash, b []byte) []byte {
	if version < 0x0303 {
		m, s := md5.Sum(b), sha1.Sum(b)
		return append(m[:], s[:]...)
	}
	if h == 0 {
		h = crypto.SHA256
	}
	d := h.New()
	d.Write(b)
	return d.Sum(nil)
}

// testMessages returns a few handshake-like messages of assorted sizes.
func testMessages() [][]byte {
	var msgs [][]byte
	for i, n := range []int{196, 90, 40, 3000, 136, 36, 0, 1, 36} {
		m := make([]byte, n)
		for j := range m {
			m[j] = byte(i*31 + j)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func TestTranscriptSum(t *testing.T) {
	cases := []struct {
		name    string
		version uint16
		h       crypto.Hash
		size    int
	}{
		{"TLS1.0 MD5||SHA1", 0x0301, 0, 36},
		{"TLS1.1 MD5||SHA1 ignores h", 0x0302, crypto.SHA384, 36},
		{"TLS1.2 SHA-256", 0x0303, crypto.SHA256, 32},
		{"TLS1.2 default SHA-256", 0x0303, 0, 32},
		{"TLS1.2 SHA-384", 0x0303, crypto.SHA384, 48},
		{"TLS1.3 SHA-384", 0x0304, crypto.SHA384, 48},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTranscript()
			var all []byte
			if got := tr.Sum(c.version, c.h); !bytes.Equal(got, directSum(c.version, c.h, nil)) {
				t.Errorf("empty transcript: got %x", got)
			}
			for i, m := range testMessages() {
				tr.Add(m)
				all = append(all, m...)
				// Ask only every other time, so the running state has to
				// catch up over several messages.
				if i%2 == 1 {
					got := tr.Sum(c.version, c.h)
					if len(got) != c.size {
						t.Fatalf("Sum is %d bytes, want %d", len(got), c.size)
					}
					checkBytes(t, "Sum", got, directSum(c.version, c.h, all))
					// Asking twice changes nothing.
					checkBytes(t, "Sum again", tr.Sum(c.version, c.h), got)
				}
			}
			checkBytes(t, "final Sum", tr.Sum(c.version, c.h), directSum(c.version, c.h, all))
			checkBytes(t, "Bytes", tr.Bytes(), all)
			if tr.Len() != len(all) {
				t.Errorf("Len is %d, want %d", tr.Len(), len(all))
			}
		})
	}
}

// TestTranscriptLateHash is the TLS 1.2 client: ClientHello goes out before
// the hash is known, and a version probe may ask for several hashes.
func TestTranscriptLateHash(t *testing.T) {
	var tr Transcript // the zero value is usable
	var all []byte
	for i, m := range testMessages() {
		tr.Add(m)
		all = append(all, m...)
		if i == 3 {
			checkBytes(t, "MD5||SHA1", tr.Sum(0x0301, 0), directSum(0x0301, 0, all))
		}
		if i == 5 {
			checkBytes(t, "SHA-384", tr.Sum(0x0303, crypto.SHA384), directSum(0x0303, crypto.SHA384, all))
		}
	}
	for _, v := range []struct {
		version uint16
		h       crypto.Hash
	}{{0x0301, 0}, {0x0303, crypto.SHA256}, {0x0303, crypto.SHA384}, {0x0304, crypto.SHA512}} {
		checkBytes(t, "Sum", tr.Sum(v.version, v.h), directSum(v.version, v.h, all))
	}
}

func TestTranscriptClone(t *testing.T) {
	msgs := testMessages()
	tr := NewTranscript()
	tr.Add(msgs[0])
	tr.Add(msgs[1])
	tr.Sum(0x0303, crypto.SHA256) // give it running states to clone
	tr.Sum(0x0301, 0)

	c := tr.Clone()
	if len(c.states) != len(tr.states) {
		t.Errorf("clone has %d running states, original %d", len(c.states), len(tr.states))
	}
	base := append(append([]byte{}, msgs[0]...), msgs[1]...)
	tr.Add(msgs[2])
	c.Add(msgs[3])
	a := append(append([]byte{}, base...), msgs[2]...)
	b := append(append([]byte{}, base...), msgs[3]...)
	for _, v := range []struct {
		version uint16
		h       crypto.Hash
	}{{0x0301, 0}, {0x0303, crypto.SHA256}, {0x0303, crypto.SHA384}} {
		checkBytes(t, "original", tr.Sum(v.version, v.h), directSum(v.version, v.h, a))
		checkBytes(t, "clone", c.Sum(v.version, v.h), directSum(v.version, v.h, b))
	}
	checkBytes(t, "original Bytes", tr.Bytes(), a)
	checkBytes(t, "clone Bytes", c.Bytes(), b)

	// A clone of a clone, and a clone taken before any Sum.
	cc := c.Clone()
	cc.Add(msgs[4])
	checkBytes(t, "clone of clone", cc.Sum(0x0303, crypto.SHA256), directSum(0x0303, crypto.SHA256, append(b, msgs[4]...)))
	checkBytes(t, "clone after clone", c.Sum(0x0303, crypto.SHA256), directSum(0x0303, crypto.SHA256, b))
	fresh := NewTranscript().Clone()
	fresh.Add(msgs[0])
	checkBytes(t, "clone of empty", fresh.Sum(0x0304, crypto.SHA256), directSum(0x0304, crypto.SHA256, msgs[0]))
}

func TestTranscriptBytesIsACopy(t *testing.T) {
	tr := NewTranscript()
	tr.Add([]byte{1, 2, 3})
	b := tr.Bytes()
	b[0] = 9
	checkBytes(t, "Bytes after caller's write", tr.Bytes(), []byte{1, 2, 3})
	msg := []byte{4, 5}
	tr.Add(msg)
	msg[0] = 9
	checkBytes(t, "Bytes after caller reuses Add's argument", tr.Bytes(), []byte{1, 2, 3, 4, 5})
}

func TestTranscriptRewriteForHRR(t *testing.T) {
	msgs := testMessages()
	ch1, hrr, ch2 := msgs[0], msgs[1], msgs[2]
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384} {
		t.Run(h.String(), func(t *testing.T) {
			synthetic := MessageHash(h, ch1)
			if len(synthetic) != 4+h.Size() || synthetic[0] != 254 || synthetic[1] != 0 || synthetic[2] != 0 || int(synthetic[3]) != h.Size() {
				t.Fatalf("message_hash is %x", synthetic)
			}
			checkBytes(t, "message_hash body", synthetic[4:], directSum(0x0304, h, ch1))

			// With and without running states before the rewrite.
			for _, warm := range []bool{false, true} {
				tr := NewTranscript()
				tr.Add(ch1)
				if warm {
					tr.Sum(0x0304, h)
					tr.Sum(0x0301, 0)
				}
				tr.RewriteForHRR(h)
				checkBytes(t, "Bytes after rewrite", tr.Bytes(), synthetic)
				checkBytes(t, "Sum after rewrite", tr.Sum(0x0304, h), directSum(0x0304, h, synthetic))
				tr.Add(hrr)
				tr.Add(ch2)
				want := append(append(append([]byte{}, synthetic...), hrr...), ch2...)
				checkBytes(t, "Sum after HRR, ClientHello2", tr.Sum(0x0304, h), directSum(0x0304, h, want))
				// Every running state restarted, not only h's.
				checkBytes(t, "MD5||SHA1 after rewrite", tr.Sum(0x0301, 0), directSum(0x0301, 0, want))
			}
		})
	}
}

// TestTranscriptSumAllocs keeps Sum at one allocation: the returned slice.
func TestTranscriptSumAllocs(t *testing.T) {
	tr := NewTranscript()
	msgs := testMessages()
	for _, m := range msgs {
		tr.Add(m)
	}
	tr.Sum(0x0304, crypto.SHA256)
	tr.Sum(0x0301, 0)
	for _, v := range []struct {
		version uint16
		h       crypto.Hash
	}{{0x0304, crypto.SHA256}, {0x0301, 0}} {
		allocs := testing.AllocsPerRun(100, func() {
			tr.Add(msgs[5])
			tr.Sum(v.version, v.h)
		})
		if allocs > 1 {
			t.Errorf("Add+Sum(%#04x, %v) allocates %v times, want at most 1", v.version, v.h, allocs)
		}
	}
}
