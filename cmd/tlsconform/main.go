// Command tlsconform is the command-line entry point of the suite: one
// handshake against a target (handshake), or the reference server (serve).
// It only parses flags and prints; the work is in package peers.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

const usage = `usage:
  tlsconform handshake -target HOST:PORT [-version 1.2|1.3] [-suite IANA_NAME] [-group NAME] [-sni NAME] [-keylog FILE] [-timeout D]
  tlsconform serve -listen ADDR [-cert FILE -key FILE] [-keylog FILE]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the exit status: 0 success, 1 the
// conversation did not complete, 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "handshake":
		return handshake(ctx, args[1:], stdout, stderr)
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "tlsconform: unknown command %q\n%s", args[0], usage)
	return 2
}

func handshake(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handshake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "HOST:PORT of the TLS server")
	version := fs.String("version", "", "offer only this version: 1.0, 1.1, 1.2 or 1.3 (default: 1.3 and 1.2)")
	suite := fs.String("suite", "", "offer only this cipher suite (IANA name)")
	group := fs.String("group", "", "offer only this group: x25519, secp256r1, secp384r1, secp521r1, X25519MLKEM768")
	sni := fs.String("sni", "", "server_name to send (default: the target's host when it is a name)")
	keylog := fs.String("keylog", "", "append NSS key-log lines to FILE")
	timeout := fs.Duration("timeout", 10*time.Second, "deadline for each read and write")
	data := fs.String("data", string(peers.DefaultProbe), "application data to send after the handshake")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, addr, err := clientConfig(*target, *version, *suite, *group, *sni, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform handshake: %v\n", err)
		return 2
	}
	kl, closeKL, err := openKeyLog(*keylog)
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform handshake: %v\n", err)
		return 2
	}
	defer closeKL()
	cfg.KeyLog = kl
	res := peers.Converse(ctx, addr, cfg, []byte(*data))
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintf(stderr, "tlsconform handshake: %v\n", err)
		return 1
	}
	if res.Outcome != peers.OutcomeCompleted {
		return 1
	}
	return 0
}

// clientConfig turns the handshake flags into a client config, with a
// clear error for each bad value.
func clientConfig(target, version, suite, group, sni string, timeout time.Duration) (*peers.ClientConfig, string, error) {
	if target == "" {
		return nil, "", errors.New("-target HOST:PORT is required")
	}
	host, port, err := net.SplitHostPort(target)
	if err != nil || port == "" {
		return nil, "", fmt.Errorf("-target %q is not HOST:PORT", target)
	}
	if timeout <= 0 {
		return nil, "", fmt.Errorf("-timeout %v must be positive", timeout)
	}
	cfg := &peers.ClientConfig{Timeout: timeout, ServerName: sni}
	if sni == "" && net.ParseIP(host) == nil {
		cfg.ServerName = host
	}
	if version != "" {
		v, err := wire.ParseVersion(version)
		if err != nil || v < wire.VersionTLS10 || v > wire.VersionTLS13 {
			return nil, "", fmt.Errorf("-version %q: want 1.0, 1.1, 1.2 or 1.3", version)
		}
		cfg.Versions = []wire.Version{v}
	}
	if suite != "" {
		id, err := wire.ParseCipherSuite(suite)
		if err != nil {
			return nil, "", fmt.Errorf("-suite: %v", err)
		}
		spec, ok := suites.Lookup(id)
		if !ok {
			return nil, "", fmt.Errorf("-suite %s is not implemented by the reference client", suite)
		}
		cfg.CipherSuites = []wire.CipherSuite{id}
		if len(cfg.Versions) == 0 {
			for _, v := range []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10} {
				if spec.SupportsVersion(v) {
					cfg.Versions = append(cfg.Versions, v)
				}
			}
		} else if !spec.SupportsVersion(cfg.Versions[0]) {
			return nil, "", fmt.Errorf("-suite %s cannot be used with TLS %s", suite, version)
		}
	}
	if group != "" {
		g, err := wire.ParseGroup(group)
		if err != nil {
			return nil, "", fmt.Errorf("-group: %v", err)
		}
		if !kx.Supported(g) {
			return nil, "", fmt.Errorf("-group %s is not implemented by the reference client", group)
		}
		cfg.Groups = []wire.Group{g}
	}
	return cfg, target, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:4433", "address to listen on")
	certFile := fs.String("cert", "", "PEM certificate chain (default: generated RSA and ECDSA certificates)")
	keyFile := fs.String("key", "", "PEM private key for -cert")
	keylog := fs.String("keylog", "", "append NSS key-log lines to FILE")
	timeout := fs.Duration("timeout", 10*time.Second, "deadline for each read and write")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*certFile == "") != (*keyFile == "") {
		fmt.Fprintln(stderr, "tlsconform serve: -cert and -key go together")
		return 2
	}
	var pairs []*certs.Pair
	if *certFile != "" {
		p, err := certs.Load(*certFile, *keyFile)
		if err != nil {
			fmt.Fprintf(stderr, "tlsconform serve: %v\n", err)
			return 2
		}
		pairs = append(pairs, p)
	} else {
		for _, kind := range []string{"ecdsa", "rsa"} {
			p, err := certs.Generate(kind, nil, rand.Reader, time.Now())
			if err != nil {
				fmt.Fprintf(stderr, "tlsconform serve: generate %s certificate: %v\n", kind, err)
				return 1
			}
			pairs = append(pairs, p)
		}
	}
	cfg := peers.ServerConfig{Certificates: pairs, Timeout: *timeout}
	kl, closeKL, err := openKeyLog(*keylog)
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform serve: %v\n", err)
		return 2
	}
	defer closeKL()
	cfg.KeyLog = kl
	srv, err := peers.NewServer(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform serve: %v\n", err)
		return 2
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform serve: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	err = srv.Serve(ctx, ln, func(err error) { fmt.Fprintf(stderr, "handshake: %v\n", err) })
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform serve: %v\n", err)
		return 1
	}
	return 0
}

// openKeyLog opens path for appending NSS key-log lines; an empty path
// means no key log.
func openKeyLog(path string) (*keys.KeyLog, func(), error) {
	if path == "" {
		return nil, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("keylog: %w", err)
	}
	return keys.NewKeyLog(f), func() { f.Close() }, nil
}
