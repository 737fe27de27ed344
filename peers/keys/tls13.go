package keys

import (
	"crypto"
	"crypto/hmac"
	"fmt"
)

// TLS 1.3 labels (RFC 8446 §7.1, §7.2, §7.3, §4.4.4, §4.6.1, §4.2.11.2).
// HKDFExpandLabel adds the "tls13 " prefix.
const (
	labelExtBinder        = "ext binder"
	labelResBinder        = "res binder"
	labelClientEarly      = "c e traffic"
	labelEarlyExporter    = "e exp master"
	labelDerived          = "derived"
	labelClientHandshake  = "c hs traffic"
	labelServerHandshake  = "s hs traffic"
	labelClientTraffic    = "c ap traffic"
	labelServerTraffic    = "s ap traffic"
	labelExporterMaster   = "exp master"
	labelResumptionMaster = "res master"
	labelKey              = "key"
	labelIV               = "iv"
	labelFinished         = "finished"
	labelTrafficUpdate    = "traffic upd"
	labelResumption       = "resumption"
	tls13LabelPrefix      = "tls13 "
)

// HKDFExtract is HKDF-Extract(salt, IKM) (RFC 5869 §2.2). A nil salt is
// Hash.length zero bytes, which for HMAC is the same key as an empty one.
func HKDFExtract(h crypto.Hash, salt, ikm []byte) []byte {
	mac := hmac.New(h.New, salt)
	mac.Write(ikm)
	return mac.Sum(nil)
}

// HKDFExpand is HKDF-Expand(PRK, info, L) (RFC 5869 §2.3). It panics if
// length is negative or more than 255 blocks of the hash.
func HKDFExpand(h crypto.Hash, prk, info []byte, length int) []byte {
	// Clip info so that hkdfExpand's counter byte never lands in the
	// caller's spare capacity.
	return hkdfExpand(h, prk, info[:len(info):len(info)], length)
}

// hkdfExpand is HKDFExpand for an info whose spare capacity, if any, may be
// overwritten with the block counter.
func hkdfExpand(h crypto.Hash, prk, info []byte, length int) []byte {
	if length < 0 || length > 255*h.Size() {
		panic(fmt.Sprintf("keys: HKDF-Expand of %d bytes with %v", length, h))
	}
	in := append(info, 0)
	ctr := len(in) - 1
	out := make([]byte, 0, length)
	mac := hmac.New(h.New, prk)
	var block []byte
	for i := 1; len(out) < length; i++ {
		// T(i) = HMAC(PRK, T(i-1) | info | i), T(0) empty.
		in[ctr] = byte(i)
		mac.Reset()
		mac.Write(block)
		mac.Write(in)
		block = mac.Sum(block[:0])
		out = append(out, block[:min(len(block), length-len(out))]...)
	}
	return out
}

