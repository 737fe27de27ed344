package suite

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/targets"
)

// OpenTarget opens the target a user names: what package targets knows
// (builtin, openssl, gnutls, HOST:PORT), or "reference" (the suite's own
// reference server in-process, well behaved) and "reference:NAME" (with
// one of its named misbehaviours). timeout is the reference server's
// deadline for each read and write.
func OpenTarget(ctx context.Context, spec string, timeout time.Duration) (targets.Target, error) {
	name, ok := strings.CutPrefix(spec, "reference")
	if !ok || (name != "" && !strings.HasPrefix(name, ":")) {
		return targets.Open(ctx, spec, targets.Options{})
	}
	var mis []peers.Misbehaviour
	if name = strings.TrimPrefix(name, ":"); name != "" {
		m, ok := MisbehaviourByName(name)
		if !ok {
			var names []string
			for _, m := range Misbehaviours() {
				names = append(names, m.Name)
			}
			return nil, fmt.Errorf("suite: unknown misbehaviour %q: want one of %s", name, strings.Join(names, ", "))
		}
		mis = append(mis, m)
	}
	return Reference(ctx, ReferenceOptions{Name: spec, Timeout: timeout, Misbehaviours: mis})
}

// ReferenceOptions configure Reference.
type ReferenceOptions struct {
	// Name is the target's name in reports; default "reference".
	Name string
	// Timeout is the server's deadline for each read and write; default
	// 2 s.
	Timeout time.Duration
	// Misbehaviours are the named ways the server breaks the protocol
	// (see Misbehaviours); none for a well-behaved server.
	Misbehaviours []peers.Misbehaviour
	// Certificates the server presents; default an ECDSA and an RSA
	// certificate made now (which costs a few tens of milliseconds: a
	// test that starts many servers makes them once and passes them).
	Certificates []*certs.Pair
}

// Reference starts the reference server (TLS 1.0-1.3) on a free loopback
// port, as a target. Close stops it.
func Reference(ctx context.Context, o ReferenceOptions) (targets.Target, error) {
	if o.Name == "" {
		o.Name = "reference"
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	pairs := o.Certificates
	if len(pairs) == 0 {
		var err error
		if pairs, err = ReferenceCertificates(); err != nil {
			return nil, err
		}
	}
	srv, err := peers.NewServer(peers.ServerConfig{
		Certificates:  pairs,
		Versions:      []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10},
		Misbehaviours: o.Misbehaviours,
		Timeout:       o.Timeout,
	})
	if err != nil {
		return nil, fmt.Errorf("suite: reference: %w", err)
	}
	tgt, err := targets.Serve(ctx, o.Name, func(ctx context.Context, ln net.Listener) error { return srv.Serve(ctx, ln, nil) })
	if err != nil {
		return nil, fmt.Errorf("suite: reference: %w", err)
	}
	return tgt, nil
}

// ReferenceCertificates makes the reference server's default
// certificates: an ECDSA P-256 and an RSA pair, valid from now.
func ReferenceCertificates() ([]*certs.Pair, error) {
	var pairs []*certs.Pair
	for _, kind := range []string{"ecdsa", "rsa"} {
		p, err := certs.Generate(kind, nil, rand.Reader, time.Now())
		if err != nil {
			return nil, fmt.Errorf("suite: reference certificates: %w", err)
		}
		pairs = append(pairs, p)
	}
	return pairs, nil
}
