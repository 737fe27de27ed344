//go:debug tls10server=1

package checks_test

import (
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/reports"
)

// startGo runs a crypto/tls echo server with TLS 1.0-1.3 and every suite.
func startGo(t testing.TB) string {
	t.Helper()
	pairs, err := testCerts()
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS10, CipherSuites: ids}
	for _, p := range pairs {
		cfg.Certificates = append(cfg.Certificates, p.TLSCertificate())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer nc.Close()
				_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
				tc := tls.Server(nc, cfg)
				buf := make([]byte, 4096)
				for {
					n, err := tc.Read(buf)
					if n > 0 {
						if _, err := tc.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			})
		}
	})
	return ln.Addr().String()
}

// TestGoServerHasNoMustFailure: crypto/tls passes every MUST; its
// warnings are listed (the README's known deviations).
func TestGoServerHasNoMustFailure(t *testing.T) {
	res := runCatalogue(t, startGo(t), nil)
	counts := map[reports.Status]int{}
	warnReasons := map[string]int{}
	for id, v := range res {
		counts[v.Status]++
		switch v.Status {
		case reports.Fail:
			t.Errorf("%s: expected %s, observed %s; %s", id, v.Expected, v.Observed, v.Reason)
		case reports.Warn:
			warnReasons[v.Observed]++
		}
	}
	t.Logf("%d checks: %v; warnings: %v", len(res), counts, warnReasons)
}
