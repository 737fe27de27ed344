package peers_test

// Reading the target's answer as real servers give it (issue 9): alerts
// under a key the client has moved past, a write that fails after the
// target answered, and a probe that would make the target reset.

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/loopback"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

var fatalAlert = wire.AppendRecord(nil, wire.ContentAlert, wire.VersionTLS12,
	wire.Alert{Level: wire.AlertLevelFatal, Description: wire.AlertDecodeError}.Marshal())

// A TLS 1.3 server may send its alert about the client Finished under its
// handshake traffic key: the client opens it with the key it had (at that
// key's sequence number) and says so in the transcript.
func TestAlertUnderAnEarlierKeyIsRead(t *testing.T) {
	underHS := peers.Misbehaviour{Name: "alert-under-handshake-key", Apply: func(p *peers.ServerPlan) {
		next := p.VerifyFinished
		p.VerifyFinished = func(st *peers.ServerState, got, want []byte) error {
			err := next(st, got, want)
			if err != nil {
				st.WriteUnderHandshakeKey()
			}
			return err
		}
	}}
	p := mustPKI(t)
	addr := startRefServer(t, peers.ServerConfig{Versions: []wire.Version{wire.VersionTLS13}, Timeout: 2 * time.Second, Misbehaviours: []peers.Misbehaviour{underHS}})
	cb := recordCombos[0]
	if cb.version != wire.VersionTLS13 {
		t.Fatalf("recordCombos[0] is %s", cb.version)
	}
	bad := peers.DefaultScript(wire.VersionTLS13).Through(peers.StepFinished).Then(peers.ExpectRejection(true))
	flip := func(cv *peers.Conversation) {
		cv.Edit(peers.StepFinished, func(raw []byte) []byte { raw[len(raw)-1] ^= 1; return raw })
	}
	cv := peers.RunScript(context.Background(), peers.TCP(addr), cb.clientConfig(p), bad, flip)
	if o := cv.Outcome; o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertDecryptError {
		t.Fatalf("outcome %v, want the decrypt_error alert read under the handshake key", o)
	}
	noted := false
	for _, e := range cv.Events() {
		noted = noted || (e.Dir == peers.Received && strings.Contains(e.Summary(), "opened under the server handshake traffic key"))
	}
	if !noted {
		t.Error("the transcript does not say which key opened the alert")
	}
}

// A write that fails because the target already reset the connection does
// not hide the alert it wrote before.
func TestFailedWriteDoesNotHideTheAlert(t *testing.T) {
	reset := make(chan struct{})
	addr := loopback.ServeEach(t, func(nc net.Conn) {
		defer close(reset)
		if _, _, err := wire.ReadRecord(nc, 1<<16); err != nil {
			return
		}
		_, _ = nc.Write(fatalAlert)
		_ = nc.(*net.TCPConn).SetLinger(0) // close with a reset
	})
	wait := peers.Step{Name: "Wait", Run: func(cv *peers.Conversation) error {
		if err := cv.Conn().Flush(); err != nil {
			return err
		}
		<-reset
		return nil
	}}
	more := peers.SendRaw("More", func(*peers.Conversation) []byte { return []byte{22, 3, 3, 0, 1, 0} })
	// Two writes after the reset: the first may still be taken by the
	// kernel, the second meets the reset.
	script := peers.Script{peers.SendClientHello(), wait, more, peers.Step{Name: "Flush", Run: func(cv *peers.Conversation) error {
		_ = cv.Conn().Flush()
		return nil
	}}, more.Renamed("MoreAgain"), peers.ExpectRejection(false)}
	cv := peers.RunScript(context.Background(), peers.TCP(addr), &peers.ClientConfig{Timeout: 2 * time.Second}, script)
	if o := cv.Outcome; o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertDecodeError {
		t.Errorf("outcome %v at %s, want the decode_error alert the target wrote before its reset", o, o.Step)
	}
}

// The probe goes out only when the target has not answered within a
// glance: a target that answers and closes with unread input resets the
// connection, which can destroy its alert. The fake resets without its
// alert when the probe is already there when it answers.
func TestProbeWaitsForTheAnswer(t *testing.T) {
	addr := loopback.ServeEach(t, func(nc net.Conn) {
		if _, _, err := wire.ReadRecord(nc, 1<<16); err != nil {
			return
		}
		_ = nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, _ := nc.Read(make([]byte, 1)); n > 0 {
			_ = nc.(*net.TCPConn).SetLinger(0) // unread input: a reset, the alert lost
			return
		}
		_, _ = nc.Write(fatalAlert)
	})
	script := peers.Script{peers.SendClientHello(), peers.ExpectRejection(true)}
	cv := peers.RunScript(context.Background(), peers.TCP(addr), &peers.ClientConfig{Timeout: 2 * time.Second}, script)
	if o := cv.Outcome; o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertDecodeError {
		t.Errorf("outcome %v, want decode_error: the probe went out before the answer", o)
	}
}

// Below TLS 1.3 a warning alert followed by a plain close is the target's
// last word: an alert, not "closed without an alert". In TLS 1.3 a
// warning alert ends the conversation as it is (RFC 8446 §6).
func TestWarningThenClose(t *testing.T) {
	warning := wire.AppendRecord(nil, wire.ContentAlert, wire.VersionTLS12,
		wire.Alert{Level: wire.AlertLevelWarning, Description: wire.AlertUnrecognizedName}.Marshal())
	addr := loopback.ServeEach(t, func(nc net.Conn) {
		if _, _, err := wire.ReadRecord(nc, 1<<16); err != nil {
			return
		}
		_, _ = nc.Write(warning)
	})
	cv := peers.RunScript(context.Background(), peers.TCP(addr), &peers.ClientConfig{Timeout: 2 * time.Second}, peers.DefaultScript(wire.VersionTLS12))
	if o := cv.Outcome; o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertUnrecognizedName || o.Step != peers.StepServerHello {
		t.Errorf("outcome %v at %s, want the warning unrecognized_name at the ServerHello", o, o.Step)
	}
}
