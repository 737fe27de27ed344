// Package wire is the byte-exact codec of the reference TLS engine: records,
// alerts, ChangeCipherSpec, every handshake message of TLS 1.0 to 1.3 and their
// extensions. Any field may hold any value; validation is the peer's (or the
// target's) job, never the codec's.
//
// Start with record.go (record framing), handshake.go (Message and
// UnmarshalHandshake) and registry.go (the code points); each handshake
// message has its own file, and extensions.go the extensions. wire imports
// only the standard library and golang.org/x/crypto/cryptobyte, and
// nothing else of this project.
package wire

import (
	"fmt"
	"strings"
	"unicode"
)

// ContentType is the record-layer content type (RFC 8446 §5.1).
type ContentType uint8

const (
	ContentChangeCipherSpec ContentType = 20
	ContentAlert            ContentType = 21
	ContentHandshake        ContentType = 22
	ContentApplicationData  ContentType = 23
	ContentHeartbeat        ContentType = 24
)

func (t ContentType) String() string {
	switch t {
	case ContentChangeCipherSpec:
		return "change_cipher_spec"
	case ContentAlert:
		return "alert"
	case ContentHandshake:
		return "handshake"
	case ContentApplicationData:
		return "application_data"
	case ContentHeartbeat:
		return "heartbeat"
	}
	return fmt.Sprintf("content_type(%d)", uint8(t))
}

// Version is a protocol version as carried on the wire.
type Version uint16

const (
	VersionSSL20 Version = 0x0200
	VersionSSL30 Version = 0x0300
	VersionTLS10 Version = 0x0301
	VersionTLS11 Version = 0x0302
	VersionTLS12 Version = 0x0303
	VersionTLS13 Version = 0x0304
)

func (v Version) String() string {
	switch v {
	case VersionSSL20:
		return "SSL 2.0"
	case VersionSSL30:
		return "SSL 3.0"
	case VersionTLS10:
		return "TLS 1.0"
	case VersionTLS11:
		return "TLS 1.1"
	case VersionTLS12:
		return "TLS 1.2"
	case VersionTLS13:
		return "TLS 1.3"
	}
	if IsGREASE(uint16(v)) {
		return fmt.Sprintf("GREASE(0x%04x)", uint16(v))
	}
	return fmt.Sprintf("version(0x%04x)", uint16(v))
}

// Short is the form used on the command line and in reports: "1.0" to "1.3".
func (v Version) Short() string {
	switch v {
	case VersionTLS10:
		return "1.0"
	case VersionTLS11:
		return "1.1"
	case VersionTLS12:
		return "1.2"
	case VersionTLS13:
		return "1.3"
	}
	return v.String()
}

// ParseVersion reads "1.0".."1.3" (also "TLS1.2", "tls12" and "0x0303").
func ParseVersion(s string) (Version, error) {
	switch s {
	case "1.0", "TLS1.0", "tls1.0", "tls10", "TLS 1.0":
		return VersionTLS10, nil
	case "1.1", "TLS1.1", "tls1.1", "tls11", "TLS 1.1":
		return VersionTLS11, nil
	case "1.2", "TLS1.2", "tls1.2", "tls12", "TLS 1.2":
		return VersionTLS12, nil
	case "1.3", "TLS1.3", "tls1.3", "tls13", "TLS 1.3":
		return VersionTLS13, nil
	}
	var n uint16
	if _, err := fmt.Sscanf(s, "0x%04x", &n); err == nil {
		return Version(n), nil
	}
	return 0, fmt.Errorf("wire: unknown version %q (want 1.0, 1.1, 1.2 or 1.3)", s)
}

// HandshakeType is the msg_type of a handshake message (RFC 8446 §4).
type HandshakeType uint8

const (
	TypeHelloRequest        HandshakeType = 0
	TypeClientHello         HandshakeType = 1
	TypeServerHello         HandshakeType = 2
	TypeNewSessionTicket    HandshakeType = 4
	TypeEndOfEarlyData      HandshakeType = 5
	TypeEncryptedExtensions HandshakeType = 8
	TypeCertificate         HandshakeType = 11
	TypeServerKeyExchange   HandshakeType = 12
	TypeCertificateRequest  HandshakeType = 13
	TypeServerHelloDone     HandshakeType = 14
	TypeCertificateVerify   HandshakeType = 15
	TypeClientKeyExchange   HandshakeType = 16
	TypeFinished            HandshakeType = 20
	TypeCertificateStatus   HandshakeType = 22
	TypeKeyUpdate           HandshakeType = 24
	TypeMessageHash         HandshakeType = 254
)

