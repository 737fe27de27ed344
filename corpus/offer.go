package corpus

import (
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Extension code points the corpus names that peers/wire has no constant
// for (IANA TLS ExtensionType Values).
const (
	extCompressCertificate   wire.ExtensionType = 27     // RFC 8879
	extDelegatedCredentials  wire.ExtensionType = 34     // RFC 9345
	extApplicationSettings   wire.ExtensionType = 17513  // ALPS, draft-vvv-tls-alps
	extApplicationSettingsV2 wire.ExtensionType = 17613  // ALPS with the new code point
	extEncryptedClientHello  wire.ExtensionType = 0xfe0d // draft-ietf-tls-esni
)

// Offer is what a ClientHello offers, read from its fields and extensions.
// Values it cannot parse are left out: an Offer describes, it does not
// judge.
type Offer struct {
	// Versions is supported_versions when present (RFC 8446 §4.2.1), else
	// legacy_version and every TLS version below it (RFC 5246 Appendix E.1).
	Versions   []wire.Version
	Suites     []wire.CipherSuite
	Groups     []wire.Group // supported_groups
	KeyShares  []wire.Group // the groups of key_share's client_shares
	ServerName string
	ALPN       []string
	// GREASE: some cipher suite, extension, group, version, signature
	// scheme or key share is a GREASE value (RFC 8701).
	GREASE bool
}

// OfferOf reads what ch offers.
func OfferOf(ch *wire.ClientHello) Offer {
	o := Offer{Suites: slices.Clone(ch.CipherSuites)}
	grease := slices.ContainsFunc(ch.CipherSuites, func(s wire.CipherSuite) bool { return wire.IsGREASE(uint16(s)) })
	for _, e := range ch.Extensions {
		grease = grease || wire.IsGREASE(uint16(e.Type))
		switch e.Type {
		case wire.ExtSupportedVersions:
			if vs, err := wire.ParseSupportedVersionsClient(e.Body); err == nil {
				o.Versions = vs
			}
		case wire.ExtSupportedGroups:
			if gs, err := wire.ParseSupportedGroups(e.Body); err == nil {
				o.Groups = gs
			}
		case wire.ExtKeyShare:
			if ks, err := wire.ParseKeyShareClient(e.Body); err == nil {
				for _, k := range ks {
					o.KeyShares = append(o.KeyShares, k.Group)
				}
			}
		case wire.ExtServerName:
			if names, err := wire.ParseServerName(e.Body); err == nil {
				for _, n := range names {
					if n.NameType == 0 { // host_name, RFC 6066 §3
						o.ServerName = string(n.Name)
						break
					}
				}
			}
		case wire.ExtALPN:
			if ps, err := wire.ParseALPN(e.Body); err == nil {
				o.ALPN = ps
			}
		case wire.ExtSignatureAlgorithms:
			if ss, err := wire.ParseSignatureAlgorithms(e.Body); err == nil {
				grease = grease || slices.ContainsFunc(ss, func(s wire.SignatureScheme) bool { return wire.IsGREASE(uint16(s)) })
			}
		}
	}
	if o.Versions == nil {
		for _, v := range []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10} {
			if v <= ch.Version {
				o.Versions = append(o.Versions, v)
			}
		}
	}
	o.GREASE = grease ||
		slices.ContainsFunc(o.Versions, func(v wire.Version) bool { return wire.IsGREASE(uint16(v)) }) ||
		slices.ContainsFunc(o.Groups, func(g wire.Group) bool { return wire.IsGREASE(uint16(g)) }) ||
		slices.ContainsFunc(o.KeyShares, func(g wire.Group) bool { return wire.IsGREASE(uint16(g)) })
	return o
}

// Top is the highest TLS version offered (GREASE and unknown values
// aside), or 0.
func (o Offer) Top() wire.Version {
	var top wire.Version
	for _, v := range o.Versions {
		if v >= wire.VersionTLS10 && v <= wire.VersionTLS13 && v > top {
			top = v
		}
	}
	return top
}

// Features lists, for a person, what is notable in a ClientHello: GREASE,
// ECH, post-quantum hybrid groups, the key shares, and a few extensions
// that old servers trip over.
func Features(ch *wire.ClientHello) []string {
	o := OfferOf(ch)
	var out []string
	if top := o.Top(); top != 0 {
		out = append(out, "up to TLS "+top.Short())
	}
	if o.GREASE {
		out = append(out, "GREASE")
	}
	has := func(t wire.ExtensionType) bool { _, ok := wire.FindExtension(ch.Extensions, t); return ok }
	if has(extEncryptedClientHello) {
		out = append(out, "ECH")
	}
	var pq []string
	for _, g := range o.Groups {
		switch g {
		case wire.GroupX25519MLKEM768, wire.GroupSecP256r1MLKEM768, wire.GroupSecP384r1MLKEM1024:
			pq = append(pq, g.String())
		}
	}
	if len(pq) > 0 {
		out = append(out, fmt.Sprintf("ML-KEM %v", pq))
	}
	if len(o.KeyShares) > 0 {
		var ks []string
		for _, g := range o.KeyShares {
			ks = append(ks, g.String())
		}
		out = append(out, fmt.Sprintf("key shares %v", ks))
	}
	for _, f := range []struct {
		t    wire.ExtensionType
		name string
	}{
		{extApplicationSettings, "ALPS"},
		{extApplicationSettingsV2, "ALPS"},
		{extCompressCertificate, "compress_certificate"},
		{extDelegatedCredentials, "delegated_credentials"},
		{wire.ExtRecordSizeLimit, "record_size_limit"},
		{wire.ExtPadding, "padding"},
		{wire.ExtPostHandshakeAuth, "post_handshake_auth"},
		{wire.ExtEarlyData, "early_data"},
		{wire.ExtPreSharedKey, "pre_shared_key"},
	} {
		if has(f.t) && !slices.Contains(out, f.name) {
			out = append(out, f.name)
		}
	}
	if len(ch.SessionID) > 0 {
		out = append(out, "legacy_session_id")
	}
	out = append(out, fmt.Sprintf("%d suites, %d extensions", len(ch.CipherSuites), len(ch.Extensions)))
	return out
}
