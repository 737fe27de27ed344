package checks

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// KX is a key exchange as the catalogue names it.
type KX string

const (
	KXRSA        KX = "rsa"         // TLS 1.0-1.2 RSA key transport
	KXECDHERSA   KX = "ecdhe_rsa"   // TLS 1.0-1.2 ECDHE signed with RSA
	KXECDHEECDSA KX = "ecdhe_ecdsa" // TLS 1.0-1.2 ECDHE signed with ECDSA
	KXTLS13      KX = "ecdhe"       // TLS 1.3 (EC)DHE
	// KXDHERSA is TLS 1.0-1.2 finite-field DHE signed with RSA: a
	// context of the client checks only (ClientContexts), since the
	// reference server serves DHE and the reference client takes it.
	KXDHERSA KX = "dhe_rsa"
)

// KXs12 are the TLS 1.0-1.2 key exchanges, in catalogue order.
var KXs12 = []KX{KXRSA, KXECDHERSA, KXECDHEECDSA}

// Versions are the versions the catalogue covers, oldest first.
var Versions = []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13}

// KXFor is the key exchanges that exist at version v.
func KXFor(v wire.Version) []KX {
	if v == wire.VersionTLS13 {
		return []KX{KXTLS13}
	}
	return KXs12
}

// Context is one (version, key exchange) a check runs in.
type Context struct {
	Version wire.Version
	KX      KX
}

func (c Context) String() string { return fmt.Sprintf("TLS %s %s", c.Version.Short(), c.KX) }

// Slug is the id part: "tls12/ecdhe_rsa".
func (c Context) Slug() string {
	return "tls" + strings.ReplaceAll(c.Version.Short(), ".", "") + "/" + string(c.KX)
}

// Contexts is every (version, key exchange) the catalogue covers.
func Contexts() []Context {
	var out []Context
	for _, v := range Versions {
		for _, k := range KXFor(v) {
			out = append(out, Context{v, k})
		}
	}
	return out
}

// ClientContexts are the contexts of the client checks: Contexts, then
// DHE with RSA at TLS 1.0-1.2 (RFC 5246 §7.4.3, RFC 7919), which only a
// client under test is served in.
func ClientContexts() []Context {
	out := Contexts()
	for _, v := range Versions {
		if v < wire.VersionTLS13 {
			out = append(out, Context{v, KXDHERSA})
		}
	}
	return out
}

// Level says whether a requirement is a MUST (violations fail) or a SHOULD
// (deviations warn).
type Level string

const (
	MUST   Level = "MUST"
	SHOULD Level = "SHOULD"
)

// Check is one conformance check in one context.
type Check struct {
	ID   string // stable: "<area>/<context>/<name>"
	Area string
	// Source is where its family defines the check (DefinedAt):
	// "suite/order/checks.go:231".
	Source string
	// Mutator names the mutator a check applies, if any (the malformation
	// families are generated from the mutator registry).
	Mutator string
	Row     int    // the row of the check catalogue (report.json's row)
	RFC     string // "RFC 5246 §7.1"
	Level   Level
	// Rule is the sentence that puts the duty on the target, quoted: every
	// MUST check has one (the catalogue fills it from RuleFor when the
	// family does not set it).
	Rule Rule
	// Title is the requirement as a sentence of the RFC: "rejects
	// ChangeCipherSpec before ClientKeyExchange".
	Title string
	Ctx   Context
	// Baseline marks the "valid handshake completes" check of a context,
	// which every other check of the context depends on.
	Baseline bool
	// Needs says what else the target must support, beyond the context
	// (for example "resumption"); empty for most checks.
	Needs string
	// Always runs the check whatever the target supports: what it must do
	// with a version or key exchange it lacks is checked too (a skip never
	// hides a failure).
	Always bool
	// Script is the conversation the check holds, when one script makes
	// it, and Change the step of it that makes the change: what the check
	// sends, listed without running it (Sends). Checks generated from a
	// mutator name it in Mutator instead.
	Script peers.Script
	Change string
	// Run holds the conversation(s) and returns the verdict.
	Run func(ctx context.Context, env *Env) Verdict
}

