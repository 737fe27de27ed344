package keyexchange

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"hash/fnv"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/suite/checks"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// ClientKeyExchange malformations and the ROBOT padding oracle (RFC 5246
// §7.4.7, §7.4.7.1; RFC 8422 §5.7; RFC 7748 §6.1): rows 47-53 of the
// check catalogue, one check per mutator of client_key_exchange/ in each
// TLS 1.0-1.2 context of its key exchange, and one ROBOT check per RSA
// context.
//
// Each conversation sends the changed ClientKeyExchange, then the
// ChangeCipherSpec and a Finished keyed with the pre-master secret the
// client holds, and reads the answer to the end of the connection.
//
// RSA (rows 47-49): a server that decrypts something else must carry on
// with a random pre-master secret and fail at the Finished (RFC 5246
// §7.4.7.1), so its answer must be the one it gives a good pre-master
// secret with a wrong Finished: the baseline, a correct ClientKeyExchange
// followed by a Finished keyed with another secret. (Not a Finished with
// a flipped bit: that one decrypts and draws decrypt_error, where a
// Finished under keys the server does not share fails at the record
// layer, with bad_record_mac.) The answer is the alert and how the
// connection ends; any difference is a padding oracle.
//
// Row 50-52 (length lies, invalid ECDHE points): the target must refuse
// the message. An answer of bad_record_mac shows that it did not: that
// alert is the record-layer failure of the client Finished, which a server
// reads only after taking the ClientKeyExchange and the ChangeCipherSpec.
// For an X25519 low-order point the client keys its Finished with the
// all-zero secret such a point yields, so a server that skips the check
// of RFC 7748 §6.1 completes the handshake.

const areaKeyExchange = "client-key-exchange"

// ckePrefix is the registry prefix of the key-exchange mutators.
const ckePrefix = "client_key_exchange/"

func keyExchangeChecks() []checks.Check {
	muts := mutators.Select(ckePrefix)
	var out []checks.Check
	for _, c := range checks.Contexts() {
		if c.Version == wire.VersionTLS13 {
			continue
		}
		family := ckePrefix + "ecdhe"
		if c.KX == checks.KXRSA {
			family = ckePrefix + "rsa"
		}
		var robot []mutators.Mutator
		for _, m := range muts {
			if m.Family() != family || !m.AppliesTo(c.Version) {
				continue
			}
			out = append(out, ckeCheck(c, m))
			// The ROBOT set: every variant that must get the baseline's
			// answer and nothing else (not the wrong lengths).
			if m.Expect.Class == mutators.Oracle && len(m.Expect.Alerts) == 0 {
				robot = append(robot, m)
			}
		}
		if c.KX == checks.KXRSA {
			out = append(out, robotCheck(c, robot))
		}
	}
	return out
}

// ckeCheck is the check of mutator m in context c.
func ckeCheck(c checks.Context, m mutators.Mutator) checks.Check {
	id := areaKeyExchange + "/" + c.Slug() + "/" + strings.TrimPrefix(m.Name, ckePrefix)
	ch := checks.Check{Source: checks.DefinedAt(), ID: id, Area: areaKeyExchange, Mutator: m.Name, Row: m.Expect.Row, RFC: m.Expect.RFC, Level: checks.MUST, Ctx: c}
	switch m.Expect.Class {
	case mutators.Oracle:
		ch.Title = "answers " + m.Doc + " exactly as a good pre-master secret with a wrong Finished (the same alert, the same close)"
		if len(m.Expect.Alerts) > 0 {
			ch.Title += ", or rejects it with " + checks.AlertNames(m.Expect.Alerts)
		}
		ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict { return ckeOracle(ctx, env, c, id, m) }
	default:
		ch.Title = "rejects " + m.Doc + ", with " + checks.AlertNames(m.Expect.Alerts)
		ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict { return ckeReject(ctx, env, c, id, m) }
	}
	return ch
}

