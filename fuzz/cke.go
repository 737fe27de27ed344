package fuzz

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// CKEInput is one execution of the ClientKeyExchange target.
type CKEInput struct {
	Version  uint8 // TLS 1.0, 1.1 or 1.2 (ckeVersions)
	Exchange uint8 // key exchange and group (exchanges)
	Mode     uint8 // how the message is changed (ckeModes)
	Mutator  uint16
	Seed     uint64
	Data     []byte
}

// ckeSeed separates the stream of the "pms" and "block" modes.
const ckeSeed = 0xc4e

var ckeVersions = []wire.Version{wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10}

// exchange is a key exchange the client insists on: its suites and groups.
type exchange struct {
	name   string
	kx     suites.KeyExchange
	auth   suites.Auth
	groups []wire.Group
}

// exchanges are what crypto/tls implements for TLS 1.0-1.2 (no DHE). The
// ECDSA certificate is P-256, so ECDSA suites go with P-256 (RFC 8422 §5.1).
var exchanges = []exchange{
	{"rsa", suites.KXRSA, suites.AuthRSA, nil},
	{"ecdhe-rsa-x25519", suites.KXECDHE, suites.AuthRSA, []wire.Group{wire.GroupX25519}},
	{"ecdhe-ecdsa-p256", suites.KXECDHE, suites.AuthECDSA, []wire.Group{wire.GroupSecp256r1}},
	{"ecdhe-rsa-p384", suites.KXECDHE, suites.AuthRSA, []wire.Group{wire.GroupSecp384r1}},
	{"ecdhe-rsa-p521", suites.KXECDHE, suites.AuthRSA, []wire.Group{wire.GroupSecp521r1, wire.GroupSecp256r1}},
}

// ckeModes are how the raw bytes or a mutator change the message.
var ckeModes = []string{
	"mutator",  // a CKE mutator from the registry
	"body",     // Data replaces the body
	"message",  // Data is the whole message
	"exchange", // Data is the RSA ciphertext or the ECDH point, with a right length prefix
	"patch",    // Data is XORed into the valid exchange at offset Seed
	"pms",      // RSA: Data (cut to fit) is the pre-master secret, properly encrypted
	"block",    // RSA: Data is XORed into the PKCS#1 block at offset Seed, then encrypted
}

// CKEExchanges names the choices of the Exchange knob.
func CKEExchanges() []string {
	var out []string
	for _, x := range exchanges {
		out = append(out, x.name)
	}
	return out
}

// ClientKeyExchange runs one TLS 1.0-1.2 conversation whose
// ClientKeyExchange is replaced by its changed form.
func (e *Env) ClientKeyExchange(in CKEInput) Result {
	v := pick(ckeVersions, int(in.Version))
	x := pick(exchanges, int(in.Exchange))
	cfg := e.clientConfig(execSeed, []wire.Version{v})
	cfg.CipherSuites = suitesWhere(func(s *suites.Spec) bool {
		return s.KX == x.kx && s.Auth == x.auth && s.SupportsVersion(v)
	})
	if x.groups != nil {
		cfg.Groups = x.groups
	}
	var applied string
	var original []byte
	setup := func(cv *peers.Conversation) {
		cv.Edit(peers.StepClientKeyExchange, func(raw []byte) []byte {
			original = slices.Clone(raw)
			out, what := e.mutateCKE(in, cv, x, raw)
			if !bytes.Equal(out, raw) {
				applied = what
			}
			return out
		})
	}
	r := e.run(execSeed, cfg, peers.DefaultScript(v), nil, setup)
	r.Applied, r.Control, r.Original = applied, true, original
	return r
}

// CKEModes names the choices of the Mode knob.
func CKEModes() []string { return slices.Clone(ckeModes) }

// CKEVersions are the choices of the Version knob.
func CKEVersions() []wire.Version { return slices.Clone(ckeVersions) }

// CKEMutators are the mutators the Mutator knob picks from for version v.
func CKEMutators(v wire.Version) []mutators.Mutator { return ckeMutators(v) }

// ckeMutators are the registry's ClientKeyExchange mutators for v.
func ckeMutators(v wire.Version) []mutators.Mutator {
	var out []mutators.Mutator
	for _, m := range mutators.Registry() {
		if m.CKE != nil && m.AppliesTo(v) {
			out = append(out, m)
		}
	}
	return out
}

func (e *Env) mutateCKE(in CKEInput, cv *peers.Conversation, x exchange, raw []byte) ([]byte, string) {
	form := wire.KXECDHE
	if x.kx == suites.KXRSA {
		form = wire.KXRSA
	}
	m, err := wire.UnmarshalClientKeyExchange(raw, wire.Context{Version: cv.Version(), KeyExchange: form})
	if err != nil {
		return raw, "" // a client certificate came first: not a flight this target changes
	}
	valid := m.Exchange
	frame := func(exch []byte) []byte {
		return marshalOr(&wire.ClientKeyExchange{Form: form, Exchange: exch}, raw)
	}
	rnd := NewRand(in.Seed ^ ckeSeed)
	mode := pick(ckeModes, int(in.Mode))
	if mode == "mutator" {
		ms := ckeMutators(cv.Version())
		if len(ms) == 0 {
			mode = "patch" // no mutator yet: change the exchange instead
		} else {
			mu := pick(ms, int(in.Mutator))
			kin := mutators.KeyExchange{
				Version:       cv.Version(),
				ClientVersion: cv.Hello().Version,
				RSA:           e.rsaPub,
				Group:         cv.Conn().Group(),
				Point:         slices.Clone(valid),
			}
			body, isRaw, ok := mu.CKE(kin, mutators.Rand(in.Seed, mu.Name))
			switch {
			case !ok:
				return raw, ""
			case isRaw:
				return header(wire.TypeClientKeyExchange, body), "mutator " + mu.Name
			}
			return frame(body), "mutator " + mu.Name
		}
	}
	if form != wire.KXRSA && (mode == "pms" || mode == "block") {
		mode = "patch"
	}
	switch mode {
	case "body":
		return header(wire.TypeClientKeyExchange, in.Data), mode
	case "message":
		return slices.Clone(in.Data), mode
	case "exchange":
		return frame(in.Data), mode
	case "patch":
		return frame(xorAt(valid, in.Data, in.Seed)), mode
	case "pms":
		pms := in.Data[:min(len(in.Data), e.rsaPub.Size()-11)]
		enc, err := kx.EncryptPMS(e.rsaPub, pms, rnd)
		if err != nil {
			return raw, ""
		}
		return frame(enc), mode
	case "block":
		pms, err := kx.NewPreMasterSecret(cv.Hello().Version, rnd)
		if err != nil {
			return raw, ""
		}
		block, err := kx.PKCS1Block(e.rsaPub.Size(), pms, rnd)
		if err != nil {
			return raw, ""
		}
		return frame(kx.RawRSAEncrypt(e.rsaPub, xorAt(block, in.Data, in.Seed))), fmt.Sprintf("block@%d", in.Seed%uint64(len(block)))
	}
	return raw, ""
}

// xorAt XORs data into a copy of b from offset seed mod len(b); what runs
// past the end is dropped.
func xorAt(b, data []byte, seed uint64) []byte {
	out := slices.Clone(b)
	if len(out) == 0 {
		return out
	}
	at := int(seed % uint64(len(out)))
	for i, d := range data {
		if at+i >= len(out) {
			break
		}
		out[at+i] ^= d
	}
	return out
}
