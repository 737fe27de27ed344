package suite_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
)

// startMyServer stands in for a server of your own.
func startMyServer(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	// ... serve TLS on ln ...
	return ln
}

// The whole catalogue as subtests of your own go test, one per check
// (go test -run 'TestTLSConformance/finished/tls13' runs the TLS 1.3
// Finished checks), with the deviations you accept recorded in a file.
// testdata/example in this repository is a module that does this.
func ExampleTest() {
	_ = func(t *testing.T) { // func TestTLSConformance(t *testing.T) {
		ln := startMyServer(t)
		suite.Test(t, suite.Addr(ln.Addr().String()), suite.Options{Expect: "testdata/tls.expect.json"})
	}
}

// A run without go test: the exact *tls.Config you ship, served
// in-process, judged on the checks the Run globs select.
func ExampleRunTarget() {
	pair, err := certs.Generate("ecdsa", nil, rand.Reader, time.Now())
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair.TLSCertificate()}, MinVersion: tls.VersionTLS13}
	rep, err := suite.RunTarget(context.Background(), suite.Config(cfg), suite.Options{
		Run:          "finished/tls13/ecdhe/flip-bit-0,client-hello/tls13/ecdhe/session_id/33-bytes,baseline/tls12/*",
		Expectations: suite.CryptoTLSExpectations(),
	})
	if err != nil {
		fmt.Println("could not test the target:", suite.SetupError(err))
		return
	}
	for _, c := range rep.Checks {
		fmt.Printf("%s: %s", c.ID, c.Status)
		if c.IsExpected() {
			fmt.Print(" (expected)")
		}
		fmt.Println()
	}
	fmt.Println("gate failed:", reports.Failed(rep, false))
	// Output:
	// baseline/tls12/rsa/handshake-completes: skip
	// baseline/tls12/ecdhe_rsa/handshake-completes: skip
	// baseline/tls12/ecdhe_ecdsa/handshake-completes: skip
	// finished/tls13/ecdhe/flip-bit-0: pass
	// client-hello/tls13/ecdhe/session_id/33-bytes: fail (expected)
	// gate failed: false
}