// ckeScript is the handshake with the ClientKeyExchange change makes,
// then the ChangeCipherSpec and Finished, and the answer read to the end.
func ckeScript(v wire.Version, change peers.ClientKeyExchangeChange) peers.Script {
	return peers.DefaultScript(v).Replace(peers.StepClientKeyExchange, peers.SendClientKeyExchangeChanged(change)).
		Through(peers.StepFinished).Then(peers.ExpectAnswer())
}

// errNotApplicable ends a conversation whose mutator does not apply to the
// key exchange the target chose.
var errNotApplicable = errors.New("checks: the change does not apply to the negotiated key exchange")

// ckeSent is what a mutated conversation sent, for the verdict.
type ckeSent struct {
	in      mutators.KeyExchange
	body    []byte
	skipped bool
	// keyed: the client keyed the Finished with the pre-master secret a
	// server that takes the point as it is derives (the real one for the
	// same point in another encoding, all zeros for a low-order or null
	// point), so a completed handshake proves the point was taken.
	keyed bool
}

// zeroSecretPoints are the ECDHE changes after which a server that skips
// validation derives an all-zero shared secret (RFC 7748 §6.1 for X25519;
// (0,0) and the point at infinity on the NIST curves, where a scalar
// multiple is again the point at infinity, whose x-coordinate such
// implementations encode as zeros).
func zeroSecretPoint(m mutators.Mutator) bool {
	return strings.HasSuffix(m.Name, "/point-zero") || strings.HasSuffix(m.Name, "/point-identity")
}

// sameSecretPoint: the client's own point in another encoding, from
// which a lenient server derives the real shared secret.
func sameSecretPoint(m mutators.Mutator) bool {
	return strings.HasSuffix(m.Name, "/point-compressed") || strings.HasSuffix(m.Name, "/point-hybrid")
}

// public reports whether the RSA ciphertext sent is one any client can
// tell from a good one without the private key: not k bytes, or not below
// the modulus.
func (s *ckeSent) public() bool {
	pub := s.in.RSA
	return pub != nil && (len(s.body) != pub.Size() || new(big.Int).SetBytes(s.body).Cmp(pub.N) >= 0)
}

// convSeed is the seed of one conversation's mutation.
func convSeed(env *checks.Env, id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64() ^ uint64(env.Seed)
}

// ckeInput is the mutator's input for the conversation's key exchange.
func ckeInput(cv *peers.Conversation, cke *wire.ClientKeyExchange) mutators.KeyExchange {
	in := mutators.KeyExchange{Version: cv.Version(), ClientVersion: cv.Hello().Version, Group: cv.Conn().Group()}
	switch cke.Form {
	case wire.KXRSA:
		in.RSA, _ = cv.ServerPublicKey().(*rsa.PublicKey)
	case wire.KXECDHE:
		in.Point = cke.Exchange
	}
	return in
}

// ckeMessage is the ClientKeyExchange carrying body: as the exchange keys
// of the form, or (raw) as the whole message body.
func ckeMessage(form wire.KeyExchangeForm, body []byte, raw bool) ([]byte, error) {
	if raw {
		return checks.WithLength([]byte{byte(wire.TypeClientKeyExchange), 0, 0, 0}, body), nil
	}
	return (&wire.ClientKeyExchange{Form: form, Exchange: body}).Marshal()
}

// mutatedCKE sends m's ClientKeyExchange and notes it in sent.
func mutatedCKE(m mutators.Mutator, seed uint64, sent *ckeSent) peers.ClientKeyExchangeChange {
	return func(cv *peers.Conversation, cke *wire.ClientKeyExchange) ([]byte, []byte, error) {
		in := ckeInput(cv, cke)
		body, raw, ok := m.CKE(in, mutators.Rand(seed, m.Name))
		if !ok {
			sent.skipped = true
			return nil, nil, errNotApplicable
		}
		sent.in, sent.body = in, body
		msg, err := ckeMessage(cke.Form, body, raw)
		if err != nil {
			return nil, nil, err
		}
		var pms []byte
		if !raw && cke.Form == wire.KXECDHE {
			// Key the Finished with what a server that takes the point
			// derives (nil: the real secret); a failed Finished then
			// proves it did not, unless that secret is only likely.
			var ok bool
			if pms, _, sent.keyed, ok = kx.LenientSecret(in.Group, body); !ok {
				pms, sent.keyed = nil, false
			}
		}
		return msg, pms, nil
	}
}

