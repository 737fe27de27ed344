package replay_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/loopback"
	"github.com/tlsconform/tlsconform/suite/replay"

	"github.com/tlsconform/tlsconform/corpus"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// fakeServer reads a ClientHello and answers it with whatever answer
// returns (nil: nothing), then waits for the client to hang up.
func fakeServer(t *testing.T, answer func(ch *wire.ClientHello) []byte) string {
	t.Helper()
	return loopback.ServeEach(t, func(nc net.Conn) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		got, err := corpus.ReadClientHello(ctx, nc)
		if err != nil {
			return
		}
		ch, err := wire.UnmarshalClientHello(got.Hello)
		if err != nil {
			return
		}
		if b := answer(ch); len(b) > 0 {
			nc.Write(b)
		}
		// Wait for the client to hang up (bounded by the deadline).
		_, _ = nc.Read(make([]byte, 1))
	})
}

func serverHello(ch *wire.ClientHello, v wire.Version, suite wire.CipherSuite, exts ...wire.Extension) []byte {
	sh := &wire.ServerHello{Version: wire.VersionTLS12, Random: make([]byte, 32), SessionID: ch.SessionID, CipherSuite: suite, Extensions: exts}
	if v == wire.VersionTLS13 {
		sh.Extensions = append(sh.Extensions, wire.SupportedVersionsServerExt(v))
	} else {
		sh.Version = v
		sh.Random[0] = 1
	}
	b, err := sh.Marshal()
	if err != nil {
		panic(err)
	}
	return wire.AppendRecord(nil, wire.ContentHandshake, wire.VersionTLS12, b)
}

func hrr(ch *wire.ClientHello, g wire.Group) []byte {
	sh := &wire.ServerHello{Version: wire.VersionTLS12, Random: wire.HelloRetryRequestRandom[:], SessionID: ch.SessionID,
		CipherSuite: wire.TLS_AES_128_GCM_SHA256, Extensions: []wire.Extension{wire.SupportedVersionsServerExt(wire.VersionTLS13), wire.KeyShareHRRExt(g)}}
	b, _ := sh.Marshal()
	return wire.AppendRecord(nil, wire.ContentHandshake, wire.VersionTLS12, b)
}

func alert(d wire.AlertDescription) []byte {
	return wire.AppendRecord(nil, wire.ContentAlert, wire.VersionTLS12, wire.Alert{Level: wire.AlertLevelFatal, Description: d}.Marshal())
}

func replayCheck(t *testing.T, name string) checks.Check {
	t.Helper()
	for _, ch := range replay.Family().Checks() {
		if ch.ID == "real-client-hello/"+name {
			return ch
		}
	}
	t.Fatalf("no replay check for %s", name)
	return checks.Check{}
}

