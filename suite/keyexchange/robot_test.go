package keyexchange_test

import (
	"context"
	"crypto/rsa"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/keyexchange"
	"github.com/tlsconform/tlsconform/targets"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// waitOnBlockType00 is a padding oracle of the timeout class, for this
// test only: a block whose second byte is 0x00 (block-type-00, and the
// all-zero ciphertext) makes the server wait for more, reading until the
// client gives up and closes; every other block is processed correctly.
var waitOnBlockType00 = peers.Misbehaviour{
	Name: "test/robot-wait",
	Apply: func(p *peers.ServerPlan) {
		next := p.DecryptPMS
		p.DecryptPMS = func(st *peers.ServerState, ciphertext []byte) ([]byte, error) {
			if priv, ok := st.Cert.Key.(*rsa.PrivateKey); ok && len(ciphertext) == priv.Size() {
				m := new(big.Int).Exp(new(big.Int).SetBytes(ciphertext), priv.D, priv.N)
				if b := m.FillBytes(make([]byte, priv.Size())); b[1] == 0 {
					buf := make([]byte, 512)
					for {
						if _, err := st.NetConn().Read(buf); err != nil {
							return nil, err
						}
					}
				}
			}
			return next(st, ciphertext)
		}
	},
}

// TestRobotTimeoutIsADistinguisher: a server that waits (until the
// client's deadline) on some bad paddings and answers the others at once
// fails the ROBOT check, which names the variants that waited and
// samples each only once.
func TestRobotTimeoutIsADistinguisher(t *testing.T) {
	ctx := context.Background()
	env := &checks.Env{Dial: startReference(t, waitOnBlockType00).Dial, Timeout: 500 * time.Millisecond, Seed: 1}
	var robot *checks.Check
	for _, ch := range keyexchange.Family().Checks() {
		if ch.ID == "client-key-exchange/tls12/rsa/robot-oracle" {
			robot = &ch
		}
	}
	if robot == nil {
		t.Fatal("no ROBOT check for TLS 1.2 RSA")
	}
	start := time.Now()
	v := robot.Run(ctx, env)
	if v.Status != reports.Fail {
		t.Fatalf("%s, want fail (observed %s; %s)", v.Status, v.Observed, v.Reason)
	}
	for _, want := range []string{"rsa/block-type-00", "rsa/ciphertext-zero", "timeout"} {
		if !strings.Contains(v.Reason, want) {
			t.Errorf("reason %q does not mention %q", v.Reason, want)
		}
	}
	for _, not := range []string{"block-type-01", "no-separator"} {
		if strings.Contains(v.Reason, not) {
			t.Errorf("reason %q names %s, which the server answered like a good block", v.Reason, not)
		}
	}
	// Two variants wait once each; everything else is immediate.
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("the check took %s", d)
	}
	t.Logf("%s in %s: %s", v.Status, time.Since(start), v.Reason)
}

// startReference runs the reference server with the given misbehaviours.
func startReference(t testing.TB, mis ...peers.Misbehaviour) targets.Target {
	t.Helper()
	tgt, err := suite.Reference(context.Background(), suite.ReferenceOptions{Timeout: 2 * time.Second, Misbehaviours: mis})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return tgt
}
