package checks_test

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// sample is one check per family (its id without the context and the last
// element), so that the fail-closed tests stay fast.
func sample() []checks.Check {
	seen := map[string]bool{}
	var out []checks.Check
	for _, ch := range checks.All() {
		parts := strings.Split(ch.ID, "/")
		key := parts[0]
		if len(parts) > 3 {
			key += "/" + strings.Join(parts[3:len(parts)-1], "/")
		}
		key += "/" + ch.Ctx.String()
		if !seen[key] {
			seen[key] = true
			out = append(out, ch)
		}
	}
	return out
}

// silentTarget accepts connections and never answers.
func silentTarget(t *testing.T) string {
	return serveEach(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
}

// TestFailClosed: against a target that is down or never answers, no
// check passes (DESIGN.md: fail closed).
func TestFailClosed(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	for name, addr := range map[string]string{"refused": deadAddr, "silent": silentTarget(t)} {
		t.Run(name, func(t *testing.T) {
			env := &checks.Env{Dial: peers.TCP(addr), Timeout: 30 * time.Millisecond, Seed: 1}
			if _, err := checks.Probe(context.Background(), env); err == nil {
				t.Error("probing succeeded")
			}
			n := 0
			for _, ch := range sample() {
				n++
				if v := ch.Run(context.Background(), env); v.Status == reports.Pass {
					t.Errorf("%s passed against a %s target: observed %s", ch.ID, name, v.Observed)
				}
			}
			if n < 100 {
				t.Fatalf("only %d checks sampled", n)
			}
		})
	}
}
