package order

import "github.com/tlsconform/tlsconform/suite/checks"

// orderOthers matches the message-order checks whose name is one segment
// of letters, digits and dashes, and the slot checks of a named message
// type (not unknown_99), besides the baselines.
const orderOthers = `baseline/.*|message-order/[^/]+/[^/]+/([a-z0-9-]+|(clienthello|cke|finished)-slot/[a-z_]+)`

// selfTests: the message-order misbehaviours (rows 1-14).
var selfTests = []checks.SelfTest{
	{
		Misbehaviour: "order/accept-early-ccs",
		Fail:         `^message-order/tls1[012]/[^/]+/early-ccs$`,
		Pass:         `^(baseline/.*|message-order/[^/]+/[^/]+/(finished-without-ccs|appdata-.*|duplicate-.*|split-across-key-change|server-flight-.*|ccs-.*|clienthello-after-handshake|(clienthello|cke|finished)-slot/.*))$`,
	},
	{
		// The check leaves the ClientKeyExchange out and keys the Finished
		// with an empty pre-master secret, as this server does: it completes.
		Misbehaviour: "order/skip-cke",
		Fail:         `^message-order/tls1[012]/[^/]+/no-client-key-exchange$`,
		Pass:         `^(baseline/.*|message-order/[^/]+/[^/]+/(finished-without-ccs|appdata-.*|duplicate-.*|split-across-key-change|server-flight-.*|ccs-.*|clienthello-after-handshake|(clienthello|cke|finished)-slot/.*))$`,
	},
	{
		Misbehaviour: "order/no-ccs-check-13",
		Fail:         `^message-order/tls13/ecdhe/ccs-(value-00|value-02|empty|two-bytes|encrypted)$`,
		Pass:         `^(baseline/.*|message-order/tls1[012]/.*|message-order/tls13/ecdhe/(ccs-after-finished|ccs-omitted|duplicate-.*|appdata-.*|split-across-key-change|server-flight-.*|clienthello-after-handshake|(clienthello|finished)-slot/.*))$`,
	},
	{
		Misbehaviour: "order/ignore-unknown-messages",
		Fail:         `^message-order/[^/]+/[^/]+/(clienthello|cke|finished)-slot/unknown_99$`,
		Pass:         `^(` + orderOthers + `)$`,
	},
	{
		// Every ECDHE handshake of TLS 1.0-1.2 breaks; RSA key exchange and
		// TLS 1.3 have no ServerKeyExchange to misplace.
		Misbehaviour: "order/wrong-flight-order",
		Fail:         `^(baseline/tls1[012]/ecdhe_(rsa|ecdsa)/handshake-completes|message-order/tls1[012]/ecdhe_(rsa|ecdsa)/server-flight-resumed)$`,
		Pass:         `^(baseline|message-order)/(tls1[012]/rsa|tls13/ecdhe)/.*$`,
	},
}
