package hello

import (
	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// helloUnrelated are ClientHello checks no misbehaviour of the family
// touches: the framing of the fields outside the extensions, the values of
// those fields, and GREASE.
const helloUnrelated = `client-hello/[^/]+/[^/]+/(truncate/(version|random|session_id.*|cipher_suites.*|compression_methods.length)|` +
	`length/(handshake|session_id|cipher_suites|compression_methods)/.*|session_id/.*|cipher_suites/.*|compression_methods/.*|grease/.*|type/.*)`

// selfTests: the ClientHello misbehaviours (rows 35-46).
var selfTests = []checks.SelfTest{
	{
		// Every duplicate the server must refuse goes through.
		Misbehaviour: "hello/accept-duplicate-extension",
		Caught:       checks.CaughtIn("client_hello/extensions/duplicate", mutators.MustReject),
		Pass:         `^(baseline/.*|` + helloUnrelated + `|client-hello/.*/(extensions/(trailing|missing|unknown|reorder)/.*|server_name/.*|key_share/.*))$`,
	},
	{
		// Every message with bytes after its last field goes through. A
		// zero extensions length, too, leaves the whole block after it:
		// read leniently, a TLS 1.2 ClientHello without extensions (TLS
		// 1.3 then finds no suite).
		Misbehaviour: "hello/accept-trailing-bytes",
		Caught:       checks.CaughtIn("client_hello/trailing", mutators.MustReject),
		Fail:         `^client-hello/tls12/[^/]+/length/extensions/zero$`,
		Pass: `^(baseline/.*|client-hello/.*/(truncate/.*|length/(handshake|session_id|cipher_suites|compression_methods)/.*|` +
			`length/extensions/(short|long|max)|extensions/(trailing|duplicate)/.*|server_name/.*))$`,
	},
	{
		// The server never reads server_name: every malformation of it the
		// server must refuse goes through (failing where that is a MUST,
		// warning where a SHOULD). Which other extension bodies go
		// unnoticed depends on what the server reads: those are listed.
		// Extensions the server reads anyway fail on their own (a bad
		// supported_groups leaves no group, then no suite): those only
		// warn. In TLS 1.0-1.2 refusing a malformed extension body is
		// SHOULD level (no RFC makes it a MUST there): those checks warn.
		Misbehaviour: "hello/lenient-extensions",
		Caught:       checks.CaughtIn("client_hello/server_name", mutators.MustReject),
		Fail:         `^client-hello/tls13/[^/]+/(extensions/trailing/(alpn|psk_key_exchange_modes|server_name)|length/extensions\.psk_key_exchange_modes\.ke_modes/[a-z]+)$`,
		Warn: `^client-hello/(` +
			`tls12/[^/]+/(extensions/trailing/(alpn|ec_point_formats|server_name|signature_algorithms|supported_groups)|` +
			`length/extensions\.(ec_point_formats\.ec_point_format_list|signature_algorithms\.supported_signature_algorithms|supported_groups\.named_group_list)/[a-z]+)|` +
			`tls13/[^/]+/(extensions/trailing/(signature_algorithms|supported_groups)|supported_versions/empty|` +
			`length/extensions\.(signature_algorithms\.supported_signature_algorithms|supported_groups\.named_group_list)/[a-z]+))$`,
		Pass: `^(baseline/.*|` + helloUnrelated + `|client-hello/.*/(extensions/(duplicate|missing|unknown|reorder)/.*|trailing/.*|key_share/.*))$`,
	},
	{
		// Every key share value a server without the checks takes with a
		// secret the client can compute completes the handshake: an X25519
		// low-order point (zeros), (0,0) and the identity (zeros), the
		// client's point compressed or in hybrid form, a share with a byte
		// too many. An off-curve point draws a ServerHello and a secret the
		// client cannot know: that proves nothing, inconclusive.
		Misbehaviour: "hello/accept-invalid-key-share",
		Fail: `^client-hello/tls13/[^/]+/key_share/(x25519/(zero|one|order-8-a|order-8-b|p-minus-1|p|p-plus-1|long)|` +
			`secp(256|384|521)r1/(zero|identity|compressed|hybrid-form|long)|(x25519mlkem768|secp256r1mlkem768|secp384r1mlkem1024)/long)$`,
		Inconclusive: `^client-hello/tls13/[^/]+/key_share/secp(256|384|521)r1/off-curve$`,
		Pass:         `^(baseline/.*|` + helloUnrelated + `|client-hello/.*/extensions/(duplicate|unknown|reorder)/.*)$`,
	},
}
