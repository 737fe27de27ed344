package suite_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
)

// clientAuthConfig is a crypto/tls server that requires a client
// certificate, and a client certificate for it.
func clientAuthConfig(t *testing.T) (*tls.Config, *tls.Certificate) {
	t.Helper()
	server, err := certs.Generate("ecdsa", nil, rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	client, err := certs.Generate("ecdsa", nil, rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cc := client.TLSCertificate()
	return &tls.Config{Certificates: []tls.Certificate{server.TLSCertificate()}, ClientAuth: tls.RequireAnyClientCert}, &cc
}

// TestClientCertificateRequired: a server that requires a client
// certificate fails its baselines without one, and the failure and the
// profile say that it asked for one and which option gives it; with
// Options.ClientCertificate the same baselines pass.
func TestClientCertificateRequired(t *testing.T) {
	cfg, cert := clientAuthConfig(t)
	const run = "baseline/tls12/ecdhe_ecdsa/*,baseline/tls13/*,finished/tls13/ecdhe/flip-bit-0"
	rep, err := suite.RunTarget(context.Background(), suite.Config(cfg), suite.Options{Seed: 1, Timeout: time.Second, Run: run})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rep.Profile.Notes, func(n string) bool { return strings.Contains(n, "asks for a client certificate") }) {
		t.Errorf("profile notes %q do not say the target asks for a client certificate", rep.Profile.Notes)
	}
	for _, c := range rep.Checks {
		if c.Status != reports.Fail || !strings.Contains(c.Reason, "-client-cert") {
			t.Errorf("without a client certificate: %s %s (%s), want a failure naming -client-cert", c.ID, c.Status, c.Reason)
		}
	}

	rep, err = suite.RunTarget(context.Background(), suite.Config(cfg), suite.Options{Seed: 1, Timeout: time.Second, Run: run, ClientCertificate: cert})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.Status != reports.Pass {
			t.Errorf("with a client certificate: %s %s: %s; %s", c.ID, c.Status, c.Observed, c.Reason)
		}
	}
}