// TestReplayCheckCatches: the replay check fails a target that refuses a
// real hello it could serve, selects what the client did not offer (a
// GREASE suite, a group without a share), closes or stays silent, and
// skips only when the target shares nothing with the client.
func TestReplayCheckCatches(t *testing.T) {
	x25519 := func(ch *wire.ClientHello) wire.Extension {
		return wire.KeyShareServerExt(wire.KeyShareEntry{Group: wire.GroupX25519, KeyExchange: make([]byte, 32)})
	}
	serves13 := &checks.Profile{
		Versions: []wire.Version{wire.VersionTLS12, wire.VersionTLS13},
		KX:       map[wire.Version][]checks.KX{wire.VersionTLS12: {checks.KXECDHERSA}, wire.VersionTLS13: {checks.KXTLS13}},
		Groups:   []wire.Group{wire.GroupX25519, wire.GroupSecp256r1},
		Suites:   []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
	}
	onlyFFDHE := &checks.Profile{
		Versions: []wire.Version{wire.VersionTLS13},
		KX:       map[wire.Version][]checks.KX{wire.VersionTLS13: {checks.KXTLS13}},
		Groups:   []wire.Group{wire.GroupFFDHE8192},
		Suites:   []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256},
	}
	only10 := &checks.Profile{Versions: []wire.Version{wire.VersionTLS10}, KX: map[wire.Version][]checks.KX{wire.VersionTLS10: {checks.KXRSA}}}
	for _, tc := range []struct {
		name     string
		template string
		profile  *checks.Profile
		answer   func(*wire.ClientHello) []byte
		want     reports.Status
		reason   string
	}{
		{"good ServerHello", "chromium", serves13, func(ch *wire.ClientHello) []byte {
			return serverHello(ch, wire.VersionTLS13, wire.TLS_AES_128_GCM_SHA256, x25519(ch))
		}, reports.Pass, ""},
		{"good HelloRetryRequest", "chromium", serves13, func(ch *wire.ClientHello) []byte { return hrr(ch, wire.GroupSecp256r1) }, reports.Pass, ""},
		{"good TLS 1.2", "openssl-s_client-tls1.2", serves13, func(ch *wire.ClientHello) []byte {
			return serverHello(ch, wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
		}, reports.Pass, ""},
		{"GREASE suite selected", "chromium", serves13, func(ch *wire.ClientHello) []byte {
			return serverHello(ch, wire.VersionTLS13, ch.CipherSuites[0], x25519(ch))
		}, reports.Fail, "cipher suite GREASE"},
		{"unoffered version", "openssl-s_client-tls1.2", serves13, func(ch *wire.ClientHello) []byte {
			return serverHello(ch, wire.VersionTLS13, wire.TLS_AES_128_GCM_SHA256, x25519(ch))
		}, reports.Fail, "selected TLS 1.3"},
		{"share without a client share", "openssl-s_client-tls1.3", serves13, func(ch *wire.ClientHello) []byte {
			return serverHello(ch, wire.VersionTLS13, wire.TLS_AES_128_GCM_SHA256,
				wire.KeyShareServerExt(wire.KeyShareEntry{Group: wire.GroupSecp384r1, KeyExchange: make([]byte, 97)}))
		}, reports.Fail, "key share for secp384r1"},
		{"HRR for a group it has a share of", "chromium", serves13, func(ch *wire.ClientHello) []byte { return hrr(ch, wire.GroupX25519) }, reports.Fail, "already sent a share"},
		{"refused with common parameters", "chromium", serves13, func(*wire.ClientHello) []byte { return alert(wire.AlertHandshakeFailure) }, reports.Fail, "although the target shares a version"},
		{"decode_error", "nss-tstclnt", serves13, func(*wire.ClientHello) []byte { return alert(wire.AlertDecodeError) }, reports.Fail, "refused"},
		{"no common group", "chromium", onlyFFDHE, func(*wire.ClientHello) []byte { return alert(wire.AlertHandshakeFailure) }, reports.Skip, "no common parameters with Chromium"},
		{"no common version", "chromium", only10, func(*wire.ClientHello) []byte { return alert(wire.AlertProtocolVersion) }, reports.Skip, "target supports TLS 1.0"},
		{"no profile", "chromium", nil, func(*wire.ClientHello) []byte { return alert(wire.AlertHandshakeFailure) }, reports.Fail, "refused"},
		{"close", "curl", serves13, nil, reports.Fail, "did not answer"},
		{"silence", "curl", serves13, func(*wire.ClientHello) []byte { return nil }, reports.Fail, "deadline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := fakeCloser(t)
			if tc.answer != nil {
				addr = fakeServer(t, tc.answer)
			}
			env := &checks.Env{Dial: peers.TCP(addr), Timeout: 500 * time.Millisecond, Profile: tc.profile}
			v := replayCheck(t, tc.template).Run(context.Background(), env)
			if v.Status != tc.want || !strings.Contains(v.Reason, tc.reason) {
				t.Errorf("%s: %s (observed %s; %s), want %s with %q", tc.template, v.Status, v.Observed, v.Reason, tc.want, tc.reason)
			}
		})
	}
}

// fakeCloser reads a little and hangs up without a word.
func fakeCloser(t *testing.T) string {
	return loopback.ServeEach(t, func(nc net.Conn) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = corpus.ReadClientHello(ctx, nc)
	})
}
