package suite

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

// ClientFamilies are the families of client checks, in catalogue order.
func ClientFamilies() []checks.Family {
	var out []checks.Family
	for _, f := range allFamilies() {
		if f.Client {
			out = append(out, f)
		}
	}
	return out
}

// ClientCatalogue is every client check: for each context, the client
// baseline first, then the checks of every client family.
func ClientCatalogue() []checks.Check {
	var out []checks.Check
	for _, c := range checks.ClientContexts() {
		out = append(out, checks.ClientBaseline(c))
	}
	for _, f := range ClientFamilies() {
		out = append(out, f.Checks()...)
	}
	for i := range out {
		if out[i].Rule.Text == "" {
			if r, ok := checks.RuleOf(out[i], false); ok {
				out[i].Rule = r
			}
		}
	}
	return out
}

// ClientMisbehaviours are the reference client's named ways to break the
// protocol, every client family's: reference:NAME as a client.
func ClientMisbehaviours() []peers.ClientMisbehaviour {
	var out []peers.ClientMisbehaviour
	for _, f := range ClientFamilies() {
		out = append(out, f.ClientMisbehaviours...)
	}
	return out
}

// ClientUnderTest is a client a run checks; Client and ReferenceClient
// make one.
type ClientUnderTest struct {
	name string
	open func(ctx context.Context) (targets.Client, error)
	// expect are the expectations used when Options name none.
	expect *Expectations
}

// Client is a client the suite knows by name, as the -client flag takes
// it: builtin (Go's crypto/tls client, in-process), openssl, gnutls,
// curl, reference[+alpn][:MISBEHAVIOUR] (the suite's own client; +alpn
// offers ALPN, for the checks that need it), or a command line with the
// placeholders {addr}, {host}, {port}, {servername} and {ca} (see
// targets.OpenClient).
func Client(spec string) ClientUnderTest {
	name, ok := strings.CutPrefix(spec, "reference")
	withALPN := false
	if ok {
		name, withALPN = strings.CutPrefix(name, "+alpn")
	}
	if ok && (name == "" || strings.HasPrefix(name, ":")) {
		return ClientUnderTest{name: spec, open: func(context.Context) (targets.Client, error) {
			rc, err := ReferenceClient(spec, strings.TrimPrefix(name, ":"))
			if err == nil && withALPN {
				rc.(*referenceClient).alpn = []string{referenceALPN}
			}
			return rc, err
		}}
	}
	c := ClientUnderTest{name: spec, open: func(ctx context.Context) (targets.Client, error) {
		return targets.OpenClient(ctx, spec, targets.ClientOptions{})
	}}
	if spec == "builtin" {
		c.expect = CryptoTLSClientExpectations()
	}
	return c
}

//go:embed crypto-tls-client.expect.json
var cryptoTLSClientExpect []byte

// CryptoTLSClientExpectFile is where the crypto/tls client's
// expectations live in this repository (the built-in client's default).
const CryptoTLSClientExpectFile = "suite/crypto-tls-client.expect.json"

// CryptoTLSClientExpectations are the known deviations of Go's crypto/tls
// client at the Go version in go.mod, the built-in client's default
// expectations.
func CryptoTLSClientExpectations() *Expectations {
	e, err := parseExpectations(cryptoTLSClientExpect, CryptoTLSClientExpectFile, clientCatalogueIDs())
	if err != nil {
		panic(err) // TestCryptoTLSExpectations keeps the embedded file valid
	}
	return e
}

// DefaultExpectations are the expectations a run against c uses when
// its Options name none.
func (c ClientUnderTest) DefaultExpectations() *Expectations { return c.expect }

// String is the client as the user named it.
func (c ClientUnderTest) String() string { return c.name }

