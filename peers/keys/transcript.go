package keys

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/sha1"
	"encoding"
	"hash"
)

// typeMessageHash is the handshake type of the synthetic message_hash
// message (RFC 8446 §4.4.1).
const typeMessageHash = 254

// Transcript accumulates the handshake messages of one connection, each as a
// full message with its 4-byte header, exactly as sent or received; the
// caller leaves out ChangeCipherSpec, HelloRequest and anything else the
// version excludes from the transcript.
//
// The hash is chosen late: a TLS 1.2 client learns it from ServerHello, after
// it has sent ClientHello. Add only appends the bytes; each hash asked of Sum
// gets a running state that is brought up to date from the bytes when asked
// again, so every byte is hashed once per hash function however often Sum is
// called.
//
// The zero value is an empty transcript. A Transcript is not safe for
// concurrent use.
type Transcript struct {
	raw    []byte
	states []runningHash
}

// runningHash is the state of one hash over raw[:n].
type runningHash struct {
	h crypto.Hash
	d hash.Hash
	n int
}

// transcriptCap holds a typical full handshake with a short certificate chain
// without regrowing.
const transcriptCap = 4 << 10

// NewTranscript returns an empty transcript.
func NewTranscript() *Transcript {
	return &Transcript{raw: make([]byte, 0, transcriptCap)}
}

// Add appends one handshake message (or several, concatenated) to the
// transcript. The bytes are copied.
func (t *Transcript) Add(msg []byte) {
	t.raw = append(t.raw, msg...)
}

// Sum returns the transcript hash of everything added so far. Below TLS 1.2
// (version < 0x0303) it is MD5 || SHA-1 (36 bytes, RFC 2246 §7.4.9) and h is
// ignored; otherwise it is h, with h == 0 meaning SHA-256 as for PRF. Sum does
// not change what later calls see.
func (t *Transcript) Sum(version uint16, h crypto.Hash) []byte {
	if version < versionTLS12 {
		out := make([]byte, 0, md5.Size+sha1.Size)
		out = t.state(crypto.MD5).Sum(out)
		return t.state(crypto.SHA1).Sum(out)
	}
	h = prfHash(h)
	return t.state(h).Sum(make([]byte, 0, h.Size()))
}

// state returns the running hash h, brought up to date with raw.
func (t *Transcript) state(h crypto.Hash) hash.Hash {
	for i := range t.states {
		s := &t.states[i]
		if s.h != h {
			continue
		}
		if s.n < len(t.raw) {
			s.d.Write(t.raw[s.n:])
			s.n = len(t.raw)
		}
		return s.d
	}
	d := h.New()
	d.Write(t.raw)
	t.states = append(t.states, runningHash{h: h, d: d, n: len(t.raw)})
	return d
}

// RewriteForHRR replaces everything added so far, which must be exactly
// ClientHello1, with the synthetic message_hash message that stands for it
// once a HelloRetryRequest is involved (RFC 8446 §4.4.1). Call it after
// adding ClientHello1 and before adding the HelloRetryRequest; h is the hash
// of the cipher suite the HelloRetryRequest selects.
func (t *Transcript) RewriteForHRR(h crypto.Hash) {
	msg := messageHashHeader(h)
	msg = t.state(h).Sum(msg)
	t.raw = append(t.raw[:0], msg...)
	for i := range t.states {
		t.states[i].d.Reset()
		t.states[i].n = 0
	}
}

// Clone returns an independent copy: adding to either does not affect the
// other. Running hash states are cloned rather than recomputed where the hash
// allows it.
func (t *Transcript) Clone() *Transcript {
	c := &Transcript{
		raw:    append(make([]byte, 0, max(cap(t.raw), transcriptCap)), t.raw...),
		states: make([]runningHash, 0, len(t.states)),
	}
	for _, s := range t.states {
		if d := cloneHash(s.h, s.d); d != nil {
			c.states = append(c.states, runningHash{h: s.h, d: d, n: s.n})
		}
		// Otherwise the clone rebuilds the state from raw when asked.
	}
	return c
}

// cloneHash copies a hash state, or returns nil if the hash cannot.
func cloneHash(h crypto.Hash, d hash.Hash) hash.Hash {
	if c, ok := d.(hash.Cloner); ok {
		if cd, err := c.Clone(); err == nil {
			return cd
		}
	}
	// Hashes of an older FIPS module implement only the marshaling interfaces.
	m, ok := d.(encoding.BinaryMarshaler)
	if !ok {
		return nil
	}
	state, err := m.MarshalBinary()
	if err != nil {
		return nil
	}
	cd := h.New()
	u, ok := cd.(encoding.BinaryUnmarshaler)
	if !ok || u.UnmarshalBinary(state) != nil {
		return nil
	}
	return cd
}

// Bytes returns a copy of everything in the transcript, as hashed: after
// RewriteForHRR it starts with the message_hash message.
func (t *Transcript) Bytes() []byte {
	return bytes.Clone(t.raw)
}

// Len returns the number of bytes in the transcript.
func (t *Transcript) Len() int {
	return len(t.raw)
}

// MessageHash returns the synthetic handshake message that replaces
// ClientHello1 in the transcript after a HelloRetryRequest (RFC 8446 §4.4.1):
// message_hash (254), a 3-byte length of Hash.length, then Hash(ClientHello1).
func MessageHash(h crypto.Hash, clientHello1 []byte) []byte {
	d := h.New()
	d.Write(clientHello1)
	return d.Sum(messageHashHeader(h))
}

// messageHashHeader returns the 4-byte handshake header of message_hash, with
// room for the hash after it.
func messageHashHeader(h crypto.Hash) []byte {
	n := h.Size()
	return append(make([]byte, 0, 4+n), typeMessageHash, byte(n>>16), byte(n>>8), byte(n))
}
