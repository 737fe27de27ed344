package targets

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"io"
	"math/big"
	"unicode/utf16"

	"github.com/tlsconform/tlsconform/peers/certs"
)

// PKCS #12 (RFC 7292) is the only way NSS's pk12util takes a private key
// in: the nss target writes its certificates as one PFX per key, with
// the key in a plain keyBag (the file lives in the target's private
// directory and is deleted with it) and an HMAC-SHA-256 integrity MAC,
// which pk12util requires.

var (
	oidData         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidKeyBag       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidCertBag      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidX509Cert     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidFriendlyName = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidLocalKeyID   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
	oidSHA256       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

// RFC 7292 §4: PFX, ContentInfo (PKCS #7 data only), SafeBag, CertBag,
// MacData.
type pfx struct {
	Version  int
	AuthSafe contentInfo
	MacData  macData
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     []byte `asn1:"explicit,tag:0"`
}

type safeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue  // [0] EXPLICIT: see explicit0
	Attributes []bagAttribute `asn1:"set"`
}

type bagAttribute struct {
	ID     asn1.ObjectIdentifier
	Values asn1.RawValue // a SET OF
}

type certBag struct {
	ID   asn1.ObjectIdentifier
	Cert []byte `asn1:"explicit,tag:0"`
}

type macData struct {
	Mac        digestInfo
	Salt       []byte
	Iterations int
}

type digestInfo struct {
	Algorithm algorithmIdentifier
	Digest    []byte
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// pkcs12Iterations is the MAC key derivation's iteration count, RFC
// 7292's recommended minimum.
const pkcs12Iterations = 2048

// encodePKCS12 is a PFX holding p's chain (the leaf carries the key's
// local key ID and nickname) and its key, MACed under password.
func encodePKCS12(p *certs.Pair, nickname, password string, rnd io.Reader) ([]byte, error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(p.Key)
	if err != nil {
		return nil, err
	}
	keyID := sha256.Sum256(p.Leaf.Raw)
	attrs, err := bagAttributes(nickname, keyID[:20])
	if err != nil {
		return nil, err
	}
	var bags []safeBag
	for i, der := range p.Chain {
		cb, err := asn1.Marshal(certBag{ID: oidX509Cert, Cert: der})
		if err != nil {
			return nil, err
		}
		b := safeBag{ID: oidCertBag, Value: explicit0(cb)}
		if i == 0 {
			b.Attributes = attrs
		}
		bags = append(bags, b)
	}
	bags = append(bags, safeBag{ID: oidKeyBag, Value: explicit0(keyDER), Attributes: attrs})
	contents, err := asn1.Marshal(bags)
	if err != nil {
		return nil, err
	}
	// Content, a []byte, is the OCTET STRING inside the explicit tag.
	authSafe, err := asn1.Marshal([]contentInfo{{ContentType: oidData, Content: contents}})
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return nil, err
	}
	key := pkcs12KDF(password, salt, 3, pkcs12Iterations, sha256.Size)
	mac := hmac.New(sha256.New, key)
	mac.Write(authSafe) // RFC 7292 §5.1: the MAC covers authSafe's content octets
	return asn1.Marshal(pfx{
		Version:  3,
		AuthSafe: contentInfo{ContentType: oidData, Content: authSafe},
		MacData: macData{
			Mac: digestInfo{
				Algorithm: algorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue},
				Digest:    mac.Sum(nil),
			},
			Salt:       salt,
			Iterations: pkcs12Iterations,
		},
	})
}

// explicit0 is der under an explicit [0] tag. encoding/asn1 writes a
// RawValue's FullBytes as they are, whatever the field's tag says.
func explicit0(der []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: der}
}

// bagAttributes are friendlyName (a BMPString: NSS takes it as the
// nickname) and localKeyId (pairs the certificate with its key).
func bagAttributes(nickname string, keyID []byte) ([]bagAttribute, error) {
	name, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: 30, Bytes: bmpString(nickname)})
	if err != nil {
		return nil, err
	}
	id, err := asn1.Marshal(keyID)
	if err != nil {
		return nil, err
	}
	set := func(der []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: der}
	}
	return []bagAttribute{
		{ID: oidFriendlyName, Values: set(name)},
		{ID: oidLocalKeyID, Values: set(id)},
	}, nil
}

// bmpString is s in UTF-16BE, without a terminator.
func bmpString(s string) []byte {
	var out []byte
	for _, r := range utf16.Encode([]rune(s)) {
		out = append(out, byte(r>>8), byte(r))
	}
	return out
}

// pkcs12KDF is RFC 7292 App. B.2's key derivation with SHA-256; id 3
// derives a MAC key. The password is a BMPString
// with a two-byte NUL terminator (App. B.1).
func pkcs12KDF(password string, salt []byte, id byte, iterations, n int) []byte {
	const v = 64 // SHA-256's block size
	pw := append(bmpString(password), 0, 0)
	fill := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		out := make([]byte, v*((len(b)+v-1)/v))
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	d := make([]byte, v)
	for i := range d {
		d[i] = id
	}
	I := append(fill(salt), fill(pw)...)
	var out []byte
	for len(out) < n {
		h := sha256.New()
		h.Write(d)
		h.Write(I)
		a := h.Sum(nil)
		for range iterations - 1 {
			s := sha256.Sum256(a)
			a = s[:]
		}
		out = append(out, a...)
		// I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
		b := new(big.Int).SetBytes(fill(a)[:v])
		b.Add(b, big.NewInt(1))
		for j := 0; j < len(I); j += v {
			x := new(big.Int).SetBytes(I[j : j+v])
			x.Add(x, b)
			xb := x.Bytes()
			if len(xb) > v {
				xb = xb[len(xb)-v:]
			}
			clear(I[j : j+v])
			copy(I[j+v-len(xb):j+v], xb)
		}
	}
	return out[:n]
}