// ReferenceClient is the suite's own client, in-process, with one of its
// named misbehaviours (misbehaviour "" for none).
func ReferenceClient(name, misbehaviour string) (targets.Client, error) {
	rc := &referenceClient{name: name}
	if misbehaviour != "" {
		i := slices.IndexFunc(ClientMisbehaviours(), func(m peers.ClientMisbehaviour) bool { return m.Name == misbehaviour })
		if i < 0 {
			var names []string
			for _, m := range ClientMisbehaviours() {
				names = append(names, m.Name)
			}
			return nil, fmt.Errorf("unknown client misbehaviour %q: want one of %s", misbehaviour, strings.Join(names, ", "))
		}
		rc.mis = []peers.ClientMisbehaviour{ClientMisbehaviours()[i]}
	}
	return rc, nil
}

// referenceClient runs the reference client: every version and suite
// the engine has, every group but secp521r1, every signature scheme but
// rsa_pss_rsae_sha512 and the SHA-1 ones (RFC 9155), the CA trusted, a
// line of application data. The group and the schemes it leaves out are
// what a server misbehaviour can pick though they were not offered, for
// the checks that need one.
type referenceClient struct {
	name string
	mis  []peers.ClientMisbehaviour
	alpn []string // offered when set (reference+alpn)
}

// referenceALPN is the protocol reference+alpn offers.
const referenceALPN = "http/1.1"

// referenceGroups and referenceSchemes are what the reference client
// under test offers.
func referenceGroups() []wire.Group {
	return slices.DeleteFunc(kx.Groups(), func(g wire.Group) bool { return g == wire.GroupSecp521r1 })
}

func referenceSchemes() []wire.SignatureScheme {
	return slices.DeleteFunc(peers.SignatureSchemes(), func(s wire.SignatureScheme) bool {
		return s == wire.PSSWithSHA512 || s == wire.PKCS1WithSHA1 || s == wire.ECDSAWithSHA1
	})
}

func (r *referenceClient) Name() string    { return r.name }
func (r *referenceClient) Notes() []string { return nil }
func (r *referenceClient) Close() error    { return nil }

func (r *referenceClient) Run(ctx context.Context, c targets.Connect) targets.ClientResult {
	start := time.Now()
	timeout := 2 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	cfg := &peers.ClientConfig{
		Versions:         []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10},
		ServerName:       c.ServerName,
		RootCAs:          c.CAPool,
		Timeout:          timeout,
		Misbehaviours:    r.mis,
		Groups:           referenceGroups(),
		SignatureSchemes: referenceSchemes(),
		ALPN:             r.alpn,
	}
	res := peers.Converse(ctx, c.Addr, cfg, []byte("tlsconform\n"))
	out := targets.ClientResult{Started: true, Took: time.Since(start)}
	if res.Outcome != peers.OutcomeCompleted {
		out.ExitCode, out.Err = 1, errors.New(res.Error)
		killedAtDeadline(ctx, &out)
	}
	return out
}

// killedAtDeadline marks an in-process client's failed run that ended
// because its context did as killed, as a process would be: what it did
// not do by then proves nothing.
func killedAtDeadline(ctx context.Context, res *targets.ClientResult) {
	if ctx.Err() != nil {
		res.Killed, res.ExitCode = true, -1
	}
}

// clientTarget lets the runner, made for servers, name a client under
// test: a client is started afresh by each check, so there is nothing to
// dial and nothing that can die between checks.
type clientTarget struct{ c targets.Client }

func (t clientTarget) Name() string    { return t.c.Name() }
func (t clientTarget) Addr() string    { return "client under test" }
func (t clientTarget) Output() string  { return "" }
func (t clientTarget) Notes() []string { return t.c.Notes() }
func (t clientTarget) Versions() []string {
	return nil
}
func (t clientTarget) Close() error                { return nil }
func (t clientTarget) Alive(context.Context) error { return nil }
func (t clientTarget) Dial(context.Context) (net.Conn, error) {
	return nil, errors.New("a client under test is not dialled")
}

