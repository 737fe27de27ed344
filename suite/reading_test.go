package suite_test

// Reading the outcome (issue 9): what real servers do that a verdict must
// survive, reproduced by fake servers in front of the reference server
// (internal/loopback), each with a check that the verdict is right on the
// fake and that a real violation behind it still fails.

import (
	"context"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/loopback"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

// front is a fake server in front of tgt: every connection is passed to
// tgt, unless special (given the first bytes the client sent) handles it
// itself; toClient, when not nil, may change the target's first bytes to
// the client.
type front struct {
	special  func(nc net.Conn, first []byte) bool
	toClient func(first []byte) []byte
	conns    atomic.Int64
}

// start runs the fake on a free loopback port and returns a target that
// dials it.
func (f *front) start(t *testing.T, tgt targets.Target) targets.Target {
	t.Helper()
	addr := loopback.ServeEach(t, func(nc net.Conn) {
		f.conns.Add(1)
		first := make([]byte, 512)
		n, err := nc.Read(first)
		if err != nil {
			return
		}
		first = first[:n]
		if f.special != nil && f.special(nc, first) {
			return
		}
		up, err := tgt.Dial(context.Background())
		if err != nil {
			return
		}
		defer up.Close()
		_ = up.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := up.Write(first); err != nil {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = io.Copy(up, nc)
			if tc, ok := up.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
			}
		}()
		buf := make([]byte, 32<<10)
		if n, err := up.Read(buf); err == nil && f.toClient != nil {
			if _, err := nc.Write(f.toClient(buf[:n])); err != nil {
				return
			}
		} else if err == nil {
			if _, err := nc.Write(buf[:n]); err != nil {
				return
			}
		}
		_, _ = io.Copy(nc, up)
		_ = nc.(*net.TCPConn).CloseWrite()
		<-done
	})
	remote, err := targets.Open(context.Background(), addr, targets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { remote.Close() })
	return remote
}

func reference(t *testing.T, misbehaviours ...string) targets.Target {
	t.Helper()
	var ms []peers.Misbehaviour
	for _, name := range misbehaviours {
		m, ok := suite.MisbehaviourByName(name)
		if !ok {
			t.Fatalf("no misbehaviour %q", name)
		}
		ms = append(ms, m)
	}
	tgt, err := suite.Reference(context.Background(), suite.ReferenceOptions{Misbehaviours: ms})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return tgt
}