// wrongFinished sends the correct ClientKeyExchange but keys the Finished
// with another, random pre-master secret: the server fails at the
// Finished, under keys the client does not share, as it must when it
// decrypts a bad RSA block.
func wrongFinished(seed uint64) peers.ClientKeyExchangeChange {
	return func(cv *peers.Conversation, cke *wire.ClientKeyExchange) ([]byte, []byte, error) {
		msg, err := cke.Marshal()
		pms := make([]byte, kx.PreMasterSecretSize)
		r := rand.New(rand.NewPCG(seed, 0x62617365))
		for i := range pms {
			pms[i] = byte(r.Uint32())
		}
		return msg, pms, err
	}
}

// ckeAnswer is how a target answered a flight: what came back and, after
// an alert (or a record we could not read), how the connection ended.
type ckeAnswer struct {
	Kind          peers.OutcomeKind
	Level         wire.AlertLevel
	Alert         wire.AlertDescription
	Undecryptable bool
	WentOn        string
	End           string
}

func answerOf(cv *peers.Conversation) ckeAnswer {
	o := cv.Outcome
	a := ckeAnswer{Kind: o.Kind, WentOn: o.WentOn, Undecryptable: o.Undecryptable}
	if o.Kind == peers.OutcomeAlert {
		a.Level, a.Alert = o.Alert.Level, o.Alert.Description
	}
	if o.Kind == peers.OutcomeAlert || o.Undecryptable {
		a.End = cv.Ending()
	}
	return a
}

func (a ckeAnswer) String() string {
	var s string
	switch {
	case a.Kind == peers.OutcomeAlert:
		s = fmt.Sprintf("%s %s alert", a.Level, a.Alert)
	case a.Undecryptable:
		s = "an undecryptable record"
	case a.Kind == peers.OutcomeCompleted && a.WentOn != "":
		s = "went on (sent " + a.WentOn + ")"
	case a.Kind == peers.OutcomeClosed:
		s = "closed without an alert"
	case a.Kind == peers.OutcomeReset:
		s = "reset without an alert"
	case a.Kind == peers.OutcomeTimeout:
		s = "no answer before the deadline (timeout)"
	default:
		s = string(a.Kind)
	}
	switch a.End {
	case "":
	case peers.EndTimeout:
		s += ", then left the connection open past the deadline"
	case peers.EndError:
		s += ", then sent something unreadable"
	default:
		s += ", then " + a.End
	}
	return s
}

// stopped reports whether the answer ends the handshake at once.
func (a ckeAnswer) stopped() bool {
	switch a.Kind {
	case peers.OutcomeAlert, peers.OutcomeClosed, peers.OutcomeReset:
		return true
	}
	return a.Undecryptable
}

// baselineProblem says why a baseline conversation (a good pre-master
// secret with a wrong Finished) gives no answer to compare with, or "".
func baselineProblem(cv *peers.Conversation, script peers.Script) string {
	o := cv.Outcome
	switch {
	case o.Unreachable():
		return "target unreachable"
	case cv.Outcome.EndedBefore(script, peers.StepClientKeyExchange):
		return fmt.Sprintf("the baseline conversation ended at %s (%s), before the ClientKeyExchange: the check could not be made", o.Step, o)
	case o.Kind == peers.OutcomeCompleted:
		return "the target went on after a Finished keyed with another pre-master secret (" + o.String() + ")"
	case o.Kind == peers.OutcomeTimeout:
		return "the target did not answer a good pre-master secret with a wrong Finished before the deadline: there is no answer to compare with"
	case o.Kind == peers.OutcomeError && !o.Undecryptable:
		// Our own verdict on garbage is no reference: a variant that draws
		// the same garbage would look indistinguishable.
		return "the target answered a good pre-master secret with a wrong Finished with something the client could not read (" + o.String() + "): there is no answer to compare with"
	}
	return ""
}

