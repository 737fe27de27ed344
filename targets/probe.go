package targets

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"slices"

	"github.com/tlsconform/tlsconform/internal/gotls"
)

// GoSuites is every cipher suite crypto/tls implements, insecure ones
// (TLS_RSA_*, CBC, 3DES, RC4) included: the builtin target serves them, the
// probe offers them, and in-process crypto/tls servers elsewhere (fuzz
// harness, interop tests) list them to get every suite (gotls.Suites).
func GoSuites() []uint16 { return gotls.Suites() }

// probeVersions runs one crypto/tls client handshake at each TLS version
// over connections from connect, one after the other (s_server serves
// one at a time), and returns each version's error; nil means served.
func probeVersions(ctx context.Context, connect func(context.Context) (net.Conn, error)) map[uint16]error {
	res := make(map[uint16]error, len(allVersions()))
	for _, v := range allVersions() {
		res[v] = probeOne(ctx, connect, v)
	}
	return res
}

func probeOne(ctx context.Context, connect func(context.Context) (net.Conn, error), v uint16) error {
	pctx, cancel := withBound(ctx, checkWithin)
	defer cancel()
	nc, err := connect(pctx)
	if err != nil {
		return err
	}
	defer nc.Close()
	if dl, ok := pctx.Deadline(); ok {
		_ = nc.SetDeadline(dl) // a net.Pipe or TCP conn: cannot fail
	}
	c := tls.Client(nc, &tls.Config{
		// The probe asks which versions are served, not whether the
		// chain is good: the certificates were made a moment ago.
		InsecureSkipVerify: true,
		MinVersion:         v,
		MaxVersion:         v,
		CipherSuites:       GoSuites(),
	})
	if err := c.HandshakeContext(pctx); err != nil {
		return err
	}
	if got := c.ConnectionState().Version; got != v {
		return fmt.Errorf("negotiated %s", tls.VersionName(got))
	}
	return nil
}

// verdict turns probe results into the served versions and the notes on
// how they differ from the wanted ones; it fails when none of the wanted
// versions is served. hint, if set, is added to the note on a version
// that is wanted but not served.
func verdict(name string, want []uint16, res map[uint16]error, hint func(v uint16) string) ([]string, []string, error) {
	var served []string
	var notes []string
	var firstErr error
	for _, v := range allVersions() {
		err := res[v]
		wanted := slices.Contains(want, v)
		switch {
		case err == nil:
			served = append(served, versionName(v))
			if !wanted {
				notes = append(notes, fmt.Sprintf("%s: also serves TLS %s, which was not asked for", name, versionName(v)))
			}
		case wanted:
			if firstErr == nil {
				firstErr = err
			}
			n := fmt.Sprintf("%s: TLS %s was asked for but a handshake at it failed: %v", name, versionName(v), err)
			if hint != nil {
				if h := hint(v); h != "" {
					n += " (" + h + ")"
				}
			}
			notes = append(notes, n)
		}
	}
	for _, v := range want {
		if res[v] == nil {
			return served, notes, nil
		}
	}
	return served, notes, fmt.Errorf("no handshake completed at any TLS version asked for: %w", firstErr)
}