// HKDFExpandLabel is HKDF-Expand-Label(Secret, Label, Context, Length)
// (RFC 8446 §7.1): HKDF-Expand with the HkdfLabel structure as info. label is
// given without the "tls13 " prefix, which is added here. It panics if the
// label or context does not fit HkdfLabel or length does not fit a uint16.
func HKDFExpandLabel(h crypto.Hash, secret []byte, label string, context []byte, length int) []byte {
	fullLabel := len(tls13LabelPrefix) + len(label)
	if fullLabel > 255 || len(context) > 255 || length < 0 || length > 0xffff {
		panic(fmt.Sprintf("keys: HkdfLabel cannot hold label %q, a %d-byte context, length %d", label, len(context), length))
	}
	// struct { uint16 length; opaque label<7..255>; opaque context<0..255>; }
	// plus one spare byte for hkdfExpand's counter.
	info := make([]byte, 0, 2+1+fullLabel+1+len(context)+1)
	info = append(info, byte(length>>8), byte(length), byte(fullLabel))
	info = append(info, tls13LabelPrefix...)
	info = append(info, label...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	return hkdfExpand(h, secret, info, length)
}

// DeriveSecret is Derive-Secret(Secret, Label, Messages) (RFC 8446 §7.1),
// given Transcript-Hash(Messages) rather than the messages themselves.
func DeriveSecret(h crypto.Hash, secret []byte, label string, transcriptHash []byte) []byte {
	return HKDFExpandLabel(h, secret, label, transcriptHash, h.Size())
}

// emptyHash is Hash(""), the transcript hash of no messages.
func emptyHash(h crypto.Hash) []byte {
	return h.New().Sum(nil)
}

// zeros returns the "0" input of the key schedule: Hash.length zero bytes.
func zeros(h crypto.Hash) []byte {
	return make([]byte, h.Size())
}

// EarlySecret is the first stage of the TLS 1.3 key schedule (RFC 8446 §7.1):
// HKDF-Extract(0, PSK).
type EarlySecret struct {
	h      crypto.Hash
	secret []byte
}

// NewEarlySecret starts the key schedule with the hash of the cipher suite
// and the PSK; a nil psk (no PSK) stands for Hash.length zero bytes. An empty
// non-nil psk is used as it is.
func NewEarlySecret(h crypto.Hash, psk []byte) *EarlySecret {
	if psk == nil {
		psk = zeros(h)
	}
	return &EarlySecret{h: h, secret: HKDFExtract(h, nil, psk)}
}

// Hash returns the hash of the schedule.
func (e *EarlySecret) Hash() crypto.Hash { return e.h }

// Secret returns a copy of the early secret.
func (e *EarlySecret) Secret() []byte { return clone(e.secret) }

// BinderKey derives the PSK binder key: "res binder" for a resumption PSK
// (one from NewSessionTicket), "ext binder" for an external one, over the
// empty transcript (RFC 8446 §7.1, §4.2.11.2).
func (e *EarlySecret) BinderKey(resumption bool) []byte {
	label := labelExtBinder
	if resumption {
		label = labelResBinder
	}
	return DeriveSecret(e.h, e.secret, label, emptyHash(e.h))
}

// ClientEarlyTrafficSecret derives client_early_traffic_secret, the 0-RTT
// key, over the transcript hash of ClientHello.
func (e *EarlySecret) ClientEarlyTrafficSecret(transcriptHash []byte) []byte {
	return DeriveSecret(e.h, e.secret, labelClientEarly, transcriptHash)
}

// EarlyExporterMasterSecret derives early_exporter_master_secret over the
// transcript hash of ClientHello.
func (e *EarlySecret) EarlyExporterMasterSecret(transcriptHash []byte) []byte {
	return DeriveSecret(e.h, e.secret, labelEarlyExporter, transcriptHash)
}

// Handshake moves to the handshake secret,
// HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE): sharedSecret is
// the key exchange output; nil (psk_ke mode, no key exchange) stands for
// Hash.length zero bytes.
func (e *EarlySecret) Handshake(sharedSecret []byte) *HandshakeSecret {
	if sharedSecret == nil {
		sharedSecret = zeros(e.h)
	}
	salt := DeriveSecret(e.h, e.secret, labelDerived, emptyHash(e.h))
	return &HandshakeSecret{h: e.h, secret: HKDFExtract(e.h, salt, sharedSecret)}
}

// HandshakeSecret is the second stage of the TLS 1.3 key schedule.
type HandshakeSecret struct {
	h      crypto.Hash
	secret []byte
}

// Hash returns the hash of the schedule.
func (s *HandshakeSecret) Hash() crypto.Hash { return s.h }

// Secret returns a copy of the handshake secret.
func (s *HandshakeSecret) Secret() []byte { return clone(s.secret) }

// ClientTrafficSecret derives client_handshake_traffic_secret over the
// transcript hash of ClientHello...ServerHello.
func (s *HandshakeSecret) ClientTrafficSecret(transcriptHash []byte) []byte {
	return DeriveSecret(s.h, s.secret, labelClientHandshake, transcriptHash)
}

// ServerTrafficSecret derives server_handshake_traffic_secret over the
// transcript hash of ClientHello...ServerHello.
func (s *HandshakeSecret) ServerTrafficSecret(transcriptHash []byte) []byte {
	return DeriveSecret(s.h, s.secret, labelServerHandshake, transcriptHash)
}

// Master moves to the master secret,
// HKDF-Extract(Derive-Secret(handshake, "derived", ""), 0).
func (s *HandshakeSecret) Master() *MasterSecret13 {
	salt := DeriveSecret(s.h, s.secret, labelDerived, emptyHash(s.h))
	return &MasterSecret13{h: s.h, secret: HKDFExtract(s.h, salt, zeros(s.h))}
}

// MasterSecret13 is the last stage of the TLS 1.3 key schedule, the master
// secret. It has the suffix because MasterSecret is the TLS 1.0-1.2 function.
type MasterSecret13 struct {
	h      crypto.Hash
	secret []byte
}

// Hash returns the hash of the schedule.
func (m *MasterSecret13) Hash() crypto.Hash { return m.h }

// Secret returns a copy of the master secret.
func (m *MasterSecret13) Secret() []byte { return clone(m.secret) }

// ClientTrafficSecret derives client_application_traffic_secret_0 over the
// transcript hash of ClientHello...server Finished.
func (m *MasterSecret13) ClientTrafficSecret(transcriptHash []byte) []byte {
	return DeriveSecret(m.h, m.secret, labelClientTraffic, transcriptHash)
}

// ServerTrafficSecret derives server_application_traffic_secret_0 over the
// transcript hash of ClientHello...server Finished.
func (m *MasterSecret13) ServerTrafficSecret(transcriptHash []byte) []byte {
	return DeriveSecret(m.h, m.secret, labelServerTraffic, transcriptHash)
}

// ExporterMasterSecret derives exporter_master_secret over the transcript
// hash of ClientHello...server Finished.
func (m *MasterSecret13) ExporterMasterSecret(transcriptHash []byte) []byte {
	return DeriveSecret(m.h, m.secret, labelExporterMaster, transcriptHash)
}

// ResumptionMasterSecret derives resumption_master_secret over the
// transcript hash of ClientHello...client Finished.
func (m *MasterSecret13) ResumptionMasterSecret(transcriptHash []byte) []byte {
	return DeriveSecret(m.h, m.secret, labelResumptionMaster, transcriptHash)
}

// TrafficKey derives the record protection key and IV from a traffic secret
// (RFC 8446 §7.3).
func TrafficKey(h crypto.Hash, trafficSecret []byte, keyLen, ivLen int) (key, iv []byte) {
	key = HKDFExpandLabel(h, trafficSecret, labelKey, nil, keyLen)
	iv = HKDFExpandLabel(h, trafficSecret, labelIV, nil, ivLen)
	return key, iv
}

// FinishedKey derives finished_key from a base key, the sender's handshake
// traffic secret (RFC 8446 §4.4.4) or a binder key (§4.2.11.2).
func FinishedKey(h crypto.Hash, baseKey []byte) []byte {
	return HKDFExpandLabel(h, baseKey, labelFinished, nil, h.Size())
}

// FinishedMAC computes Finished.verify_data, HMAC(finished_key,
// Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*))
// (RFC 8446 §4.4.4), where baseKey is the sender's handshake traffic secret.
func FinishedMAC(h crypto.Hash, baseKey, transcriptHash []byte) []byte {
	mac := hmac.New(h.New, FinishedKey(h, baseKey))
	mac.Write(transcriptHash)
	return mac.Sum(nil)
}

// NextTrafficSecret derives application_traffic_secret_N+1 from
// application_traffic_secret_N after a KeyUpdate (RFC 8446 §7.2).
func NextTrafficSecret(h crypto.Hash, secret []byte) []byte {
	return HKDFExpandLabel(h, secret, labelTrafficUpdate, nil, h.Size())
}

// ResumptionPSK derives the PSK of a ticket from resumption_master_secret and
// the ticket_nonce of its NewSessionTicket (RFC 8446 §4.6.1).
func ResumptionPSK(h crypto.Hash, resumptionMasterSecret, ticketNonce []byte) []byte {
	return HKDFExpandLabel(h, resumptionMasterSecret, labelResumption, ticketNonce, h.Size())
}

// BinderMAC computes a PSK binder: the Finished computation with the binder
// key as base key, over the transcript hash of the ClientHello truncated
// before the binders list, preceded on a second ClientHello by the messages
// of the first exchange (RFC 8446 §4.2.11.2).
func BinderMAC(h crypto.Hash, binderKey, truncatedTranscriptHash []byte) []byte {
	return FinishedMAC(h, binderKey, truncatedTranscriptHash)
}

// clone returns a copy of b.
func clone(b []byte) []byte {
	return append([]byte(nil), b...)
}