// StartClient probes a client under test and returns a runner for the
// client checks: each check serves the client from a reference server of
// its own, on a free loopback port, with certificates signed by a CA the
// client is told to trust ({ca}). The runner does not own the client:
// close it after the runner.
func StartClient(ctx context.Context, cl targets.Client, opts Options) (*Runner, error) {
	pki, err := targets.NewClientPKI()
	if err != nil {
		return nil, err
	}
	run := func(ctx context.Context, addr string) checks.ClientEnd {
		c := pki.Connect
		c.Addr = addr
		res := cl.Run(ctx, c)
		return checks.ClientEnd{Started: res.Started, ExitCode: res.ExitCode, Killed: res.Killed, Err: res.Err, Output: res.Output}
	}
	r, err := start(ctx, clientTarget{cl}, opts, func(env *checks.Env) {
		env.RunClient, env.ServerCerts = run, pki.Pairs
	}, ProbeClient)
	if err != nil {
		pki.Close()
		return nil, err
	}
	r.client = true
	r.cleanup = append(r.cleanup, func() { pki.Close() })
	return r, nil
}

// ProbeClient learns what a client under test supports: the first run
// records its ClientHello (the versions, suites and groups it offers);
// then, for each context it offers, the client baseline decides whether
// it completes a handshake there. A client that never connects, or that
// completes no handshake at all, is an error.
func ProbeClient(ctx context.Context, env *checks.Env) (*checks.Profile, error) {
	p := &checks.Profile{KX: map[wire.Version][]checks.KX{}, Resumption: map[wire.Version]bool{}}
	var hello *wire.ClientHello
	var first *checks.Served
	for _, c := range checks.ClientContexts() {
		if hello != nil && !offers(hello, c) {
			continue
		}
		s := env.Serve(ctx, c, "probe/"+c.Slug())
		if first == nil {
			first = s
			if !s.End.Started {
				return nil, fmt.Errorf("the client did not start: %v", s.End.Err)
			}
			if s.Hello == nil {
				return nil, fmt.Errorf("%w: it never sent a ClientHello to the suite's server (client %s; its output: %q). A command must connect to {addr} (or {host} and {port}) and start a TLS handshake", ErrClientSilent, s.End, tail(s.End.Output, 300))
			}
			hello = s.Hello
			if !offers(hello, c) {
				continue
			}
		}
		if v := checks.ClientCompletes(s); v.Status == reports.Pass {
			p.KX[c.Version] = append(p.KX[c.Version], c.KX)
			if !slices.Contains(p.Versions, c.Version) {
				p.Versions = append(p.Versions, c.Version)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("probing did not finish within its deadline: %w", err)
	}
	if len(p.Versions) == 0 {
		return nil, fmt.Errorf("%w (first run: client %s, server: %v)", ErrClientNoHandshake, first.End, first.ServerErr)
	}
	slices.Sort(p.Versions)
	// Whether it verifies the server's chain: the same context again,
	// with certificates from a CA it was not told to trust.
	top := p.Versions[len(p.Versions)-1]
	untrusted, err := certs.GenerateSet("ecdsa", []string{"rsa", "ecdsa"}, []string{"localhost", "127.0.0.1", "::1"}, rand.Reader, time.Now())
	if err != nil {
		return nil, fmt.Errorf("untrusted certificates: %w", err)
	}
	c := checks.Context{Version: top, KX: p.KX[top][0]}
	s := env.ServeWith(ctx, c, "probe/untrusted-chain", func(cfg *peers.ServerConfig) { cfg.Certificates = untrusted })
	switch v := checks.ClientCompletes(s); {
	case v.Status == reports.Pass:
		p.Problems = append(p.Problems, fmt.Sprintf("does not verify the server's certificate: it completed a %s handshake with a chain from a CA it was not told to trust ({ca})", c))
	case s.End.Killed:
		p.Notes = append(p.Notes, "whether it verifies the server's certificate is unknown: with an untrusted chain it was killed at the deadline")
	case hasAlert(s):
		p.Notes = append(p.Notes, "verifies the server's certificate: it refused a chain from a CA it was not told to trust ("+reactionText(s)+")")
	default:
		p.Notes = append(p.Notes, "whether it verifies the server's certificate is unknown: with an untrusted chain it did not complete, but sent no alert ("+reactionText(s)+")")
	}
	for _, id := range hello.CipherSuites {
		p.Suites = append(p.Suites, id)
	}
	if e, ok := wire.FindExtension(hello.Extensions, wire.ExtSupportedGroups); ok {
		p.Groups, _ = wire.ParseSupportedGroups(e.Body)
	}
	if e, ok := wire.FindExtension(hello.Extensions, wire.ExtKeyShare); ok {
		shares, _ := wire.ParseKeyShareClient(e.Body)
		for _, sh := range shares {
			p.KeyShares = append(p.KeyShares, sh.Group)
		}
	}
	if e, ok := wire.FindExtension(hello.Extensions, wire.ExtSignatureAlgorithms); ok {
		p.Schemes, _ = wire.ParseSignatureAlgorithms(e.Body)
	}
	p.ALPN = wire.CountExtension(hello.Extensions, wire.ExtALPN) > 0
	p.Notes = append(p.Notes, helloNotes(hello)...)
	p.AppData = true
	return p, nil
}

// helloNotes are what a client's ClientHello shows, for the profile:
// its extensions, signature algorithms and key shares, and whether it
// offers to resume (a client started afresh for each check has no
// session to offer, so resumption is not probed).
func helloNotes(hello *wire.ClientHello) []string {
	var exts, schemes, shares []string
	for _, e := range hello.Extensions {
		exts = append(exts, e.Type.String())
	}
	if e, ok := wire.FindExtension(hello.Extensions, wire.ExtSignatureAlgorithms); ok {
		ss, _ := wire.ParseSignatureAlgorithms(e.Body)
		for _, sc := range ss {
			schemes = append(schemes, sc.String())
		}
	}
	if e, ok := wire.FindExtension(hello.Extensions, wire.ExtKeyShare); ok {
		ks, _ := wire.ParseKeyShareClient(e.Body)
		for _, k := range ks {
			shares = append(shares, k.Group.String())
		}
	}
	notes := []string{"ClientHello extensions: " + strings.Join(exts, ", ")}
	if len(schemes) > 0 {
		notes = append(notes, "signature algorithms: "+strings.Join(schemes, ", "))
	}
	if len(shares) > 0 {
		notes = append(notes, "key shares: "+strings.Join(shares, ", "))
	}
	resumes := wire.CountExtension(hello.Extensions, wire.ExtPreSharedKey) > 0 || len(hello.SessionID) > 0 && wire.CountExtension(hello.Extensions, wire.ExtSupportedVersions) == 0
	if resumes {
		notes = append(notes, "offers a session to resume in its first ClientHello")
	} else {
		notes = append(notes, "resumption is not probed: each run starts the client afresh, with no session to offer")
	}
	return notes
}

// hasAlert reports whether the client sent an alert.
func hasAlert(s *checks.Served) bool {
	return slices.ContainsFunc(s.Events, func(ev peers.Event) bool { return ev.Dir == peers.Received && ev.Type == wire.ContentAlert })
}

// reactionText says how a client ended a run: its alert, or its exit.
func reactionText(s *checks.Served) string {
	for _, ev := range s.Events {
		if ev.Dir == peers.Received && ev.Type == wire.ContentAlert {
			return ev.Summary() + ", client " + s.End.String()
		}
	}
	return "client " + s.End.String()
}

// offers reports whether hello offers context c: its version, and a
// suite of its key exchange.
func offers(hello *wire.ClientHello, c checks.Context) bool {
	if !slices.Contains(checks.OfferedVersions(hello), c.Version) {
		return false
	}
	for _, s := range checks.SuitesOf(c) {
		if slices.Contains(hello.CipherSuites, s) {
			return true
		}
	}
	return false
}

// ErrClientSilent is returned by ProbeClient when the client never sends
// a ClientHello to the suite's server.
var ErrClientSilent = errors.New("the client is not usable")

// ErrClientNoHandshake is returned by ProbeClient when the client
// completes no handshake with the well-behaved reference server.
var ErrClientNoHandshake = errors.New("the client completed no handshake with the reference server at any version it offers")

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// ClientFunc is a client of your own, in-process: dial connects to addr
// trusting roots (the CA of the suite's server) for the server name
// "localhost", completes the handshake, sends some application data and
// returns nil, or the error with which it refused the connection. Every
// read and write it does must honour ctx's deadline.
func ClientFunc(name string, dial func(ctx context.Context, addr string, roots *x509.CertPool) error) ClientUnderTest {
	return ClientUnderTest{name: name, open: func(context.Context) (targets.Client, error) {
		return funcClient{name: name, dial: dial}, nil
	}}
}

// ClientConfig is Go's crypto/tls client with your *tls.Config, in
// process: the configuration you ship, tested as a client. RootCAs and
// ServerName are set to the suite's (a copy is changed, not cfg); the
// rest is used as it is.
func ClientConfig(cfg *tls.Config) ClientUnderTest {
	return ClientFunc("crypto/tls client (your *tls.Config)", func(ctx context.Context, addr string, roots *x509.CertPool) error {
		c := cfg.Clone()
		c.RootCAs, c.ServerName = roots, "localhost"
		d := tls.Dialer{Config: c}
		nc, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		defer nc.Close()
		if dl, ok := ctx.Deadline(); ok {
			if err := nc.SetDeadline(dl); err != nil {
				return err
			}
		}
		if _, err := nc.Write([]byte("tlsconform\n")); err != nil {
			return err
		}
		_, _ = nc.Read(make([]byte, 64)) // the echo, best effort
		return nil
	})
}

// funcClient runs a ClientFunc.
type funcClient struct {
	name string
	dial func(ctx context.Context, addr string, roots *x509.CertPool) error
}

func (f funcClient) Name() string    { return f.name }
func (f funcClient) Notes() []string { return nil }
func (f funcClient) Close() error    { return nil }

func (f funcClient) Run(ctx context.Context, c targets.Connect) targets.ClientResult {
	start := time.Now()
	err := f.dial(ctx, c.Addr, c.CAPool)
	res := targets.ClientResult{Started: true, Took: time.Since(start)}
	if err != nil {
		res.ExitCode, res.Err = 1, err
		killedAtDeadline(ctx, &res)
	}
	return res
}

// Open starts the client under test (or checks its command); close it
// after the run.
func (c ClientUnderTest) Open(ctx context.Context) (targets.Client, error) {
	if c.open == nil {
		return nil, errors.New("no client: make one with suite.Client, suite.ClientConfig or suite.ClientFunc")
	}
	return c.open(ctx)
}

// WithClientDefaults is opts with what the client implies where opts say
// nothing: its default expectations and the default timeout.
func WithClientDefaults(opts Options, c ClientUnderTest) Options { return opts.withClientDefaults(c) }

// withClientDefaults fills in the client's default expectations.
func (o Options) withClientDefaults(c ClientUnderTest) Options { return o.withExpect(c.expect) }

// RunClient opens the client, runs the client checks Options select
// (the whole client catalogue by default) and closes it.
func RunClient(ctx context.Context, client ClientUnderTest, opts Options) (*reports.Report, error) {
	opts = opts.withClientDefaults(client)
	list := ClientCatalogue()
	if opts.Run != "" || opts.Skip != "" {
		var err error
		if list, err = Select(list, opts.Run, opts.Skip); err != nil {
			return nil, SetupFailed(opts, client.String(), err)
		}
	}
	cl, err := client.open(ctx)
	if err != nil {
		return nil, SetupFailed(opts, client.String(), err)
	}
	defer cl.Close()
	r, err := StartClient(ctx, cl, opts)
	if err != nil {
		return nil, err
	}
	return r.runList(ctx, list, opts)
}