// ckeBaseline runs the baseline conversation: a good pre-master secret
// with a wrong Finished.
func ckeBaseline(ctx context.Context, env *checks.Env, c checks.Context, id string) (*peers.Conversation, peers.Script) {
	script := ckeScript(c.Version, wrongFinished(convSeed(env, id)))
	return env.Converse(ctx, c, id, script), script
}

const wrongFinishedWhat = "a good pre-master secret with a wrong Finished"

// ckeOracle judges an Oracle-class variant against the baseline.
func ckeOracle(ctx context.Context, env *checks.Env, c checks.Context, id string, m mutators.Mutator) checks.Verdict {
	base, baseScript := ckeBaseline(ctx, env, c, id+"/baseline")
	var sent ckeSent
	script := ckeScript(c.Version, mutatedCKE(m, convSeed(env, id), &sent))
	cv := env.Converse(ctx, c, id, script)
	a, b := answerOf(cv), answerOf(base)
	v := checks.Verdict{
		Expected:      fmt.Sprintf("the answer %s gets (%s)", wrongFinishedWhat, b),
		Observed:      a.String(),
		Conversations: []*peers.Conversation{base, cv},
	}
	if len(m.Expect.Alerts) > 0 {
		v.Expected += ", or " + checks.AlertNames(m.Expect.Alerts)
	}
	switch {
	case sent.skipped:
		v.Status, v.Reason = reports.Skip, "the change does not apply to the negotiated key exchange"
	case baselineProblem(base, baseScript) != "":
		v.Status, v.Reason = reports.Fail, baselineProblem(base, baseScript)
	case cv.Outcome.Unreachable():
		v.Status, v.Reason = reports.Fail, "target unreachable"
	case cv.Outcome.EndedBefore(script, peers.StepClientKeyExchange):
		v.Status = reports.Fail
		v.Reason = fmt.Sprintf("the conversation ended at %s, before the change at %s was sent: the check could not be made", cv.Outcome.Step, peers.StepClientKeyExchange)
	case a == b:
		v.Status = reports.Pass
	case a.Kind == peers.OutcomeCompleted:
		v.Status = reports.Fail
		v.Reason = "the target went on although the client's Finished was keyed with a pre-master secret it never sent"
	case a.Kind == peers.OutcomeAlert && slices.Contains(m.Expect.Alerts, a.Alert):
		v.Status = reports.Pass
	case len(m.Expect.Alerts) > 0 && a.stopped():
		// A wrong length is public: another answer is no oracle, only
		// not the one the RFC names.
		v.Status = reports.Warn
		v.Reason = fmt.Sprintf("the handshake stopped, but with %s where RFC 5246 §7.4.7.1 wants the answer %s gets (%s), or %s",
			a, wrongFinishedWhat, b, checks.AlertNames(m.Expect.Alerts))
	case sent.public():
		// Any client sees that the value is not below the modulus:
		// no padding oracle, but still not the answer the RFC requires.
		v.Status = reports.Fail
		v.Reason = fmt.Sprintf("the target answers %s with %s, %s with %s: RFC 5246 §7.4.7.1 requires a server to carry on with a random pre-master secret when processing the encrypted one fails (\"MUST NOT generate an alert\"), whatever the cause",
			m.Doc, a, wrongFinishedWhat, b)
	default:
		v.Status = reports.Fail
		v.Reason = fmt.Sprintf("a client can tell %s from a good one: the target answers it with %s, %s with %s (a padding oracle; RFC 5246 §7.4.7.1: carry on with a random pre-master secret, fail only at the Finished)",
			m.Doc, a, wrongFinishedWhat, b)
	}
	return v
}