// Sends says in one line what the check sends: the mutator and what it
// does, or the steps of its script with the changed one in brackets; ""
// when neither is known without running the check (its Title says what
// it is about).
func (ch Check) Sends() string {
	if ch.Mutator != "" {
		if m, ok := mutators.ByName(ch.Mutator); ok && m.Doc != "" {
			return ch.Mutator + ": " + m.Doc
		}
		return ch.Mutator
	}
	if len(ch.Script) == 0 {
		return ""
	}
	names := make([]string, len(ch.Script))
	for i, st := range ch.Script {
		names[i] = st.Name
		if st.Name == ch.Change {
			names[i] = "[" + st.Name + "]"
		}
	}
	return strings.Join(names, ", ")
}

// Verdict is a check's result.
type Verdict struct {
	Status   reports.Status
	Expected string
	Observed string
	Reason   string
	// Rule, when set, is the sentence this verdict rests on, in place of
	// the check's own: a check that judges several refusals names the one
	// the observation proves.
	Rule Rule
	// Conversations, for the transcript (the last one is the one judged).
	Conversations []*peers.Conversation
	// Served are the runs of a client under test against the reference
	// server, for a client check's transcript.
	Served []*Served
}

// Env is what a check needs of the run: how to reach the target, what it
// supports, and the run's settings.
type Env struct {
	Dial    peers.Dialer
	Profile *Profile
	Timeout time.Duration // per read and write; default 2s
	KeyLog  *keys.KeyLog
	Seed    int64
	// ServerName is sent as SNI when not empty.
	ServerName string
	// ClientCert, when set, is presented when the target asks for a
	// client certificate.
	ClientCert *certs.Pair

	// Client checks (the target is a client): RunClient starts the
	// client under test once against the server at addr and returns how
	// it ended; ServerCerts are what the reference server presents,
	// signed by the CA the client was told to trust.
	RunClient   func(ctx context.Context, addr string) ClientEnd
	ServerCerts []*certs.Pair
}

func (e *Env) timeout() time.Duration {
	if e.Timeout > 0 {
		return e.Timeout
	}
	return 2 * time.Second
}

// Rand is a deterministic source for one check: the run's seed and the
// check's id fix every random byte the client sends.
func (e *Env) Rand(id string) io.Reader {
	h := fnv.New64a()
	h.Write([]byte(id))
	return rand.NewChaCha8(seedBytes(uint64(e.Seed), h.Sum64()))
}

func seedBytes(a, b uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(a >> (8 * i))
		s[8+i] = byte(b >> (8 * i))
	}
	return s
}

// Config is the client configuration for a check in context c: only c's
// version, only suites of c's key exchange that the target supports (all
// of them the engine has when probing found none), and the target's
// preferred group first.
func (e *Env) Config(c Context, id string) *peers.ClientConfig {
	cfg := &peers.ClientConfig{
		Versions:    []wire.Version{c.Version},
		Timeout:     e.timeout(),
		KeyLog:      e.KeyLog,
		Rand:        e.Rand(id),
		ServerName:  e.ServerName,
		Certificate: e.ClientCert,
	}
	var offered []wire.CipherSuite
	for _, s := range suites.All() {
		if s.SupportsVersion(c.Version) && KXOf(s) == c.KX {
			offered = append(offered, s.ID)
		}
	}
	if e.Profile != nil && len(e.Profile.Suites) > 0 {
		// The target's supported suites first, so it picks one it has.
		slices.SortStableFunc(offered, func(a, b wire.CipherSuite) int {
			ia, ib := slices.Contains(e.Profile.Suites, a), slices.Contains(e.Profile.Suites, b)
			switch {
			case ia && !ib:
				return -1
			case ib && !ia:
				return 1
			}
			return 0
		})
	}
	cfg.CipherSuites = offered
	if gs := e.groupsAt(c.Version); len(gs) > 0 {
		cfg.Groups = slices.Clone(gs)
		if c.Version == wire.VersionTLS13 {
			// One group with its key share: a server that prefers another
			// group it sees listed would answer with a HelloRetryRequest,
			// and every check would pay for (and test) that path.
			cfg.Groups = cfg.Groups[:1]
		}
	}
	return cfg
}

