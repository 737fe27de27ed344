//go:debug tls10server=1

package campaign

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/targets"
)

// The self-test's target is this test binary run again as a reference
// server with misbehaviours: envServe names the address to listen on,
// envMisbehave the misbehaviours (comma separated). A handshake that ends
// in a simulated crash makes it exit with status 2, as `tlsconform serve
// -misbehave` does.
const (
	envServe     = "TLSCONFORM_CAMPAIGN_TEST_SERVE"
	envMisbehave = "TLSCONFORM_CAMPAIGN_TEST_MISBEHAVE"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(envServe); addr != "" {
		os.Exit(serveForTest(addr, os.Getenv(envMisbehave)))
	}
	os.Exit(m.Run())
}

func serveForTest(addr, names string) int {
	var mis []peers.Misbehaviour
	for _, n := range strings.Split(names, ",") {
		if n == "" {
			continue
		}
		m, ok := MisbehaviourByName(n)
		if !ok {
			fmt.Fprintf(os.Stderr, "test server: unknown misbehaviour %q\n", n)
			return 3
		}
		mis = append(mis, m)
	}
	// ECDSA only: an RSA key takes long to make, and restarts should be
	// quick.
	pair, err := certs.Generate("ecdsa", nil, rand.Reader, time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, "test server:", err)
		return 3
	}
	srv, err := peers.NewServer(peers.ServerConfig{Certificates: []*certs.Pair{pair}, Timeout: 5 * time.Second, Misbehaviours: mis})
	if err != nil {
		fmt.Fprintln(os.Stderr, "test server:", err)
		return 3
	}
	crashed := make(chan error, 1)
	tg, err := targets.Serve(context.Background(), "reference", func(ctx context.Context, ln net.Listener) error {
		return srv.Serve(ctx, ln, func(err error) {
			if IsSimulatedCrash(err) {
				select {
				case crashed <- err:
				default:
				}
				select {} // exit with the connection open, as a crash does
			}
		})
	}, targets.ListenOn(addr))
	if err != nil {
		fmt.Fprintln(os.Stderr, "test server:", err)
		return 3
	}
	fmt.Fprintf(os.Stderr, "test server: listening on %s with %q\n", tg.Addr(), names)
	err = <-crashed
	fmt.Fprintf(os.Stderr, "test server: %v\n", err)
	return 2
}

// testTargetCmd is a TARGET_CMD that starts this binary as the reference
// server with misbehaviours on a free port, and that port's address.
func testTargetCmd(t *testing.T, misbehaviours ...string) (addr, cmd string) {
	t.Helper()
	port, err := extproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd = fmt.Sprintf("exec env %s=%s %s=%s %s", envServe, addr, envMisbehave, strings.Join(misbehaviours, ","), shellQuote(exe))
	return addr, cmd
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