// ckeReject judges a MustReject variant.
func ckeReject(ctx context.Context, env *checks.Env, c checks.Context, id string, m mutators.Mutator) checks.Verdict {
	edit, why := ckeGroups(env, c, m)
	if why != "" {
		return checks.Verdict{Status: reports.Skip, Expected: "the handshake stops, with " + checks.AlertNames(m.Expect.Alerts), Reason: why}
	}
	var sent ckeSent
	script := ckeScript(c.Version, mutatedCKE(m, convSeed(env, id), &sent))
	cv := env.ConverseWith(ctx, c, id, edit, script)
	if sent.skipped {
		return checks.Verdict{Status: reports.Skip, Expected: "the handshake stops, with " + checks.AlertNames(m.Expect.Alerts),
			Reason:        fmt.Sprintf("the target chose %s, which the change does not apply to", cv.Conn().Group()),
			Conversations: []*peers.Conversation{cv}}
	}
	v := checks.Reject(cv, script, peers.StepClientKeyExchange, m.Expect.Alerts...)
	if o := cv.Outcome; v.Status == reports.Warn && o.Kind == peers.OutcomeAlert &&
		(o.Alert.Description == wire.AlertBadRecordMAC || o.Alert.Description == wire.AlertDecryptionFailed) {
		// The target went on to the Finished and failed it: it may have
		// taken the point, or refused it quietly and carried on with a
		// random secret (the RSA countermeasure, applied to ECDH).
		if sent.keyed {
			// The client keyed its Finished with the secret a server that
			// takes the point derives: the target did not derive it.
			v.Status = reports.Pass
			v.Reason = fmt.Sprintf("the target failed a Finished keyed with the secret a server that took %s would derive (%s): it did not take the point, though it did not answer with %s",
				m.Doc, o.Alert.Description, checks.AlertNames(m.Expect.Alerts))
		} else {
			v.Status = reports.Inconclusive
			v.Reason = fmt.Sprintf("the target answered with %s at the client Finished: it may have taken %s or refused it and gone on with a random secret; this proves neither", o.Alert.Description, m.Doc)
		}
	}
	return v
}

// ckeGroups offers, for an ECDHE check, the groups m applies to first
// (then, for an ECDSA certificate, the other NIST curves, which RFC 8422
// §5.1 lets bound the certificate's curve); it says why when the target
// has none of them.
func ckeGroups(env *checks.Env, c checks.Context, m mutators.Mutator) (func(*peers.ClientConfig), string) {
	if c.KX == checks.KXRSA {
		return func(*peers.ClientConfig) {}, ""
	}
	candidates := kx.Groups()
	if env.Profile != nil {
		if gs := env.Profile.GroupsAt(c.Version); len(gs) > 0 {
			candidates = gs
		}
	}
	var fits, others []wire.Group
	for _, g := range candidates {
		n := ecdhPointSize(g)
		if n == 0 {
			continue
		}
		priv, err := kx.Generate(g, rand.NewChaCha8([32]byte{}))
		if err != nil {
			continue
		}
		in := mutators.KeyExchange{Version: c.Version, ClientVersion: c.Version, Group: g, Point: priv.Public()}
		if _, _, ok := m.CKE(in, mutators.Rand(0, m.Name)); ok {
			fits = append(fits, g)
		} else if g != wire.GroupX25519 {
			others = append(others, g)
		}
	}
	if len(fits) == 0 {
		return nil, "the target supports none of the groups the change applies to"
	}
	offer := fits
	if c.KX == checks.KXECDHEECDSA {
		offer = append(slices.Clone(fits), others...)
	}
	return func(cfg *peers.ClientConfig) { cfg.Groups = offer }, ""
}

