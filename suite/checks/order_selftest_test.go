package checks_test

// orderOthers matches the message-order checks whose name is one segment
// of letters, digits and dashes, and the slot checks of a named message
// type (not unknown_99), besides the baselines.
const orderOthers = `baseline/.*|message-order/[^/]+/[^/]+/([a-z0-9-]+|(clienthello|cke|finished)-slot/[a-z_]+)`

// selfTestsOrder: the message-order misbehaviours (rows 1-14).
var selfTestsOrder = []selfTest{
	{
		name: "order/accept-early-ccs",
		fail: `^message-order/tls1[012]/[^/]+/early-ccs$`,
		pass: `^(baseline/.*|message-order/[^/]+/[^/]+/(finished-without-ccs|appdata-.*|duplicate-.*|split-across-key-change|server-flight-.*|ccs-.*|clienthello-after-handshake|(clienthello|cke|finished)-slot/.*))$`,
	},
	{
		// The check leaves the ClientKeyExchange out and keys the Finished
		// with an empty pre-master secret, as this server does: it completes.
		name: "order/skip-cke",
		fail: `^message-order/tls1[012]/[^/]+/no-client-key-exchange$`,
		pass: `^(baseline/.*|message-order/[^/]+/[^/]+/(finished-without-ccs|appdata-.*|duplicate-.*|split-across-key-change|server-flight-.*|ccs-.*|clienthello-after-handshake|(clienthello|cke|finished)-slot/.*))$`,
	},
	{
		name: "order/no-ccs-check-13",
		fail: `^message-order/tls13/ecdhe/ccs-(value-00|value-02|empty|two-bytes|encrypted)$`,
		pass: `^(baseline/.*|message-order/tls1[012]/.*|message-order/tls13/ecdhe/(ccs-after-finished|ccs-omitted|duplicate-.*|appdata-.*|split-across-key-change|server-flight-.*|clienthello-after-handshake|(clienthello|finished)-slot/.*))$`,
	},
	{
		name: "order/ignore-unknown-messages",
		fail: `^message-order/[^/]+/[^/]+/(clienthello|cke|finished)-slot/unknown_99$`,
		pass: `^(` + orderOthers + `)$`,
	},
	{
		// Every ECDHE handshake of TLS 1.0-1.2 breaks; RSA key exchange and
		// TLS 1.3 have no ServerKeyExchange to misplace.
		name: "order/wrong-flight-order",
		fail: `^(baseline/tls1[012]/ecdhe_(rsa|ecdsa)/handshake-completes|message-order/tls1[012]/ecdhe_(rsa|ecdsa)/server-flight-resumed)$`,
		pass: `^(baseline|message-order)/(tls1[012]/rsa|tls13/ecdhe)/.*$`,
	},
}
