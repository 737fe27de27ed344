package checks

import (
	"strings"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Rule is the sentence of an RFC that puts a duty on the receiver (the
// target), quoted as the RFC words it: the ground of a MUST check, shown
// beside its verdict in every report. A sentence that binds the sender,
// or gives the receiver a choice, grounds a warning at most.
type Rule struct {
	Cite string // "RFC 8446 §4.4.4"
	Text string // quoted verbatim from the RFC
}

// String is the rule as reports show it: `RFC 8446 §4.4.4: "..."`.
func (r Rule) String() string {
	if r.Text == "" {
		return r.Cite
	}
	return r.Cite + ": \"" + r.Text + "\""
}

// The receiver-duty sentences the catalogue's MUST checks rest on, quoted
// from the RFCs (RFC 4346, 5246, 5288, 5746, 6176, 7507, 7568, 7627,
// 8422, 8446, 8701; text as published by the RFC Editor).
var (
	RuleOrder12 = Rule{"RFC 5246 §7.4", "The handshake protocol messages are presented below in the order they MUST be sent; sending handshake messages in an unexpected order results in a fatal error."}
	RuleOrder13 = Rule{"RFC 8446 §4", "A peer which receives a handshake message in an unexpected order MUST abort the handshake with an \"unexpected_message\" alert."}

	RuleFinishedNoCCS12 = Rule{"RFC 5246 §7.4.9", "It is a fatal error if a Finished message is not preceded by a ChangeCipherSpec message at the appropriate point in the handshake."}
	RuleFinished12      = Rule{"RFC 5246 §7.4.9", "Recipients of Finished messages MUST verify that the contents are correct."}
	RuleFinished13      = Rule{"RFC 8446 §4.4.4", "Recipients of Finished messages MUST verify that the contents are correct and if incorrect MUST terminate the connection with a \"decrypt_error\" alert."}
	// The definitions a server's Finished must meet: no sentence binds
	// its sender in key words (the MUSTs above bind the recipient).
	RuleServerFinished12 = Rule{"RFC 5246 §7.4.9", "verify_data PRF(master_secret, finished_label, Hash(handshake_messages)) [0..verify_data_length-1];"}
	RuleServerFinished13 = Rule{"RFC 8446 §4.4.4", "The verify_data value is computed as follows: verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*))"}
	RuleNoResumption     = Rule{"RFC 5246 §7.2.2", "Thus, any connection terminated with a fatal alert MUST NOT be resumed."}

	RuleHelloFormat12 = Rule{"RFC 5246 §7.4.1.2", "A server MUST accept ClientHello messages both with and without the extensions field, and (as for all other messages) it MUST check that the amount of data in the message precisely matches one of these formats; if not, then it MUST send a fatal \"decode_error\" alert."}
	// The clause of the same sentence that makes it a rule for every
	// message a server receives, quoted alone where the message is not a
	// ClientHello: RFC 5246 states no length rule of its own for them.
	RuleMessageLength12   = Rule{"RFC 5246 §7.4.1.2 (a server's rule for every message)", "(as for all other messages) it MUST check that the amount of data in the message precisely matches one of these formats; if not, then it MUST send a fatal \"decode_error\" alert."}
	RuleUnknownSuites     = Rule{"RFC 5246 §7.4.1.2", "If the list contains cipher suites the server does not recognize, support, or wish to use, the server MUST ignore those cipher suites, and process the remaining ones as usual."}
	RuleDecode13          = Rule{"RFC 8446 §6", "Peers which receive a message which cannot be parsed according to the syntax (e.g., have a length extending beyond the message boundary or contain an out-of-range length) MUST terminate the connection with a \"decode_error\" alert."}
	RuleIllegal13         = Rule{"RFC 8446 §6", "Peers which receive a message which is syntactically correct but semantically invalid (e.g., a DHE share of p - 1, or an invalid enum) MUST terminate the connection with an \"illegal_parameter\" alert."}
	RuleCompression13     = Rule{"RFC 8446 §4.1.2", "If a TLS 1.3 ClientHello is received with any other value in this field, the server MUST abort the handshake with an \"illegal_parameter\" alert."}
	RuleNoRenegotiation13 = Rule{"RFC 8446 §4.1.2", "Because TLS 1.3 forbids renegotiation, if a server has negotiated TLS 1.3 and receives a ClientHello at any other time, it MUST terminate the connection with an \"unexpected_message\" alert."}
	RuleNoCommonParams13  = Rule{"RFC 8446 §4.1.1", "If the server is unable to negotiate a supported set of parameters (i.e., there is no overlap between the client and server parameters), it MUST abort the handshake with either a \"handshake_failure\" or \"insufficient_security\" fatal alert (see Section 6)."}
	RuleNoCommonGroup     = Rule{"RFC 8446 §4.1.1", "If there is no overlap between the received \"supported_groups\" and the groups supported by the server, then the server MUST abort the handshake with a \"handshake_failure\" or an \"insufficient_security\" alert."}
	RuleMissingExt        = Rule{"RFC 8446 §9.2", "Servers receiving a ClientHello which does not conform to these requirements MUST abort the handshake with a \"missing_extension\" alert."}
	RulePSKLast           = Rule{"RFC 8446 §4.2.11", "Servers MUST check that it is the last extension and otherwise fail the handshake with an \"illegal_parameter\" alert."}
	RuleRenegInfo         = Rule{"RFC 5746 §3.6", "The server MUST then verify that the length of the \"renegotiated_connection\" field is zero, and if it is not, MUST abort the handshake."}
	RuleGREASE            = Rule{"RFC 8701 §3.2", "Servers MUST NOT negotiate any GREASE value when offered in a ClientHello.  Servers MUST correctly ignore unknown values in a ClientHello and attempt to negotiate with one of the remaining parameters."}

	RuleSupportedVersions   = Rule{"RFC 8446 §4.2.1", "If this extension is present in the ClientHello, servers MUST NOT use the ClientHello.legacy_version value for version negotiation and MUST use only the \"supported_versions\" extension to determine client preferences.  Servers MUST only select a version of TLS present in that extension and MUST ignore any unknown versions that are present in that extension."}
	RuleNoSupportedVersions = Rule{"RFC 8446 App. D.2", "If the \"supported_versions\" extension is not present, the server MUST negotiate the minimum of ClientHello.legacy_version and TLS 1.2."}
	RuleHighestVersion12    = Rule{"RFC 5246 App. E.1", "If a TLS server receives a ClientHello containing a version number greater than the highest version supported by the server, it MUST reply according to the highest version supported by the server."}
	RuleRecordVersion12     = Rule{"RFC 5246 App. E.1", "Thus, TLS servers compliant with this specification MUST accept any value {03,XX} as the record layer version number for ClientHello."}
	RuleLegacy0300          = Rule{"RFC 8446 App. D.5", "Any endpoint receiving a Hello message with ClientHello.legacy_version or ServerHello.legacy_version set to 0x0300 MUST abort the handshake with a \"protocol_version\" alert."}
	RuleNoSSL3              = Rule{"RFC 7568 §3", "Any party receiving a Hello message with the protocol version set to {03,00} MUST respond with a \"protocol_version\" alert message and close the connection."}
	RuleNoSSL2              = Rule{"RFC 6176 §3", "TLS servers MUST NOT reply with an SSL 2.0 SERVER-HELLO with a protocol version that is less than {0x03, 0x00} and instead MUST abort the connection, i.e., when the highest protocol version offered by the client is {0x00, 0x02}."}
	RuleSentinel            = Rule{"RFC 8446 §4.1.3", "TLS 1.3 servers which negotiate TLS 1.2 or below in response to a ClientHello MUST set the last 8 bytes of their Random value specially in their ServerHello."}
	RuleFallbackSCSV        = Rule{"RFC 7507 §3", "If TLS_FALLBACK_SCSV appears in ClientHello.cipher_suites and the highest protocol version supported by the server is higher than the version indicated in ClientHello.client_version, the server MUST respond with a fatal inappropriate_fallback alert (unless it responds with a fatal protocol_version alert because the version indicated in ClientHello.client_version is unsupported)."}

	RuleRSA           = Rule{"RFC 5246 §7.4.7.1", "In any case, a TLS server MUST NOT generate an alert if processing an RSA-encrypted premaster secret message fails, or the version number is not as expected.  Instead, it MUST continue the handshake with a randomly generated premaster secret."}
	RuleNISTPoint     = Rule{"RFC 8422 §5.11", "With the NIST curves, each party MUST validate the public key sent by its peer in the ClientKeyExchange and ServerKeyExchange messages."}
	RulePointFormat12 = Rule{"RFC 8422 §5.1.2", "Implementations of this document MUST support the uncompressed format for all of their supported curves and MUST NOT support other formats for curves defined in this specification."}
	RuleX25519Zero    = Rule{"RFC 8422 §5.11", "With X25519 and X448, a receiving party MUST check whether the computed premaster secret is the all-zero value and abort the handshake if so, as described in Section 6 of [RFC7748]."}
	RuleECPoint13     = Rule{"RFC 8446 §4.2.8.2", "For the curves secp256r1, secp384r1, and secp521r1, peers MUST validate each other's public value Q by ensuring that the point is a valid point on the elliptic curve."}
	RuleX25519Zero13  = Rule{"RFC 8446 §7.4.2", "Implementations MUST check whether the computed Diffie-Hellman shared secret is the all-zero value and abort if so, as described in Section 6 of [RFC7748]."}
	RuleRecordType12  = Rule{"RFC 5246 §6", "If a TLS implementation receives an unexpected record type, it MUST send an unexpected_message alert."}
	RuleRecordType13  = Rule{"RFC 8446 §5", "If a TLS implementation receives an unexpected record type, it MUST terminate the connection with an \"unexpected_message\" alert."}
	RuleCCSDrop13     = Rule{"RFC 8446 §5", "An implementation may receive an unencrypted record of type change_cipher_spec consisting of the single byte value 0x01 at any time after the first ClientHello message has been sent or received and before the peer's Finished message has been received and MUST simply drop it without further processing."}
	RuleCCSOther13    = Rule{"RFC 8446 §5", "An implementation which receives any other change_cipher_spec value or which receives a protected change_cipher_spec record MUST abort the handshake with an \"unexpected_message\" alert."}
	RuleKeyChange13   = Rule{"RFC 8446 §5.1", "Implementations MUST verify that all messages immediately preceding a key change align with a record boundary; if not, then they MUST terminate the connection with an \"unexpected_message\" alert."}
	RuleOverflow13    = Rule{"RFC 8446 §5.1", "The length MUST NOT exceed 2^14 bytes.  An endpoint that receives a record that exceeds this length MUST terminate the connection with a \"record_overflow\" alert."}
	RuleBadMAC12      = Rule{"RFC 5246 §6.2.3.3", "If the decryption fails, a fatal bad_record_mac alert MUST be generated."}
	RuleBadPadding12  = Rule{"RFC 5246 §6.2.3.2", "The receiver MUST check this padding and MUST use the bad_record_mac alert to indicate padding errors."}
	RuleBadPadding11  = Rule{"RFC 4346 §6.2.3.2", "The receiver MUST check this padding and SHOULD use the bad_record_mac alert to indicate padding errors."}
	// RFC 2246 is not quoted: the TLS 1.2 sentence carries the duty, and
	// the cite says so.
	RuleBadPadding10       = Rule{"RFC 5246 §6.2.3.2 (the TLS 1.2 text of the duty, applied to TLS 1.0)", RuleBadPadding12.Text}
	RuleBadMAC13           = Rule{"RFC 8446 §5.2", "If the decryption fails, the receiver MUST terminate the connection with a \"bad_record_mac\" alert."}
	RuleZeroLength13       = Rule{"RFC 8446 §5.4", "Implementations MUST NOT send Handshake and Alert records that have a zero-length TLSInnerPlaintext.content; if such a message is received, the receiving implementation MUST terminate the connection with an \"unexpected_message\" alert."}
	RuleNoContentType13    = Rule{"RFC 8446 §5.4", "If a receiving implementation does not find a non-zero octet in the cleartext, it MUST terminate the connection with an \"unexpected_message\" alert."}
	RuleIgnoreExtensions13 = Rule{"RFC 8446 §4.1.2", "Servers MUST ignore unrecognized extensions."}
	RuleGCMVersion         = Rule{"RFC 5288 §4", "Servers which select an earlier version of TLS MUST NOT select one of these cipher suites."}
	RuleIgnoreSuites13     = Rule{"RFC 8446 §4.1.2", "If the list contains cipher suites that the server does not recognize, support, or wish to use, the server MUST ignore those cipher suites and process the remaining ones as usual."}
	RuleInvariants13       = Rule{"RFC 8446 §9.3", "A server receiving a ClientHello MUST correctly ignore all unrecognized cipher suites, extensions, and other parameters."}
	RuleRecordVersion13    = Rule{"RFC 8446 §5.1", "This field is deprecated and MUST be ignored for all purposes."}
	RuleDecompression12    = Rule{"RFC 5246 §6.2.2", "If the decompression function encounters a TLSCompressed.fragment that would decompress to a length in excess of 2^14 bytes, it MUST report a fatal decompression failure error."}
	RuleLowerVersion12     = Rule{"RFC 5246 App. E.1", "If server supports (or is willing to use) only versions greater than client_version, it MUST send a \"protocol_version\" alert message and close the connection."}
	RuleOverflowCT13       = Rule{"RFC 8446 §5.2", "The length MUST NOT exceed 2^14 + 256 bytes.  An endpoint that receives a record that exceeds this length MUST terminate the connection with a \"record_overflow\" alert."}
	RuleEMS                = Rule{"RFC 7627 §5.2", "If the server receives a ClientHello without the extension, it SHOULD abort the handshake if it does not wish to interoperate with legacy clients."}

	// What the sender MAY send. A MAY binds no receiver by itself: the
	// floods of such records rest on these at SHOULD level.
	RuleMayZeroAppData12 = Rule{"RFC 5246 §6.2.1", "Zero-length fragments of Application data MAY be sent as they are potentially useful as a traffic analysis countermeasure."}
	RuleMayZeroAppData13 = Rule{"RFC 8446 §5.1", "Zero-length fragments of Application Data MAY be sent, as they are potentially useful as a traffic analysis countermeasure."}
	RuleRecordBelow0300  = Rule{"RFC 8446 App. D.5", "Implementations SHOULD NOT accept any records with a version less than 0x0300 (but may inadvertently do so if the record version number is ignored completely)."}
	RuleWarningAlert12   = Rule{"RFC 5246 §7.2", "If an alert with a level of warning is sent and received, generally the connection can continue normally."}

	// A receiver's duty toward what a sender MAY send is RFC 2119 §5's,
	// which RFC 5246 §1.1 and RFC 8446 §1.1 make the meaning of their key
	// words; the cite names the MAY it applies to.
	RuleFragment12    = mayRule(`RFC 5246 §6.2.1: "a single message MAY be fragmented across several records"`)
	RuleFragment13    = mayRule(`RFC 8446 §5.1: "Handshake messages MAY be coalesced into a single TLSPlaintext record or fragmented across several records"`)
	RuleZeroAppData12 = mayRule(`RFC 5246 §6.2.1: "Zero-length fragments of Application data MAY be sent"`)
	RuleZeroAppData13 = mayRule(`RFC 8446 §5.1: "Zero-length fragments of Application Data MAY be sent"`)
)

// mayRule is the receiver's duty toward the MAY that may names (an RFC,
// its section and the MAY's words): RFC 2119 §5.
func mayRule(may string) Rule {
	return Rule{"RFC 2119 §5 (" + may + ")", "An implementation which does not include a particular option MUST be prepared to interoperate with another implementation which does include the option, though perhaps with reduced functionality."}
}

// rulePair is a label's rule below TLS 1.3 and at TLS 1.3.
type rulePair struct{ tls12, tls13 Rule }

func both(r Rule) rulePair { return rulePair{r, r} }

// rulesByLabel gives, for the RFC label a check carries, the receiver's
// duty it rests on at each version.
var rulesByLabel = map[string]rulePair{
	"RFC 5246 §7.4.1.4":                                    {RuleHelloFormat12, RuleIgnoreExtensions13},
	"RFC 5246 §7.3":                                        {RuleOrder12, RuleOrder13},
	"RFC 8446 §2":                                          {RuleOrder12, RuleOrder13},
	"RFC 5246 §7.1":                                        {RuleOrder12, RuleOrder13},
	"RFC 5246 §7.1, §7.4.9":                                {RuleFinishedNoCCS12, RuleOrder13},
	"RFC 5246 §7.1, §7.4.9; RFC 8446 §5.1":                 {RuleOrder12, RuleKeyChange13},
	"RFC 5246 §7.3, §7.4.7":                                {RuleOrder12, RuleOrder13},
	"RFC 5246 §7.3, §7.4.9":                                {RuleOrder12, RuleOrder13},
	"RFC 5246 §7.3; RFC 5077 §3.1":                         {RuleOrder12, RuleOrder13},
	"RFC 5246 §7.4.9":                                      {RuleFinished12, RuleFinished13},
	"RFC 8446 §2, §5":                                      {RuleRecordType12, RuleRecordType13},
	"RFC 8446 §2, §5; RFC 5246 §7.3":                       {RuleRecordType12, RuleRecordType13},
	"RFC 8446 §2.1, §4.1.4":                                both(RuleOrder13),
	"RFC 8446 §2.2":                                        both(RuleOrder13),
	"RFC 8446 §4":                                          {RuleOrder12, RuleOrder13},
	"RFC 8446 §4, §4.4.4":                                  {RuleOrder12, RuleOrder13},
	"RFC 8446 §4.1.2":                                      {RuleHelloFormat12, RuleNoRenegotiation13},
	"RFC 8446 §4; RFC 5246 §7.3":                           {RuleOrder12, RuleOrder13},
	"RFC 8446 §5":                                          {RuleRecordType12, RuleCCSOther13},
	"RFC 8446 §5, App. D.4":                                both(RuleCCSDrop13),
	"RFC 8446 §5.1":                                        both(RuleKeyChange13),
	"RFC 8446 §4.4.4":                                      {RuleFinished12, RuleFinished13},
	"RFC 8446 §4.4.4, §5":                                  both(RuleRecordType13),
	"RFC 8446 §6.2; RFC 5246 §7.4.9":                       {RuleFinished12, RuleDecode13},
	"RFC 7627 §4; RFC 5246 §7.4.9":                         {RuleFinished12, RuleFinished13},
	"RFC 5246 §7.2.2, App. F.1.4":                          both(RuleNoResumption),
	"RFC 5246 §6.2.1; RFC 8446 §5.1; RFC 7685 §3":          {RuleHelloFormat12, RuleDecode13},
	"RFC 5246 §7.3; RFC 8446 §4":                           {RuleOrder12, RuleOrder13},
	"RFC 5246 §7.4.1.2":                                    {RuleHelloFormat12, RuleDecode13},
	"RFC 5246 §7.4.1.2; RFC 8446 §4.1.2":                   {RuleHelloFormat12, RuleDecode13},
	"RFC 5746 §3.6":                                        both(RuleRenegInfo),
	"RFC 5746 §3.6; RFC 8446 §4.1.2":                       both(RuleRenegInfo),
	"RFC 6066 §3":                                          both(RuleDecode13),
	"RFC 7685 §3, §4":                                      {RuleHelloFormat12, RuleIgnoreExtensions13},
	"RFC 8446 §4, §6.2; RFC 5246 §7.4":                     {RuleHelloFormat12, RuleDecode13},
	"RFC 8446 §4.1.1":                                      both(RuleNoCommonGroup),
	"RFC 8446 §4.1.1; RFC 5246 §7.4.1.3":                   {RuleUnknownSuites, RuleNoCommonParams13},
	"RFC 8446 §4.1.2, §4.2.8":                              both(RuleOrder13),
	"RFC 8446 §4.1.2, §6.2; RFC 5246 §7.4.1.2":             {RuleHelloFormat12, RuleDecode13},
	"RFC 8446 §4.1.2; RFC 5246 §7.4.1.2":                   {RuleHelloFormat12, RuleDecode13},
	"RFC 8446 §4.2, §6.2":                                  {RuleHelloFormat12, RuleDecode13},
	"RFC 8446 §4.2.1":                                      both(RuleSupportedVersions),
	"RFC 8446 §4.2.1, §6.2":                                both(RuleDecode13),
	"RFC 8446 §4.2.11":                                     both(RulePSKLast),
	"RFC 8446 §4.2.1; RFC 8701 §3":                         both(RuleSupportedVersions),
	"RFC 8446 §4.2.3; RFC 5246 §7.4.1.4.1":                 {RuleHelloFormat12, RuleDecode13},
	"RFC 8446 §4.2.7; RFC 8422 §5.1.1":                     {RuleHelloFormat12, RuleDecode13},
	"RFC 8446 §4.2.8":                                      both(RuleDecode13),
	"RFC 8446 §4.2.8, §4.1.4":                              both(RuleOrder13),
	"RFC 8446 §4.2.8, §4.2.7":                              both(RuleMissingExt),
	"RFC 8446 §4.2.8, §4.2.8.2":                            both(RuleIllegal13),
	"RFC 8446 §4.2.8.2":                                    both(RuleECPoint13),
	"RFC 8446 §7.4.2":                                      both(RuleX25519Zero13),
	"RFC 8446 §4.2.9":                                      both(RuleDecode13),
	"RFC 8446 §4.2; RFC 5246 §7.4.1.4":                     {RuleHelloFormat12, RuleDecode13},
	"RFC 8446 §9.2, §4.2.3":                                both(RuleMissingExt),
	"RFC 8446 §9.2, §4.2.7":                                both(RuleMissingExt),
	"RFC 8446 §9.2, §4.2.8":                                both(RuleMissingExt),
	"RFC 8701 §3":                                          both(RuleGREASE),
	"RFC 8446 §4.1.2; RFC 8701":                            both(RuleGREASE),
	"RFC 5246 §7.4.7, §7.2.2":                              both(RuleRSA),
	"RFC 5246 §7.4.7, §7.2.2; RFC 8422 §5.7":               both(RuleMessageLength12),
	"RFC 5246 §7.4.7.1":                                    both(RuleRSA),
	"RFC 7748 §6.1; RFC 8422 §5.11":                        both(RuleX25519Zero),
	"RFC 8422 §5.7, §5.11":                                 both(RuleNISTPoint),
	"RFC 2246 §7.2.2; RFC 5246 §6.2.3.2":                   both(RuleBadPadding10),
	"RFC 4346 §6.2.3.2, §7.2.2":                            both(RuleBadPadding11),
	"RFC 5246 App. E.1; RFC 8446 §5.1":                     {RuleRecordVersion12, RuleRecordVersion13},
	"RFC 5246 §6.2.1-6.2.3, §7.2.2":                        {RuleBadMAC12, RuleBadMAC13},
	"RFC 5246 §6.2.1; RFC 7685; RFC 8446 §5.1":             {RuleHelloFormat12, RuleDecode13},
	"RFC 5246 §6.2.1; RFC 8446 §5.1":                       {RuleHelloFormat12, RuleDecode13},
	"RFC 5246 §6.2.3, §7.2.2":                              {RuleBadPadding12, RuleBadMAC13},
	"RFC 5246 §6; RFC 8446 §5":                             {RuleRecordType12, RuleRecordType13},
	"RFC 5246 §6; RFC 8446 §5, §5.4":                       {RuleRecordType12, RuleNoContentType13},
	"RFC 8446 §5.1, §5.2, §5.4":                            both(RuleZeroLength13),
	"RFC 8446 §5.1, §5.4":                                  both(RuleZeroLength13),
	"RFC 8446 §5.1, §6.2; RFC 5246 §6.2.1, §7.2":           {RuleDecompression12, RuleOverflow13},
	"RFC 8446 §5.1; RFC 5246 §6.2.1":                       {RuleHelloFormat12, RuleDecode13},
	"RFC 8446 §5.1; RFC 5246 §6.2.1, §6.2.2":               {RuleDecompression12, RuleOverflow13},
	"RFC 8446 §5.2":                                        both(RuleBadMAC13),
	"RFC 5246 App. E.1; RFC 7568 §3":                       {RuleLowerVersion12, RuleLowerVersion12},
	"RFC 5246 App. E.1; RFC 8446 §4.2.1":                   {RuleHighestVersion12, RuleNoSupportedVersions},
	"RFC 5246 §7.4.1.3, App. E.1; RFC 8446 §4.1.3, §4.2.1": {RuleHighestVersion12, RuleSupportedVersions},
	"RFC 6176 §3":                                          both(RuleNoSSL2),
	"RFC 7507 §3":                                          both(RuleFallbackSCSV),
	"RFC 7507 §3; RFC 8446 §4.2.1":                         both(RuleFallbackSCSV),
	"RFC 8446 App. D.5":                                    both(RuleLegacy0300),
	"RFC 8446 App. D.5; RFC 6176 §3":                       both(RuleNoSSL2),
	"RFC 8446 §4.1.3":                                      both(RuleSentinel),
	"RFC 8446 §4.2.1; RFC 8701 §3.2":                       both(RuleSupportedVersions),
}

// acceptByLabel gives, for the checks that a target must go on after
// (what a sender MAY send, or a value it must ignore), the sentence
// that makes the receiver accept it; labels not listed take
// acceptDefault.
var acceptByLabel = map[string]rulePair{
	"RFC 5246 §6.2.1; RFC 8446 §5.1":              {RuleFragment12, RuleFragment13},
	"RFC 5246 §6.2.1; RFC 8446 §5.1; RFC 7685 §3": {RuleFragment12, RuleFragment13},
	"RFC 5246 §6.2.1; RFC 7685; RFC 8446 §5.1":    {RuleFragment12, RuleFragment13},
	"RFC 5246 App. E.1; RFC 8446 §5.1":            {RuleRecordVersion12, RuleRecordVersion13},
	"RFC 8446 §4.2.1":                             both(RuleSupportedVersions),
	"RFC 8446 §4.2.1; RFC 8701 §3":                both(RuleGREASE),
	"RFC 8701 §3":                                 both(RuleGREASE),
	"RFC 5246 §7.4.1.2; RFC 8446 §4.1.2":          {RuleUnknownSuites, RuleInvariants13},
	"RFC 8446 §4.1.2; RFC 5246 §7.4.1.2":          {RuleUnknownSuites, RuleInvariants13},
	"RFC 5746 §3.6":                               both(RuleHelloFormat12),
	"RFC 5746 §3.6; RFC 8446 §4.1.2":              {RuleHelloFormat12, RuleInvariants13},
}

var acceptDefault = rulePair{RuleHelloFormat12, RuleInvariants13}

// ruleOverrides are the checks whose label covers another duty than
// theirs, by a part of the check id.
var ruleOverrides = []struct {
	idPart       string
	tls12, tls13 Rule         // the zero Rule: no override at that version
	only         wire.Version // not 0: this version alone
}{
	{"/compression_methods/tls13-", Rule{}, RuleCompression13, 0},
	{"/compression_methods/without-null", Rule{}, RuleCompression13, 0},
	{"/session_id/", RuleHelloFormat12, Rule{}, 0},
	// A compressed or hybrid point may well be on the curve: what it
	// breaks is the one format a TLS 1.0-1.2 receiver may support.
	{"/ecdhe/point-compressed", RulePointFormat12, Rule{}, 0},
	{"/ecdhe/point-hybrid", RulePointFormat12, Rule{}, 0}, // a session_id is no cipher suite: its length decides

	{"/clienthello-after-handshake", Rule{}, RuleNoRenegotiation13, 0},
	{"/hrr/second-hello-without-requested-share", Rule{}, RuleIllegal13, 0},
	{"/finished-without-ccs", RuleFinishedNoCCS12, Rule{}, 0},
	{"/appdata-before-finished", RuleOrder12, Rule{}, 0},
	{"/duplicate-ccs", RuleOrder12, RuleCCSDrop13, 0},
	{"/protected/bad-mac-", RuleBadMAC12, Rule{}, wire.VersionTLS12}, // an AEAD suite; TLS 1.0-1.1 use CBC
	{"/protected/zero-length-appdata", RuleZeroAppData12, RuleZeroAppData13, 0},
	// SHOULD checks whose App. D.5 label quoted the legacy_version MUST.
	{"/record-version-0000", RuleRecordBelow0300, RuleRecordBelow0300, 0},
	{"/record-version-0200", RuleRecordBelow0300, RuleRecordBelow0300, 0},
	{"/version/below-0300", RuleRecordBelow0300, RuleRecordBelow0300, 0},
	{"/protected/oversize-ciphertext", RuleDecompression12, RuleOverflowCT13, 0},
	{"/protected/oversize-plaintext", RuleDecompression12, RuleOverflow13, 0},
}

// RuleOf is the receiver-duty sentence of check ch: an override for its
// id, or RuleFor its label; accept as for RuleFor.
func RuleOf(ch Check, accept bool) (Rule, bool) {
	for _, o := range ruleOverrides {
		r := o.tls12
		if ch.Ctx.Version == wire.VersionTLS13 {
			r = o.tls13
		}
		if r.Text != "" && strings.Contains(ch.ID, o.idPart) && (o.only == 0 || o.only == ch.Ctx.Version) {
			return r, true
		}
	}
	return RuleFor(ch.RFC, ch.Ctx.Version, accept)
}

// RuleFor is the receiver-duty sentence a check with RFC label rfc rests
// on at version v, when the catalogue knows one; accept says the check
// requires the target to go on (a mutator of class MustTolerate).
func RuleFor(rfc string, v wire.Version, accept bool) (Rule, bool) {
	p, ok := rulesByLabel[rfc]
	if accept {
		if p, ok = acceptByLabel[rfc]; !ok {
			p, ok = acceptDefault, true
		}
	}
	if !ok {
		return Rule{}, false
	}
	if v == wire.VersionTLS13 {
		return p.tls13, true
	}
	return p.tls12, true
}