// ecdhPointSize is the share size of the groups TLS 1.0-1.2 ECDHE uses,
// 0 for the others.
func ecdhPointSize(g wire.Group) int {
	switch g {
	case wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1:
		n, _, _ := kx.ShareSizes(g)
		return n
	}
	return 0
}

// The ROBOT check (row 53).
const (
	robotRounds  = 3               // samples of each variant
	robotConfirm = 3               // extra rounds for a variant that looks apart
	robotBudget  = 4 * time.Second // no new round after this
	robotCap     = 3 * robotBudget // no new conversation after this
)

func robotCheck(c checks.Context, variants []mutators.Mutator) checks.Check {
	id := areaKeyExchange + "/" + c.Slug() + "/robot-oracle"
	return checks.Check{Source: checks.DefinedAt(), ID: id, Area: areaKeyExchange, Row: 53, RFC: "RFC 5246 §7.4.7.1", Level: checks.MUST, Ctx: c,
		Title: "answers every PKCS#1 v1.5 padding variant exactly as a good pre-master secret with a wrong Finished, every time: no padding oracle (ROBOT)",
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict {
			return robot(ctx, env, c, id, variants)
		}}
}

// robotRun holds the samples of one ROBOT check.
type robotRun struct {
	ctx     context.Context
	env     *checks.Env
	c       checks.Context
	id      string
	samples map[string][]ckeAnswer // by variant name; "" is the baseline
	first   map[string]*peers.Conversation
	convs   int
}

// baseline runs and records one baseline conversation.
func (r *robotRun) baseline(round string) (*peers.Conversation, peers.Script) {
	cv, script := ckeBaseline(r.ctx, r.env, r.c, r.id+"/baseline/"+round)
	r.record("", cv)
	return cv, script
}

// variant runs and records one conversation of m.
func (r *robotRun) variant(m mutators.Mutator, round string) (*peers.Conversation, peers.Script, bool) {
	id := r.id + "/" + strings.TrimPrefix(m.Name, ckePrefix) + "/" + round
	var sent ckeSent
	script := ckeScript(r.c.Version, mutatedCKE(m, convSeed(r.env, id), &sent))
	cv := r.env.Converse(r.ctx, r.c, id, script)
	if !sent.skipped {
		r.record(m.Name, cv)
	}
	return cv, script, !sent.skipped
}

func (r *robotRun) record(name string, cv *peers.Conversation) {
	r.convs++
	r.samples[name] = append(r.samples[name], answerOf(cv))
	if r.first[name] == nil {
		r.first[name] = cv
	}
}

// robotSecret keeps the variants whose ciphertext is a k-byte value below
// the modulus: only the private key tells those apart. (A value at or
// above the modulus any client can spot; its own check judges it.)
func robotSecret(variants []mutators.Mutator, pub *rsa.PublicKey, clientVersion wire.Version, seed uint64) []mutators.Mutator {
	var out []mutators.Mutator
	in := mutators.KeyExchange{Version: clientVersion, ClientVersion: clientVersion, RSA: pub}
	for _, m := range variants {
		body, raw, ok := m.CKE(in, mutators.Rand(seed, m.Name))
		if sent := (ckeSent{in: in, body: body}); ok && !raw && !sent.public() {
			out = append(out, m)
		}
	}
	return out
}

