package kx

import (
	"crypto/mlkem"
	"io"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// The ML-KEM hybrids of draft-ietf-tls-ecdhe-mlkem. Each share and secret is
// the concatenation of an ECDH part and an ML-KEM part. X25519MLKEM768 puts
// ML-KEM FIRST; SecP256r1MLKEM768 and SecP384r1MLKEM1024 put ECDH first:
//
//	client share  = ek || ecdh_pub     (X25519MLKEM768: 1184 + 32)
//	server share  = ct || ecdh_pub     (X25519MLKEM768: 1088 + 32)
//	shared secret = K  || ecdh_secret  (X25519MLKEM768: 32 + 32)
//
// and the mirror order (ecdh part, then ek / ct / K) for the SecP* groups.
type hybrid struct {
	group    wire.Group
	ec       wire.Group // the ECDH component
	kem1024  bool       // ML-KEM-1024 rather than ML-KEM-768
	kemFirst bool
}

func hybridOf(g wire.Group) (hybrid, bool) {
	switch g {
	case wire.GroupX25519MLKEM768:
		return hybrid{group: g, ec: wire.GroupX25519, kemFirst: true}, true
	case wire.GroupSecP256r1MLKEM768:
		return hybrid{group: g, ec: wire.GroupSecp256r1}, true
	case wire.GroupSecP384r1MLKEM1024:
		return hybrid{group: g, ec: wire.GroupSecp384r1, kem1024: true}, true
	}
	return hybrid{}, false
}

func (h hybrid) ekSize() int {
	if h.kem1024 {
		return mlkem.EncapsulationKeySize1024
	}
	return mlkem.EncapsulationKeySize768
}

func (h hybrid) ctSize() int {
	if h.kem1024 {
		return mlkem.CiphertextSize1024
	}
	return mlkem.CiphertextSize768
}

func (h hybrid) clientSize() int { return h.ekSize() + pointSize(h.ec) }
func (h hybrid) serverSize() int { return h.ctSize() + pointSize(h.ec) }

// split cuts a share into its KEM and ECDH parts; kemLen is the KEM part's
// length. The caller has checked the total length.
func (h hybrid) split(share []byte, kemLen int) (kemPart, ecPart []byte) {
	if h.kemFirst {
		return share[:kemLen], share[kemLen:]
	}
	ecLen := len(share) - kemLen
	return share[ecLen:], share[:ecLen]
}

func (h hybrid) join(kemPart, ecPart []byte) []byte {
	if h.kemFirst {
		return cat(kemPart, ecPart)
	}
	return cat(ecPart, kemPart)
}

// decapsulator is the part of DecapsulationKey768/1024 we use.
type decapsulator interface {
	Decapsulate(ciphertext []byte) ([]byte, error)
}

type hybridPrivate struct {
	h      hybrid
	dk     decapsulator
	ek     []byte
	ecPriv *ecdhPrivate
}

// generate derives the ML-KEM key from a 64-byte seed read from rand (FIPS
// 203 ML-KEM.KeyGen_internal(d, z)), then the ECDH key.
func (h hybrid) generate(rand io.Reader) (Private, error) {
	seed := make([]byte, mlkem.SeedSize)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, exchangeErr(h.group, ErrRandom, "reading the ML-KEM seed: %v", err)
	}
	k := &hybridPrivate{h: h}
	if h.kem1024 {
		dk, err := mlkem.NewDecapsulationKey1024(seed)
		if err != nil {
			return nil, exchangeErr(h.group, ErrRandom, "ML-KEM-1024 key: %v", err)
		}
		k.dk, k.ek = dk, dk.EncapsulationKey().Bytes()
	} else {
		dk, err := mlkem.NewDecapsulationKey768(seed)
		if err != nil {
			return nil, exchangeErr(h.group, ErrRandom, "ML-KEM-768 key: %v", err)
		}
		k.dk, k.ek = dk, dk.EncapsulationKey().Bytes()
	}
	ecPriv, err := generateECDH(h.ec, ecdhCurve(h.ec), rand)
	if err != nil {
		return nil, relabel(err, h.group)
	}
	k.ecPriv = ecPriv
	return k, nil
}

func (k *hybridPrivate) Group() wire.Group { return k.h.group }

func (k *hybridPrivate) Public() []byte { return k.h.join(k.ek, k.ecPriv.Public()) }

func (k *hybridPrivate) Shared(serverShare []byte) ([]byte, error) {
	h := k.h
	if want := h.serverSize(); len(serverShare) != want {
		return nil, exchangeErr(h.group, ErrShareLength, "share is %d bytes, want %d", len(serverShare), want)
	}
	ct, ecPub := h.split(serverShare, h.ctSize())
	ecSecret, err := k.ecPriv.Shared(ecPub)
	if err != nil {
		return nil, relabel(err, h.group)
	}
	// Decapsulate fails only on a wrong-length ciphertext, excluded above; a
	// tampered ciphertext yields a pseudorandom K (implicit rejection, FIPS
	// 203 §6.3) and the mismatch surfaces at Finished.
	K, err := k.dk.Decapsulate(ct)
	if err != nil {
		return nil, exchangeErr(h.group, ErrShareLength, "ML-KEM ciphertext: %v", err)
	}
	return h.join(K, ecSecret), nil
}

func (h hybrid) respond(clientShare []byte, rand io.Reader) (serverShare, shared []byte, err error) {
	if want := h.clientSize(); len(clientShare) != want {
		return nil, nil, exchangeErr(h.group, ErrShareLength, "share is %d bytes, want %d", len(clientShare), want)
	}
	ekBytes, ecPub := h.split(clientShare, h.ekSize())
	c := ecdhCurve(h.ec)
	peer, err := parseECDHPublic(h.ec, c, ecPub)
	if err != nil {
		return nil, nil, relabel(err, h.group)
	}
	var K, ct []byte
	if h.kem1024 {
		ek, err := mlkem.NewEncapsulationKey1024(ekBytes)
		if err != nil {
			return nil, nil, exchangeErr(h.group, ErrInvalidKEMKey, "invalid ML-KEM-1024 encapsulation key (coefficient not below q)")
		}
		K, ct = ek.Encapsulate()
	} else {
		ek, err := mlkem.NewEncapsulationKey768(ekBytes)
		if err != nil {
			return nil, nil, exchangeErr(h.group, ErrInvalidKEMKey, "invalid ML-KEM-768 encapsulation key (coefficient not below q)")
		}
		K, ct = ek.Encapsulate()
	}
	ecPriv, err := generateECDH(h.ec, c, rand)
	if err != nil {
		return nil, nil, relabel(err, h.group)
	}
	ecSecret, err := ecPriv.agree(peer)
	if err != nil {
		return nil, nil, relabel(err, h.group)
	}
	return h.join(ct, ecPriv.Public()), h.join(K, ecSecret), nil
}

// relabel reports an error of the ECDH component under the hybrid's name,
// saying which component failed.
func relabel(err error, g wire.Group) error {
	if e, ok := err.(*ExchangeError); ok && e.Group != g {
		return &ExchangeError{Group: g, Reason: e.Group.String() + " part: " + e.Reason, Err: e.Err}
	}
	return err
}