var handshakeTypeNames = map[HandshakeType]string{
	TypeHelloRequest:        "HelloRequest",
	TypeClientHello:         "ClientHello",
	TypeServerHello:         "ServerHello",
	TypeNewSessionTicket:    "NewSessionTicket",
	TypeEndOfEarlyData:      "EndOfEarlyData",
	TypeEncryptedExtensions: "EncryptedExtensions",
	TypeCertificate:         "Certificate",
	TypeServerKeyExchange:   "ServerKeyExchange",
	TypeCertificateRequest:  "CertificateRequest",
	TypeServerHelloDone:     "ServerHelloDone",
	TypeCertificateVerify:   "CertificateVerify",
	TypeClientKeyExchange:   "ClientKeyExchange",
	TypeFinished:            "Finished",
	TypeCertificateStatus:   "CertificateStatus",
	TypeKeyUpdate:           "KeyUpdate",
	TypeMessageHash:         "message_hash",
}

// RFCName is the type's name as RFC 8446 §4 spells it in the
// HandshakeType enum: "server_hello", "encrypted_extensions";
// "unknown_99" for a type no RFC assigns.
func (t HandshakeType) RFCName() string {
	n, ok := handshakeTypeNames[t]
	if !ok {
		return fmt.Sprintf("unknown_%d", uint8(t))
	}
	var b strings.Builder
	for i, r := range n {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (t HandshakeType) String() string {
	if n, ok := handshakeTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("HandshakeType(%d)", uint8(t))
}

// AlertLevel is the level byte of an alert (RFC 5246 §7.2).
type AlertLevel uint8

const (
	AlertLevelWarning AlertLevel = 1
	AlertLevelFatal   AlertLevel = 2
)

func (l AlertLevel) String() string {
	switch l {
	case AlertLevelWarning:
		return "warning"
	case AlertLevelFatal:
		return "fatal"
	}
	return fmt.Sprintf("level(%d)", uint8(l))
}

// AlertDescription is the description byte of an alert (RFC 8446 §6,
// RFC 5246 §7.2, RFC 7507 §2).
type AlertDescription uint8

const (
	AlertCloseNotify                  AlertDescription = 0
	AlertUnexpectedMessage            AlertDescription = 10
	AlertBadRecordMAC                 AlertDescription = 20
	AlertDecryptionFailed             AlertDescription = 21
	AlertRecordOverflow               AlertDescription = 22
	AlertDecompressionFailure         AlertDescription = 30
	AlertHandshakeFailure             AlertDescription = 40
	AlertNoCertificate                AlertDescription = 41
	AlertBadCertificate               AlertDescription = 42
	AlertUnsupportedCertificate       AlertDescription = 43
	AlertCertificateRevoked           AlertDescription = 44
	AlertCertificateExpired           AlertDescription = 45
	AlertCertificateUnknown           AlertDescription = 46
	AlertIllegalParameter             AlertDescription = 47
	AlertUnknownCA                    AlertDescription = 48
	AlertAccessDenied                 AlertDescription = 49
	AlertDecodeError                  AlertDescription = 50
	AlertDecryptError                 AlertDescription = 51
	AlertExportRestriction            AlertDescription = 60
	AlertProtocolVersion              AlertDescription = 70
	AlertInsufficientSecurity         AlertDescription = 71
	AlertInternalError                AlertDescription = 80
	AlertInappropriateFallback        AlertDescription = 86
	AlertUserCanceled                 AlertDescription = 90
	AlertNoRenegotiation              AlertDescription = 100
	AlertMissingExtension             AlertDescription = 109
	AlertUnsupportedExtension         AlertDescription = 110
	AlertCertificateUnobtainable      AlertDescription = 111
	AlertUnrecognizedName             AlertDescription = 112
	AlertBadCertificateStatusResponse AlertDescription = 113
	AlertBadCertificateHashValue      AlertDescription = 114
	AlertUnknownPSKIdentity           AlertDescription = 115
	AlertCertificateRequired          AlertDescription = 116
	AlertNoApplicationProtocol        AlertDescription = 120
)

var alertNames = map[AlertDescription]string{
	AlertCloseNotify:                  "close_notify",
	AlertUnexpectedMessage:            "unexpected_message",
	AlertBadRecordMAC:                 "bad_record_mac",
	AlertDecryptionFailed:             "decryption_failed",
	AlertRecordOverflow:               "record_overflow",
	AlertDecompressionFailure:         "decompression_failure",
	AlertHandshakeFailure:             "handshake_failure",
	AlertNoCertificate:                "no_certificate",
	AlertBadCertificate:               "bad_certificate",
	AlertUnsupportedCertificate:       "unsupported_certificate",
	AlertCertificateRevoked:           "certificate_revoked",
	AlertCertificateExpired:           "certificate_expired",
	AlertCertificateUnknown:           "certificate_unknown",
	AlertIllegalParameter:             "illegal_parameter",
	AlertUnknownCA:                    "unknown_ca",
	AlertAccessDenied:                 "access_denied",
	AlertDecodeError:                  "decode_error",
	AlertDecryptError:                 "decrypt_error",
	AlertExportRestriction:            "export_restriction",
	AlertProtocolVersion:              "protocol_version",
	AlertInsufficientSecurity:         "insufficient_security",
	AlertInternalError:                "internal_error",
	AlertInappropriateFallback:        "inappropriate_fallback",
	AlertUserCanceled:                 "user_canceled",
	AlertNoRenegotiation:              "no_renegotiation",
	AlertMissingExtension:             "missing_extension",
	AlertUnsupportedExtension:         "unsupported_extension",
	AlertCertificateUnobtainable:      "certificate_unobtainable",
	AlertUnrecognizedName:             "unrecognized_name",
	AlertBadCertificateStatusResponse: "bad_certificate_status_response",
	AlertBadCertificateHashValue:      "bad_certificate_hash_value",
	AlertUnknownPSKIdentity:           "unknown_psk_identity",
	AlertCertificateRequired:          "certificate_required",
	AlertNoApplicationProtocol:        "no_application_protocol",
}

func (d AlertDescription) String() string {
	if n, ok := alertNames[d]; ok {
		return n
	}
	return fmt.Sprintf("alert(%d)", uint8(d))
}

// ExtensionType is an extension code point (IANA TLS ExtensionType Values).
type ExtensionType uint16

const (
	ExtServerName              ExtensionType = 0
	ExtStatusRequest           ExtensionType = 5
	ExtSupportedGroups         ExtensionType = 10
	ExtECPointFormats          ExtensionType = 11
	ExtSignatureAlgorithms     ExtensionType = 13
	ExtALPN                    ExtensionType = 16
	ExtSCT                     ExtensionType = 18
	ExtPadding                 ExtensionType = 21
	ExtEncryptThenMAC          ExtensionType = 22
	ExtExtendedMasterSecret    ExtensionType = 23
	ExtRecordSizeLimit         ExtensionType = 28
	ExtSessionTicket           ExtensionType = 35
	ExtPreSharedKey            ExtensionType = 41
	ExtEarlyData               ExtensionType = 42
	ExtSupportedVersions       ExtensionType = 43
	ExtCookie                  ExtensionType = 44
	ExtPSKKeyExchangeModes     ExtensionType = 45
	ExtCertificateAuthorities  ExtensionType = 47
	ExtPostHandshakeAuth       ExtensionType = 49
	ExtSignatureAlgorithmsCert ExtensionType = 50
	ExtKeyShare                ExtensionType = 51
	ExtRenegotiationInfo       ExtensionType = 0xff01
)

var extensionNames = map[ExtensionType]string{
	ExtServerName:              "server_name",
	ExtStatusRequest:           "status_request",
	ExtSupportedGroups:         "supported_groups",
	ExtECPointFormats:          "ec_point_formats",
	ExtSignatureAlgorithms:     "signature_algorithms",
	ExtALPN:                    "application_layer_protocol_negotiation",
	ExtSCT:                     "signed_certificate_timestamp",
	ExtPadding:                 "padding",
	ExtEncryptThenMAC:          "encrypt_then_mac",
	ExtExtendedMasterSecret:    "extended_master_secret",
	ExtRecordSizeLimit:         "record_size_limit",
	ExtSessionTicket:           "session_ticket",
	ExtPreSharedKey:            "pre_shared_key",
	ExtEarlyData:               "early_data",
	ExtSupportedVersions:       "supported_versions",
	ExtCookie:                  "cookie",
	ExtPSKKeyExchangeModes:     "psk_key_exchange_modes",
	ExtCertificateAuthorities:  "certificate_authorities",
	ExtPostHandshakeAuth:       "post_handshake_auth",
	ExtSignatureAlgorithmsCert: "signature_algorithms_cert",
	ExtKeyShare:                "key_share",
	ExtRenegotiationInfo:       "renegotiation_info",
}

func (e ExtensionType) String() string {
	if n, ok := extensionNames[e]; ok {
		return n
	}
	if IsGREASE(uint16(e)) {
		return fmt.Sprintf("GREASE(0x%04x)", uint16(e))
	}
	return fmt.Sprintf("extension(%d)", uint16(e))
}

// Group is a NamedGroup (RFC 8446 §4.2.7; draft-ietf-tls-ecdhe-mlkem for the
// hybrids).
type Group uint16

const (
	GroupSecp256r1          Group = 23
	GroupSecp384r1          Group = 24
	GroupSecp521r1          Group = 25
	GroupX25519             Group = 29
	GroupX448               Group = 30
	GroupFFDHE2048          Group = 256
	GroupFFDHE3072          Group = 257
	GroupFFDHE4096          Group = 258
	GroupFFDHE6144          Group = 259
	GroupFFDHE8192          Group = 260
	GroupSecP256r1MLKEM768  Group = 0x11EB
	GroupX25519MLKEM768     Group = 0x11EC
	GroupSecP384r1MLKEM1024 Group = 0x11ED
)

var groupNames = map[Group]string{
	GroupSecp256r1:          "secp256r1",
	GroupSecp384r1:          "secp384r1",
	GroupSecp521r1:          "secp521r1",
	GroupX25519:             "x25519",
	GroupX448:               "x448",
	GroupFFDHE2048:          "ffdhe2048",
	GroupFFDHE3072:          "ffdhe3072",
	GroupFFDHE4096:          "ffdhe4096",
	GroupFFDHE6144:          "ffdhe6144",
	GroupFFDHE8192:          "ffdhe8192",
	GroupSecP256r1MLKEM768:  "SecP256r1MLKEM768",
	GroupX25519MLKEM768:     "X25519MLKEM768",
	GroupSecP384r1MLKEM1024: "SecP384r1MLKEM1024",
}

func (g Group) String() string {
	if n, ok := groupNames[g]; ok {
		return n
	}
	if IsGREASE(uint16(g)) {
		return fmt.Sprintf("GREASE(0x%04x)", uint16(g))
	}
	return fmt.Sprintf("group(0x%04x)", uint16(g))
}

// ParseGroup reads a group name as printed by String; "P-256", "P-384" and
// "P-521" are accepted too.
func ParseGroup(s string) (Group, error) {
	for g, n := range groupNames {
		if n == s {
			return g, nil
		}
	}
	switch s {
	case "P-256", "p256", "P256":
		return GroupSecp256r1, nil
	case "P-384", "p384", "P384":
		return GroupSecp384r1, nil
	case "P-521", "p521", "P521":
		return GroupSecp521r1, nil
	case "X25519":
		return GroupX25519, nil
	}
	return 0, fmt.Errorf("wire: unknown group %q (want x25519, secp256r1, secp384r1, secp521r1 or X25519MLKEM768)", s)
}

// SignatureScheme is a TLS 1.2/1.3 signature algorithm (RFC 8446 §4.2.3).
type SignatureScheme uint16

const (
	PKCS1WithSHA1          SignatureScheme = 0x0201
	PKCS1WithSHA256        SignatureScheme = 0x0401
	PKCS1WithSHA384        SignatureScheme = 0x0501
	PKCS1WithSHA512        SignatureScheme = 0x0601
	ECDSAWithSHA1          SignatureScheme = 0x0203
	ECDSAWithP256AndSHA256 SignatureScheme = 0x0403
	ECDSAWithP384AndSHA384 SignatureScheme = 0x0503
	ECDSAWithP521AndSHA512 SignatureScheme = 0x0603
	PSSWithSHA256          SignatureScheme = 0x0804 // rsa_pss_rsae_sha256
	PSSWithSHA384          SignatureScheme = 0x0805
	PSSWithSHA512          SignatureScheme = 0x0806
	Ed25519                SignatureScheme = 0x0807
	PSSPSSWithSHA256       SignatureScheme = 0x0809 // rsa_pss_pss_sha256
	PSSPSSWithSHA384       SignatureScheme = 0x080a
	PSSPSSWithSHA512       SignatureScheme = 0x080b
)

var schemeNames = map[SignatureScheme]string{
	PKCS1WithSHA1:          "rsa_pkcs1_sha1",
	PKCS1WithSHA256:        "rsa_pkcs1_sha256",
	PKCS1WithSHA384:        "rsa_pkcs1_sha384",
	PKCS1WithSHA512:        "rsa_pkcs1_sha512",
	ECDSAWithSHA1:          "ecdsa_sha1",
	ECDSAWithP256AndSHA256: "ecdsa_secp256r1_sha256",
	ECDSAWithP384AndSHA384: "ecdsa_secp384r1_sha384",
	ECDSAWithP521AndSHA512: "ecdsa_secp521r1_sha512",
	PSSWithSHA256:          "rsa_pss_rsae_sha256",
	PSSWithSHA384:          "rsa_pss_rsae_sha384",
	PSSWithSHA512:          "rsa_pss_rsae_sha512",
	Ed25519:                "ed25519",
	PSSPSSWithSHA256:       "rsa_pss_pss_sha256",
	PSSPSSWithSHA384:       "rsa_pss_pss_sha384",
	PSSPSSWithSHA512:       "rsa_pss_pss_sha512",
}

func (s SignatureScheme) String() string {
	if n, ok := schemeNames[s]; ok {
		return n
	}
	return fmt.Sprintf("signature_scheme(0x%04x)", uint16(s))
}

// CipherSuite is a cipher suite code point (IANA TLS Cipher Suites registry).
type CipherSuite uint16

// The suites the engine implements, plus the signalling values. Names are
// IANA's.
const (
	TLS_RSA_WITH_AES_128_CBC_SHA                  CipherSuite = 0x002f
	TLS_RSA_WITH_AES_256_CBC_SHA                  CipherSuite = 0x0035
	TLS_RSA_WITH_AES_128_CBC_SHA256               CipherSuite = 0x003c
	TLS_RSA_WITH_AES_256_CBC_SHA256               CipherSuite = 0x003d
	TLS_RSA_WITH_AES_128_GCM_SHA256               CipherSuite = 0x009c
	TLS_RSA_WITH_AES_256_GCM_SHA384               CipherSuite = 0x009d
	TLS_DHE_RSA_WITH_AES_128_CBC_SHA              CipherSuite = 0x0033
	TLS_DHE_RSA_WITH_AES_256_CBC_SHA              CipherSuite = 0x0039
	TLS_DHE_RSA_WITH_AES_128_GCM_SHA256           CipherSuite = 0x009e
	TLS_DHE_RSA_WITH_AES_256_GCM_SHA384           CipherSuite = 0x009f
	TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256     CipherSuite = 0xccaa
	TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA          CipherSuite = 0xc009
	TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA          CipherSuite = 0xc00a
	TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA            CipherSuite = 0xc013
	TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA            CipherSuite = 0xc014
	TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256       CipherSuite = 0xc023
	TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384       CipherSuite = 0xc024
	TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256         CipherSuite = 0xc027
	TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384         CipherSuite = 0xc028
	TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256       CipherSuite = 0xc02b
	TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384       CipherSuite = 0xc02c
	TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256         CipherSuite = 0xc02f
	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384         CipherSuite = 0xc030
	TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256   CipherSuite = 0xcca8
	TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 CipherSuite = 0xcca9
	TLS_AES_128_GCM_SHA256                        CipherSuite = 0x1301
	TLS_AES_256_GCM_SHA384                        CipherSuite = 0x1302
	TLS_CHACHA20_POLY1305_SHA256                  CipherSuite = 0x1303
	TLS_EMPTY_RENEGOTIATION_INFO_SCSV             CipherSuite = 0x00ff // RFC 5746 §3.3
	TLS_FALLBACK_SCSV                             CipherSuite = 0x5600 // RFC 7507 §2
)

var suiteNames = map[CipherSuite]string{
	TLS_RSA_WITH_AES_128_CBC_SHA:                  "TLS_RSA_WITH_AES_128_CBC_SHA",
	TLS_RSA_WITH_AES_256_CBC_SHA:                  "TLS_RSA_WITH_AES_256_CBC_SHA",
	TLS_RSA_WITH_AES_128_CBC_SHA256:               "TLS_RSA_WITH_AES_128_CBC_SHA256",
	TLS_RSA_WITH_AES_256_CBC_SHA256:               "TLS_RSA_WITH_AES_256_CBC_SHA256",
	TLS_RSA_WITH_AES_128_GCM_SHA256:               "TLS_RSA_WITH_AES_128_GCM_SHA256",
	TLS_RSA_WITH_AES_256_GCM_SHA384:               "TLS_RSA_WITH_AES_256_GCM_SHA384",
	TLS_DHE_RSA_WITH_AES_128_CBC_SHA:              "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
	TLS_DHE_RSA_WITH_AES_256_CBC_SHA:              "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
	TLS_DHE_RSA_WITH_AES_128_GCM_SHA256:           "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
	TLS_DHE_RSA_WITH_AES_256_GCM_SHA384:           "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
	TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256:     "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:          "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
	TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:          "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
	TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
	TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
	TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256:       "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
	TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384:       "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
	TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256:         "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
	TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384:         "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
	TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:       "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:       "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:         "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:         "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:   "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	TLS_AES_128_GCM_SHA256:                        "TLS_AES_128_GCM_SHA256",
	TLS_AES_256_GCM_SHA384:                        "TLS_AES_256_GCM_SHA384",
	TLS_CHACHA20_POLY1305_SHA256:                  "TLS_CHACHA20_POLY1305_SHA256",
	TLS_EMPTY_RENEGOTIATION_INFO_SCSV:             "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
	TLS_FALLBACK_SCSV:                             "TLS_FALLBACK_SCSV",
}

func (c CipherSuite) String() string {
	if n, ok := suiteNames[c]; ok {
		return n
	}
	if IsGREASE(uint16(c)) {
		return fmt.Sprintf("GREASE(0x%04x)", uint16(c))
	}
	return fmt.Sprintf("cipher_suite(0x%04x)", uint16(c))
}

// ParseCipherSuite reads an IANA suite name or a 0x hex code point.
func ParseCipherSuite(s string) (CipherSuite, error) {
	for c, n := range suiteNames {
		if n == s {
			return c, nil
		}
	}
	var n uint16
	if _, err := fmt.Sscanf(s, "0x%04x", &n); err == nil {
		return CipherSuite(n), nil
	}
	return 0, fmt.Errorf("wire: unknown cipher suite %q (want an IANA name such as TLS_AES_128_GCM_SHA256)", s)
}

// IsGREASE reports whether v is one of the sixteen GREASE values of RFC 8701
// §2 (0x0A0A, 0x1A1A, ..., 0xFAFA).
func IsGREASE(v uint16) bool {
	return v&0x0f0f == 0x0a0a && v>>8 == v&0xff
}

// GREASE returns the i-th GREASE value (i modulo 16), RFC 8701 §2.
func GREASE(i int) uint16 {
	b := uint16(i&0xf)<<4 | 0x0a
	return b<<8 | b
}

// HelloRetryRequestRandom is SHA-256("HelloRetryRequest"), the random of a
// ServerHello that is a HelloRetryRequest (RFC 8446 §4.1.3).
var HelloRetryRequestRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// Downgrade sentinels in ServerHello.random[24:32] (RFC 8446 §4.1.3).
var (
	DowngradeTLS12 = [8]byte{0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01}
	DowngradeTLS11 = [8]byte{0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00}
)