func robot(ctx context.Context, env *checks.Env, c checks.Context, id string, variants []mutators.Mutator) checks.Verdict {
	start := time.Now()
	r := &robotRun{ctx: ctx, env: env, c: c, id: id, samples: map[string][]ckeAnswer{}, first: map[string]*peers.Conversation{}}
	v := checks.Verdict{Expected: "one answer for " + wrongFinishedWhat + " and for every padding variant, each time"}
	base, script := r.baseline("0")
	v.Conversations = []*peers.Conversation{base}
	if why := baselineProblem(base, script); why != "" {
		v.Status, v.Observed, v.Reason = reports.Fail, answerOf(base).String(), why
		return v
	}
	pub, ok := base.ServerPublicKey().(*rsa.PublicKey)
	if !ok {
		v.Status, v.Reason = reports.Fail, "the target's certificate holds no RSA key"
		return v
	}
	secret := robotSecret(variants, pub, base.Hello().Version, convSeed(env, id))
	if len(secret) == 0 {
		v.Status, v.Reason = reports.Fail, "no padding variant fits the target's key"
		return v
	}
	// A variant that waited for our deadline (no answer, or an alert and
	// the connection left open) is not sampled again: that answer costs
	// the deadline each time, and once is enough to set it apart from a
	// baseline that never waited.
	waited := map[string]bool{}
	outOfTime := false
	// runRound samples the baseline (but for round 0, done above) and
	// each variant; it stops the check when one ended before its change.
	runRound := func(round int, ms []mutators.Mutator) string {
		tag := fmt.Sprint(round)
		if round > 0 {
			r.baseline(tag)
		}
		for _, m := range ms {
			if waited[m.Name] {
				continue
			}
			if time.Since(start) > robotCap {
				outOfTime = true
				return ""
			}
			cv, script, ok := r.variant(m, tag)
			switch a := answerOf(cv); {
			case !ok:
				return fmt.Sprintf("%s does not apply to the negotiated key exchange", m.Name)
			case cv.Outcome.Unreachable():
				return "target unreachable"
			case cv.Outcome.EndedBefore(script, peers.StepClientKeyExchange):
				return fmt.Sprintf("the conversation of %s ended at %s, before the ClientKeyExchange: the check could not be made", m.Name, cv.Outcome.Step)
			case a.Kind == peers.OutcomeTimeout || a.End == peers.EndTimeout:
				waited[m.Name] = true
			}
		}
		return ""
	}
	for round := range robotRounds {
		if round > 0 && (outOfTime || time.Since(start) > robotBudget) {
			break
		}
		if why := runRound(round, secret); why != "" {
			v.Status, v.Reason = reports.Fail, why
			return v
		}
	}
	names := make([]string, len(secret))
	for i, m := range secret {
		names[i] = m.Name
	}
	apart := robotJudge(r.samples, names)
	if len(apart) > 0 {
		// More samples (of the baseline too) for a variant whose answers
		// overlap the baseline's or vary: a rare answer on either side
		// may be a fluke that more samples show on the other side.
		var suspects []mutators.Mutator
		for _, a := range apart {
			if !waited[a.variant] && !a.clearCut(r.samples) {
				suspects = append(suspects, secret[slices.Index(names, a.variant)])
			}
		}
		for round := range robotConfirm {
			if len(suspects) == 0 || outOfTime || time.Since(start) > 2*robotBudget {
				break
			}
			if why := runRound(robotRounds+round, suspects); why != "" {
				v.Status, v.Reason = reports.Fail, why
				return v
			}
		}
		apart = robotJudge(r.samples, names)
	}
	baseAnswers := describeAnswers(r.samples[""])
	var unsampled []string
	for _, n := range names {
		if len(r.samples[n]) == 0 {
			unsampled = append(unsampled, strings.TrimPrefix(n, ckePrefix))
		}
	}
	if len(apart) == 0 && len(unsampled) > 0 {
		v.Status = reports.Fail
		v.Observed = fmt.Sprintf("%s for %s and the variants sampled", baseAnswers, wrongFinishedWhat)
		v.Reason = fmt.Sprintf("the target answered so slowly that %d of %d variants were never sent within %s (%s): the check could not be made",
			len(unsampled), len(secret), robotCap, strings.Join(unsampled, ", "))
		return v
	}
	if len(apart) == 0 {
		v.Status = reports.Pass
		v.Observed = fmt.Sprintf("%s for %s and for each of %d padding variants (%d conversations)", baseAnswers, wrongFinishedWhat, len(secret), r.convs)
		return v
	}
	var obs, why []string
	for _, a := range apart {
		obs = append(obs, fmt.Sprintf("%s: %s", strings.TrimPrefix(a.variant, ckePrefix), describeAnswers(r.samples[a.variant])))
		why = append(why, a.reason(strings.TrimPrefix(a.variant, ckePrefix), r.samples))
		v.Conversations = append(v.Conversations, r.first[a.variant])
	}
	v.Status = reports.Fail
	v.Observed = fmt.Sprintf("%s; %s for %s", strings.Join(obs, "; "), baseAnswers, wrongFinishedWhat)
	v.Reason = fmt.Sprintf("a client can tell %d of %d padding variants from a good pre-master secret (a Bleichenbacher padding oracle, RFC 5246 §7.4.7.1): %s",
		len(apart), len(secret), strings.Join(why, "; "))
	if len(unsampled) > 0 {
		v.Reason += fmt.Sprintf(" (%d variants were never sent, the check's time having run out: %s)", len(unsampled), strings.Join(unsampled, ", "))
	}
	return v
}