// groupsAt is the groups the profile says the target takes at v.
func (e *Env) groupsAt(v wire.Version) []wire.Group {
	if e.Profile == nil {
		return nil
	}
	return e.Profile.GroupsAt(v)
}

// KXOf is the catalogue's key exchange of a suite.
func KXOf(s *suites.Spec) KX {
	switch {
	case s.KX == suites.KXNone:
		return KXTLS13
	case s.KX == suites.KXRSA:
		return KXRSA
	case s.KX == suites.KXECDHE && s.Auth == suites.AuthECDSA:
		return KXECDHEECDSA
	case s.KX == suites.KXECDHE:
		return KXECDHERSA
	}
	return KXDHERSA
}

// Converse runs one script for check id in context c.
func (e *Env) Converse(ctx context.Context, c Context, id string, script peers.Script, setup ...peers.Setup) *peers.Conversation {
	return peers.RunScript(ctx, e.Dial, e.Config(c, id), script, setup...)
}

// ConverseWith is Converse with a config changed by edit first.
func (e *Env) ConverseWith(ctx context.Context, c Context, id string, edit func(*peers.ClientConfig), script peers.Script, setup ...peers.Setup) *peers.Conversation {
	cfg := e.Config(c, id)
	edit(cfg)
	return peers.RunScript(ctx, e.Dial, cfg, script, setup...)
}

// Applies says whether the target supports what check ch needs; when not,
// the reason names what is missing.
func (p *Profile) Applies(ch Check) (bool, string) {
	if p == nil {
		return true, ""
	}
	if len(p.Pinned) > 0 && !slices.Contains(p.Pinned, ch.Ctx.Version) {
		return false, fmt.Sprintf("TLS %s not selected (-versions)", ch.Ctx.Version.Short())
	}
	if ch.Always {
		return true, ""
	}
	if ch.Needs == NeedTLS13 && !p.Speaks(wire.VersionTLS13) {
		return false, "target does not support TLS 1.3"
	}
	if !slices.Contains(p.Versions, ch.Ctx.Version) {
		return false, fmt.Sprintf("target does not support TLS %s", ch.Ctx.Version.Short())
	}
	if !slices.Contains(p.KX[ch.Ctx.Version], ch.Ctx.KX) {
		return false, fmt.Sprintf("target does not support %s key exchange at TLS %s", ch.Ctx.KX, ch.Ctx.Version.Short())
	}
	if ch.Needs == NeedResumption && !p.Resumption[ch.Ctx.Version] {
		return false, fmt.Sprintf("target does not resume sessions at TLS %s", ch.Ctx.Version.Short())
	}
	if ch.Needs == NeedALPN && !p.ALPN {
		return false, "the client offers no ALPN (RFC 7301): there is no list for the server to answer outside of"
	}
	if ch.Needs == NeedNoALPN && p.ALPN {
		return false, "the client offers ALPN (RFC 7301): an ALPN answer is one it asked for"
	}
	return true, ""
}

// NeedALPN and NeedNoALPN mark client checks that need a ClientHello
// with, or without, the application_layer_protocol_negotiation
// extension.
const (
	NeedALPN   = "alpn"
	NeedNoALPN = "no-alpn"
)

// NeedResumption marks checks that need session resumption.
const NeedResumption = "resumption"

// NeedTLS13 marks checks of older versions that hold only for a server
// that also implements TLS 1.3 (RFC 8446 rules about supported_versions
// and the downgrade sentinel).
const NeedTLS13 = "tls13"