// judgeIDs runs the checks named by ids against tgt (through the runner,
// probing first) and returns their results by id.
func judgeIDs(t *testing.T, tgt targets.Target, opts suite.Options, ids ...string) map[string]suite.Result {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var list []checks.Check
	for _, ch := range suite.Catalogue() {
		if want[ch.ID] {
			list = append(list, ch)
		}
	}
	if len(list) != len(ids) {
		t.Fatalf("%d of the %d checks named are in the catalogue", len(list), len(ids))
	}
	opts.Seed = 1
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	r, err := suite.Start(context.Background(), tgt, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]suite.Result{}
	for _, ch := range list {
		out[ch.ID] = r.Check(context.Background(), ch)
	}
	if _, err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func expectStatus(t *testing.T, res map[string]suite.Result, id string, want reports.Status) {
	t.Helper()
	if got := res[id]; got.Status != want {
		t.Errorf("%s: %s, want %s (%s)", id, got.Status, want, got.Message())
	}
}

// A TLS 1.2 server may send unrecognized_name as a warning before its
// ServerHello and go on (RFC 6066 §3): the handshake is not over.
func TestWarningAlertDoesNotEndTheConversation(t *testing.T) {
	warning := wire.AppendRecord(nil, wire.ContentAlert, wire.VersionTLS12,
		wire.Alert{Level: wire.AlertLevelWarning, Description: wire.AlertUnrecognizedName}.Marshal())
	ids := []string{
		"baseline/tls12/ecdhe_rsa/handshake-completes",
		"finished/tls12/ecdhe_rsa/flip-bit-0",
		"client-hello/tls12/ecdhe_rsa/session_id/33-bytes",
	}
	warn := func(first []byte) []byte { return append(append([]byte(nil), warning...), first...) }
	opts := suite.Options{Versions: []wire.Version{wire.VersionTLS12}}

	res := judgeIDs(t, (&front{toClient: warn}).start(t, reference(t)), opts, ids...)
	for _, id := range ids {
		expectStatus(t, res, id, reports.Pass)
	}
	// A real violation behind the warning still fails.
	res = judgeIDs(t, (&front{toClient: warn}).start(t, reference(t, "finished/skip-verify")), opts, ids[:2]...)
	expectStatus(t, res, ids[0], reports.Pass)
	expectStatus(t, res, ids[1], reports.Fail)
}

// Some servers read an SSL 2.0 compatible hello as a TLS record header
// and wait for the length it seems to give (NSS waits for 771 bytes).
// Pushed (the client half-closes), such a server closes: that is a
// rejection. One that says nothing even then proves nothing. One that
// answers with TLS 1.3 still fails.
func TestSilenceIsPushed(t *testing.T) {
	const id = "version-negotiation/tls12/ecdhe_rsa/sslv2-compatible-hello"
	opts := suite.Options{Versions: []wire.Version{wire.VersionTLS12, wire.VersionTLS13}, Timeout: 300 * time.Millisecond}
	sslv2 := func(first []byte) bool { return peers.IsSSLv2Hello(first) }
	waitsThenCloses := &front{special: func(nc net.Conn, first []byte) bool {
		if !sslv2(first) {
			return false
		}
		_, _ = io.Copy(io.Discard, nc) // until the client's FIN
		return true
	}}
	res := judgeIDs(t, waitsThenCloses.start(t, reference(t)), opts, id)
	expectStatus(t, res, id, reports.Pass)
	if !strings.Contains(res[id].Observed, peers.PushHalfClose) {
		t.Errorf("observed %q: the push is not said", res[id].Observed)
	}

	over := make(chan struct{})
	staysSilent := &front{special: func(nc net.Conn, first []byte) bool {
		if !sslv2(first) {
			return false
		}
		_, _ = io.Copy(io.Discard, nc)
		<-over // deaf to the FIN: holds the connection open until the test ends
		return true
	}}
	silent := staysSilent.start(t, reference(t))
	t.Cleanup(func() { close(over) }) // before the server's cleanup, which waits for its handlers
	res = judgeIDs(t, silent, opts, id)
	expectStatus(t, res, id, reports.Inconclusive)

	res = judgeIDs(t, (&front{}).start(t, reference(t, "version/sslv2-hello-negotiates-tls13")), opts, id)
	expectStatus(t, res, id, reports.Fail)
}

// A target that still listens but stops answering is as dead as one that
// refuses: after a few checks in a row end in a timeout and a plain
// handshake times out too, every remaining check fails at once, without a
// conversation, with one message.
func TestUnresponsiveTargetEndsTheRun(t *testing.T) {
	var stallAfter atomic.Int64
	stallAfter.Store(1 << 40)
	f := &front{}
	f.special = func(nc net.Conn, _ []byte) bool {
		if f.conns.Load() <= stallAfter.Load() {
			return false
		}
		_, _ = io.Copy(io.Discard, nc) // listens, never answers
		return true
	}
	tgt := f.start(t, reference(t))
	r, err := suite.Start(context.Background(), tgt, suite.Options{Seed: 1, Timeout: 200 * time.Millisecond,
		Versions: []wire.Version{wire.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	var list []checks.Check
	for _, ch := range suite.Catalogue() {
		if ch.Ctx.Version == wire.VersionTLS12 && ch.Ctx.KX == checks.KXECDHERSA && len(list) < 40 {
			list = append(list, ch)
		}
	}
	first := r.Check(context.Background(), list[0]) // the baseline, while the target answers
	if first.Status != reports.Pass {
		t.Fatalf("%s: %s", list[0].ID, first.Message())
	}
	stallAfter.Store(f.conns.Load())
	before := f.conns.Load()
	unresponsive := 0
	for _, ch := range list[1:] {
		res := r.Check(context.Background(), ch)
		if res.Status == reports.Pass {
			t.Errorf("%s passed against a target that answers nothing", ch.ID)
		}
		if strings.HasPrefix(res.Reason, "target unresponsive since check ") {
			unresponsive++
			if len(res.Transcript) != 0 {
				t.Errorf("%s: a conversation with a target known unresponsive", ch.ID)
			}
		}
	}
	talked := f.conns.Load() - before
	t.Logf("%d conversations with the stalled target, %d of %d checks failed as unresponsive", talked, unresponsive, len(list)-1)
	if unresponsive < len(list)-1-10 {
		t.Errorf("only %d of %d checks after the stall failed as unresponsive", unresponsive, len(list)-1)
	}
	if talked > 20 {
		t.Errorf("%d conversations with a target that stopped answering", talked)
	}
	rep, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !reports.Failed(rep, false) {
		t.Error("a run against an unresponsive target passed")
	}
}

// rsaOnly is a fake server in front of the reference server that has an
// RSA certificate only and picks its suite before its version, as many
// servers do: a ClientHello that offers no suite it can use (only
// ECDSA-authenticated ones) draws alert before any version is looked at;
// everything else goes to the reference server.
func rsaOnly(alert wire.AlertDescription) *front {
	return &front{special: func(nc net.Conn, first []byte) bool {
		ids, ok := offeredSuites(first)
		if !ok {
			return false
		}
		for _, id := range ids {
			if s, ok := suites.Lookup(id); ok && s.Auth != suites.AuthECDSA {
				return false
			}
		}
		rec := wire.AppendRecord(nil, wire.ContentAlert, wire.VersionTLS12, wire.Alert{Level: wire.AlertLevelFatal, Description: alert}.Marshal())
		_, _ = nc.Write(rec)
		return true
	}}
}

// offeredSuites reads the cipher suites of the ClientHello that first
// begins with (one handshake record, its start is enough).
func offeredSuites(first []byte) ([]wire.CipherSuite, bool) {
	const sid = wire.RecordHeaderLen + 4 + 2 + 32 // record and handshake headers, version, random
	if len(first) <= sid || first[0] != byte(wire.ContentHandshake) || first[wire.RecordHeaderLen] != byte(wire.TypeClientHello) {
		return nil, false
	}
	at := sid + 1 + int(first[sid])
	if len(first) < at+2 {
		return nil, false
	}
	n := int(first[at])<<8 | int(first[at+1])
	at += 2
	if n%2 != 0 || len(first) < at+n {
		return nil, false
	}
	var out []wire.CipherSuite
	for i := at; i < at+n; i += 2 {
		out = append(out, wire.CipherSuite(first[i])<<8|wire.CipherSuite(first[i+1]))
	}
	return out, true
}

// The checks that run outside the target's profile must not blame
// version negotiation for a key exchange or a certificate the target
// lacks: against a server without an ECDSA certificate that picks its
// suite first, the ECDSA contexts' client_version checks offer the
// target's own suites too (so its protocol_version is about the version,
// and passes), and the offer-bound check takes handshake_failure for the
// missing key exchange but warns on a protocol_version that blames the
// version for it. A real version fault behind the fake still fails.
func TestAlwaysRunChecksDoNotBlameTheVersion(t *testing.T) {
	ids := []string{
		"version-negotiation/tls10/ecdhe_ecdsa/client-version-0300",
		"version-negotiation/tls10/ecdhe_ecdsa/client-version-0200",
		"version-negotiation/tls12/ecdhe_ecdsa/never-exceeds-offered-version",
	}
	res := judgeIDs(t, rsaOnly(wire.AlertHandshakeFailure).start(t, reference(t)), suite.Options{}, ids...)
	for _, id := range ids {
		expectStatus(t, res, id, reports.Pass)
	}
	if got := res[ids[2]].Expected; !strings.Contains(got, "ecdhe_ecdsa key exchange") {
		t.Errorf("%s: expected %q does not say what the target lacks", ids[2], got)
	}

	res = judgeIDs(t, rsaOnly(wire.AlertProtocolVersion).start(t, reference(t)), suite.Options{}, ids[2])
	expectStatus(t, res, ids[2], reports.Warn)

	res = judgeIDs(t, rsaOnly(wire.AlertHandshakeFailure).start(t, reference(t, "version/unoffered-version")), suite.Options{}, ids[0])
	expectStatus(t, res, ids[0], reports.Fail)
}

// A target waiting for the bytes a ClientHello's length promised is
// pushed with those bytes first: its decode_error then answers the
// message, and the check that wants decode_error passes, where after a
// half-close alone an answer proves nothing (inconclusive).
func TestFillerDecides(t *testing.T) {
	tgt := reference(t)
	env := &checks.Env{Dial: tgt.Dial, Timeout: 300 * time.Millisecond, Seed: 1}
	c := checks.Context{Version: wire.VersionTLS12, KX: checks.KXECDHERSA}
	script := peers.DefaultScript(c.Version).Through(peers.StepClientHello).Then(peers.ExpectRejection(false))
	longer := func(cv *peers.Conversation) {
		cv.Edit(peers.StepClientHello, func(raw []byte) []byte {
			n := len(raw) - 4 + 1
			return append([]byte{raw[0], byte(n >> 16), byte(n >> 8), byte(n)}, raw[4:]...)
		})
	}
	v := checks.RejectsHello(env.Converse(context.Background(), c, "filler", script, longer), script, wire.AlertDecodeError)
	if v.Status != reports.Pass || !strings.Contains(v.Observed, "the byte its handshake message's length promised") {
		t.Errorf("a ClientHello one byte short of its length: %s, observed %s (%s)", v.Status, v.Observed, v.Reason)
	}
}