// robotApart is a variant a client can tell from the baseline, with the
// answers only one side gave.
type robotApart struct {
	variant      string
	onlyVariant  []ckeAnswer
	onlyBaseline []ckeAnswer
}

func (a robotApart) reason(name string, samples map[string][]ckeAnswer) string {
	if a.clearCut(samples) {
		return fmt.Sprintf("%s: %s, where a good one gets %s", name, samples[a.variant][0], samples[""][0])
	}
	var parts []string
	if len(a.onlyVariant) > 0 {
		parts = append(parts, fmt.Sprintf("%s drew %s, which a good one never did", name, joinAnswers(a.onlyVariant)))
	}
	if len(a.onlyBaseline) > 0 {
		parts = append(parts, fmt.Sprintf("%s never drew %s, which a good one did", name, joinAnswers(a.onlyBaseline)))
	}
	return strings.Join(parts, ", and ")
}

// clearCut reports whether both sides answered one way each, and not
// the same way: more samples would not change the verdict.
func (a robotApart) clearCut(samples map[string][]ckeAnswer) bool {
	base, got := samples[""], samples[a.variant]
	return len(missing(base, nil)) == 1 && len(missing(got, nil)) == 1 && base[0] != got[0]
}

// robotJudge compares the answers of each variant with the baseline's
// (samples[""]): a variant is apart when either side gave an answer the
// other never did. A timeout counts as an answer: a server that waits for
// more after a bad padding, but not after a good one, is an oracle too.
func robotJudge(samples map[string][]ckeAnswer, variants []string) []robotApart {
	base := samples[""]
	var out []robotApart
	for _, name := range variants {
		got := samples[name]
		if len(got) == 0 {
			continue
		}
		a := robotApart{variant: name, onlyVariant: missing(got, base), onlyBaseline: missing(base, got)}
		if len(a.onlyVariant) > 0 || len(a.onlyBaseline) > 0 {
			out = append(out, a)
		}
	}
	return out
}

// missing is the distinct answers of a that b never gave.
func missing(a, b []ckeAnswer) []ckeAnswer {
	var out []ckeAnswer
	for _, x := range a {
		if !slices.Contains(b, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// describeAnswers renders samples with counts: "fatal bad_record_mac
// alert, then closed (3 of 3)".
func describeAnswers(samples []ckeAnswer) string {
	var distinct []ckeAnswer
	count := map[ckeAnswer]int{}
	for _, s := range samples {
		if count[s] == 0 {
			distinct = append(distinct, s)
		}
		count[s]++
	}
	parts := make([]string, len(distinct))
	for i, d := range distinct {
		parts[i] = fmt.Sprintf("%s (%d of %d)", d, count[d], len(samples))
	}
	return strings.Join(parts, ", ")
}

func joinAnswers(as []ckeAnswer) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return strings.Join(parts, " or ")
}
