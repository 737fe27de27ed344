// The builtin target serves TLS 1.0 and 1.1 too (see package targets).
//
//go:debug tls10server=1

// Command tlsconform is the command-line entry point of the suite: the
// conformance gate (conformance), the list of its checks (list), one handshake against a target
// (handshake), the reference server (serve), a network fuzz campaign
// (campaign) and the replay of one of its findings (replay).
//
// Start with main.go (the subcommands) and conformance.go. It only parses
// flags and prints; the work is in packages suite, peers and
// fuzz/campaign. It may import any package of this project, but never
// Ginkgo or Gomega.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tlsconform/tlsconform/fuzz/campaign"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite"
)

const usage = `usage:
  tlsconform handshake -target HOST:PORT [-version 1.0|1.1|1.2|1.3] [-suite IANA_NAME] [-group NAME] [-sni NAME] [-keylog FILE] [-timeout D]
  tlsconform conformance [-target builtin|openssl|gnutls|nss|erlang|wolfssl|mbedtls|HOST:PORT|reference[:MISBEHAVIOUR]] [-strict] [-versions 1.2,1.3]
                         [-report-dir DIR] [-seed N] [-sni NAME] [-timeout D] [-client-cert FILE -client-key FILE]
                         [-expect FILE|none] [-update-expect] [-run GLOB,...] [-skip GLOB,...]
                         exit status: 0 no unexpected MUST failure, 1 failures or stale expectations, 2 usage or setup error
  tlsconform conformance -client builtin|openssl|gnutls|curl|reference[:MISBEHAVIOUR]|'COMMAND {addr} ...' [the same flags]
  tlsconform list [-client] [-run GLOB,...] [-json]
  tlsconform report [-report-dir DIR]   the result block of the run whose reports DIR holds (exit status as conformance's)
  tlsconform serve -listen ADDR [-cert FILE -key FILE] [-keylog FILE] [-timeout D] [-misbehave NAME]
  tlsconform campaign -target builtin|openssl|gnutls|HOST:PORT [-target-cmd CMD] [-target2 TARGET] | -client builtin|openssl|gnutls|curl|'COMMAND {addr}' 
                      [-duration D] [-workers N] [-seed S] [-report-dir DIR] [-mutators PREFIX,...] [-timeout D] [-expect FILE|none] [-shard K/N]
  tlsconform campaign merge [-o DIR] REPORT_DIR...   merges campaigns (the shards of one) as one campaign deduplicates; writes DIR's summary
  tlsconform replay [-target TARGET] [-target-cmd CMD] [-target2 TARGET] [-timeout D] FINDING.json
                    sends the finding again and judges it again: exit 0 when the verdict is still a finding
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
	case "conformance":
		return conformance(ctx, args[1:], stdout, stderr)
	case "list":
		return list(args[1:], stdout, stderr)
	case "report":
		return reportCmd(args[1:], stdout, stderr)
	case "campaign":
		return runCampaign(ctx, args[1:], stdout, stderr)
	case "replay":
		return replay(ctx, args[1:], stdout, stderr)
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
	// Serve with named misbehaviours, comma separated (the README's
	// self-test use). A handshake that ends in a simulated crash ends the
	// command with status 2, as a panic would.
	misbehave := fs.String("misbehave", "", "")
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var mis []peers.Misbehaviour
	for _, name := range strings.Split(*misbehave, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		m, ok := suite.MisbehaviourByName(name)
		if !ok {
			m, ok = campaign.MisbehaviourByName(name)
		}
		if !ok {
			fmt.Fprintf(stderr, "tlsconform serve: unknown misbehaviour %q\n", name)
			return 2
		}
		mis = append(mis, m)
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
		generated, err := suite.ReferenceCertificates()
		if err != nil {
			fmt.Fprintf(stderr, "tlsconform serve: %v\n", err)
			return 1
		}
		pairs = generated
	}
	cfg := peers.ServerConfig{Certificates: pairs, Timeout: *timeout, Misbehaviours: mis}
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
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	crashed := make(chan error, 1)
	served := make(chan error, 1)
	go func() {
		served <- srv.Serve(sctx, ln, func(err error) {
			if campaign.IsSimulatedCrash(err) {
				select {
				case crashed <- err:
				default:
				}
				// Leave the connection open: the exit closes it, as a
				// crash does.
				<-sctx.Done()
				return
			}
			fmt.Fprintf(stderr, "handshake: %v\n", err)
		})
	}()
	select {
	case err := <-crashed:
		// Exit at once, leaving the other connections as a crash would.
		fmt.Fprintf(stderr, "tlsconform serve: %v\n", err)
		return 2
	case err := <-served:
		if err != nil {
			fmt.Fprintf(stderr, "tlsconform serve: %v\n", err)
			return 1
		}
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

// runCampaign runs a network fuzz campaign: 0 when it found nothing new,
// 1 when it saved findings (or failed on the way), 2 on bad usage or a
// target that cannot be reached or started.
func runCampaign(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return mergeCampaigns(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("campaign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "builtin", "builtin, openssl, gnutls or HOST:PORT (with -target-cmd: the HOST:PORT it listens on)")
	targetCmd := fs.String("target-cmd", "", "shell command line that starts the target (the campaign restarts it after a crash)")
	target2 := fs.String("target2", "", "a second target: the differential oracle")
	duration := fs.String("duration", "60s", "how long to run: 60s, 8h")
	workers := fs.Int("workers", campaign.DefaultWorkers, "conversations at once")
	seed := fs.String("seed", "1", "campaign seed (an unsigned integer)")
	reportDir := fs.String("report-dir", "reports/out/campaign", "where findings and campaign.json go (a restart resumes it)")
	muts := fs.String("mutators", "", "only changes whose name starts with one of these comma-separated prefixes")
	timeout := fs.Duration("timeout", campaign.DefaultTimeout, "deadline for each read and write (a longer silence is a hang)")
	progress := fs.Duration("progress", 5*time.Second, "interval of the progress line")
	client := fs.String("client", "", "a client under test instead of a server: builtin, openssl, gnutls, curl, or a command with {addr} (started once per conversation)")
	expect := fs.String("expect", "", "expected-deviations file (JSON), the gate's: acceptances it names are counted, not saved; default: crypto/tls's for -target builtin, none otherwise; \"none\" for none")
	shardFlag := fs.String("shard", "", "K/N: run shard K of N, which do not repeat each other's inputs (the same -seed on every shard; merge with `campaign merge`)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tlsconform campaign: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	clientOnly := map[string]bool{"target-cmd": true, "target2": true, "mutators": true, "expect": true, "shard": true}
	var conflict string
	fs.Visit(func(f *flag.Flag) {
		if *client != "" && (f.Name == "target" || clientOnly[f.Name]) {
			conflict = f.Name
		}
	})
	if conflict != "" {
		fmt.Fprintf(stderr, "tlsconform campaign: -%s is for a server campaign; -client runs a client campaign\n", conflict)
		return 2
	}
	d, err := time.ParseDuration(*duration)
	if err != nil || d <= 0 {
		fmt.Fprintf(stderr, "tlsconform campaign: DURATION %q is not a positive duration (want e.g. 60s, 30m, 8h)\n", *duration)
		return 2
	}
	s, err := strconv.ParseUint(*seed, 0, 64)
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform campaign: SEED %q is not an unsigned integer\n", *seed)
		return 2
	}
	if *workers < 1 {
		fmt.Fprintf(stderr, "tlsconform campaign: WORKERS %d: want 1 or more\n", *workers)
		return 2
	}
	shard, err := campaign.ParseShard(*shardFlag)
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform campaign: SHARD: %v\n", err)
		return 2
	}
	var prefixes []string
	for _, p := range strings.Split(*muts, ",") {
		if p = strings.TrimSpace(p); p != "" {
			prefixes = append(prefixes, p)
		}
	}
	var expected *campaign.Expected
	if *client == "" {
		exp, err := campaignExpectations(*expect, *target)
		if err != nil {
			fmt.Fprintf(stderr, "tlsconform campaign: %v\n", err)
			return 2
		}
		expected = exp
	}
	var sum campaign.Summary
	if *client != "" {
		sum, err = campaign.RunClient(ctx, campaign.ClientConfig{
			Client: *client, Duration: d, Seed: s, ReportDir: *reportDir, Timeout: *timeout, ProgressEvery: *progress, Out: stdout,
		})
	} else {
		sum, err = campaign.Run(ctx, campaign.Config{
			Target: *target, TargetCmd: *targetCmd, Target2: *target2, Duration: d, Workers: *workers, Seed: s,
			ReportDir: *reportDir, Mutators: prefixes, Timeout: *timeout, ProgressEvery: *progress, Out: stdout, Expect: expected,
			Shard: shard,
		})
	}
	var se *campaign.SetupError
	switch {
	case errors.As(err, &se):
		fmt.Fprintf(stderr, "tlsconform: %v\n", err)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "tlsconform: %v\n", err)
		return 1
	case sum.NewFindings > 0:
		return 1
	}
	return 0
}

// mergeCampaigns merges campaigns' REPORT_DIRs into one: 0 when the
// merge holds no finding, 1 when it holds findings, 2 on bad usage or a
// directory that is not a campaign's.
func mergeCampaigns(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("campaign merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "reports/out/campaign-merged", "the merged REPORT_DIR: new, empty, or an earlier merge (replaced)")
	// Flags may come after the directories too.
	dirs, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(dirs) == 0 {
		fmt.Fprintf(stderr, "tlsconform campaign merge: give the REPORT_DIR of each campaign (shard) to merge\n%s", usage)
		return 2
	}
	sum, err := campaign.Merge(campaign.MergeOptions{Dirs: dirs, Out: *out, Output: stdout})
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform: %v\n", err)
		var se *campaign.SetupError
		if errors.As(err, &se) {
			return 2
		}
		return 1
	}
	if sum.Findings > 0 {
		return 1
	}
	return 0
}

// campaignExpectations reads the expectations a campaign excuses, as the
// gate reads them (suite.LoadExpectations checks every entry against the
// catalogue): file, "none", or "" for the target's default (crypto/tls's
// for builtin).
func campaignExpectations(file, target string) (*campaign.Expected, error) {
	var e *suite.Expectations
	switch file {
	case "none":
		return nil, nil
	case "":
		e = suite.Named(target).DefaultExpectations()
	default:
		var err error
		if e, err = suite.LoadExpectations(file); err != nil {
			return nil, err
		}
	}
	if e == nil {
		return nil, nil
	}
	out := &campaign.Expected{Name: e.Name}
	for _, d := range e.Deviations {
		out.Deviations = append(out.Deviations, campaign.ExpectedDeviation{ID: d.ID, Status: string(d.Status), Reason: d.Reason})
	}
	return out, nil
}

// replay sends a finding's conversation again: 0 when the finding
// reproduces, 1 when not, 2 on bad usage or an unusable file or target.
func replay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "send it here instead of the finding's target (TARGET_CMD is then not started)")
	targetCmd := fs.String("target-cmd", "", "start the target with this command instead of the finding's")
	target2 := fs.String("target2", "", "the second target of a differential finding")
	timeout := fs.Duration("timeout", 0, "deadline for each read and write (default: the finding's)")
	// Flags may come after the file too.
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "tlsconform replay: want one finding.json, got %d\n%s", len(files), usage)
		return 2
	}
	ok, err := campaign.Replay(ctx, files[0], campaign.ReplayOptions{
		Target: *target, TargetCmd: *targetCmd, Target2: *target2, Timeout: *timeout, Out: stdout,
	})
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform: %v\n", err)
		var se *campaign.SetupError
		if errors.As(err, &se) {
			return 2
		}
		return 1
	}
	if !ok {
		return 1
	}
	return 0
}

// parseInterleaved parses args with fs, flags before and after the
// positional arguments, which it returns in order.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
