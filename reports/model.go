// Package reports writes what a person or a CI reads after a conformance
// run: report.json, summary.md (the root causes first, then every
// failure and warning), junit.xml, report.html (one self-contained page),
// conversations.pcapng and the NSS key log of the conversations they keep.
//
// Start with Report (model.go), then RootCauses (causes.go), WriteAll
// (json.go), Summary (summary.go), JUnit (junit.go), HTML (html.go),
// WriteCapture (pcap.go) and ConsoleSummary (console.go). reports imports
// the standard library and, for the capture alone, gopacket's pure-Go
// pcapgo and layers (never gopacket/pcap, which needs libpcap): it must
// not import the engine (peers), suite, Ginkgo or Gomega.
package reports

import "time"

// Status is a check's verdict.
type Status string

const (
	Pass Status = "pass"
	Warn Status = "warn" // a SHOULD-level deviation; a failure only in strict mode
	Fail Status = "fail" // a MUST violation, or the target was unreachable
	Skip Status = "skip" // does not apply to this target; Reason says why
	// Inconclusive: what was observed proves nothing either way (a reset
	// that may have destroyed an alert, silence while the target may wait
	// for bytes it was promised, an alert no key opened). Never a pass:
	// counted and shown like a warning, a failure in strict mode.
	Inconclusive Status = "inconclusive"
)

// Report is the whole of report.json.
type Report struct {
	Target  string    `json:"target"`
	Profile Profile   `json:"profile"`
	Seed    int64     `json:"seed"`
	Strict  bool      `json:"strict"`
	Started time.Time `json:"started"`
	Elapsed float64   `json:"elapsed_seconds"`
	// SetupError says why the run judged nothing: the target could not
	// be opened or probed, the options were wrong. Such a run fails.
	SetupError string `json:"setup_error,omitempty"`
	// Incomplete says why the run stopped before judging every check (it
	// was interrupted); a run that is incomplete fails.
	Incomplete string `json:"incomplete,omitempty"`
	// Expectations names the expected deviations the run was judged
	// with ("crypto/tls (Go 1.26)", or the file's path); "" for none.
	Expectations string `json:"expectations,omitempty"`
	// Stale are the expected deviations that no longer happen: every
	// check an entry names that was judged ended in another status. A
	// stale entry fails the run until it is deleted.
	Stale []Deviation `json:"stale_expectations,omitempty"`
	// ExpectationsFile is the path of the expected-deviations file.
	ExpectationsFile string `json:"expectations_file,omitempty"`
	// TargetLost says why the target stopped answering during the run
	// (it died, or stopped answering); "" when it did not. Such a run
	// fails.
	TargetLost string `json:"target_lost,omitempty"`
	// Full keeps every check's transcript in report.json; without it a
	// passing check is a compact record (no transcript), and a failure,
	// warning, inconclusive or expected deviation keeps its whole
	// conversation.
	Full   bool    `json:"full_transcripts,omitempty"`
	Checks []Check `json:"checks"`
	// Records holds, in report.json, the records that appear in more than
	// one transcript (the server's Certificate, most often) once; an
	// event names one by its key in Ref instead of repeating Raw.
	// ReadJSON puts them back: in memory, Raw is always set.
	Records map[string]string `json:"records,omitempty"`
	// Rules holds, in report.json, each quoted rule once; a check names
	// its own by RuleRef. ReadJSON puts them back in Check.Rule.
	Rules map[string]string `json:"rules,omitempty"`
}

// Deviation is one entry of an expected-deviations file: the checks its
// glob names are expected to end in Status, for Reason.
type Deviation struct {
	ID     string `json:"id"`     // a glob over check ids: "client-hello/*/session_id/33-bytes"
	Status Status `json:"status"` // fail or warn
	Reason string `json:"reason"`
	Link   string `json:"link,omitempty"`
	// Observed, in a stale entry, says what the checks it names did
	// instead ("passed: client-hello/tls12/rsa/x, ...").
	Observed string `json:"observed,omitempty"`
}

// Profile is what probing learned the target supports.
type Profile struct {
	Versions []string `json:"versions"`           // "1.0".."1.3"
	KX       []string `json:"key_exchanges"`      // "rsa", "ecdhe_rsa", "ecdhe_ecdsa", "dhe_rsa", "tls13"
	Groups   []string `json:"groups"`             // "x25519", "secp256r1", ...
	Suites   []string `json:"suites"`             // IANA names
	Notes    []string `json:"notes,omitempty"`    // e.g. "answers a TLS 1.0-only ClientHello with TLS 1.2"
	Problems []string `json:"problems,omitempty"` // probing itself found a deviation
	// Pinned are the versions selected with -versions (none: every
	// version the target speaks); Unselected those the target speaks
	// that the selection left out.
	Pinned     []string `json:"pinned,omitempty"`
	Unselected []string `json:"unselected,omitempty"`
}

// Check is one check's result.
type Check struct {
	ID       string  `json:"id"`   // stable across runs: "finished/tls12/ecdhe_rsa/flip-bit-17"
	Area     string  `json:"area"` // "message-order", "version-negotiation", "finished"
	Row      int     `json:"row,omitempty"`
	Mutator  string  `json:"mutator,omitempty"`  // the mutator applied, for malformation checks
	RFC      string  `json:"rfc"`                // "RFC 5246 §7.4.9"
	Rule     string  `json:"rule,omitempty"`     // the receiver-duty sentence, quoted with its RFC and section
	RuleRef  string  `json:"rule_ref,omitempty"` // in report.json: Rule is Report.Rules[RuleRef]
	Level    string  `json:"level"`              // "MUST" or "SHOULD"
	Title    string  `json:"title"`
	Version  string  `json:"version,omitempty"` // "1.2"
	KX       string  `json:"kx,omitempty"`      // "ecdhe_rsa"
	Status   Status  `json:"status"`
	Expected string  `json:"expected"`
	Observed string  `json:"observed"`
	Reason   string  `json:"reason,omitempty"` // skip reason, or what the warning is about
	Millis   float64 `json:"ms"`
	// Deviation, when set, is the expected-deviations entry this check's
	// status was expected by: the check failed (or warned) as recorded,
	// which is shown with the entry's reason and does not fail the run.
	Deviation *Deviation `json:"deviation,omitempty"`
	// Change is what the check changed in what it sent, when it names
	// one field: the message, the field's path and its bytes before and
	// after.
	Change *Change `json:"change,omitempty"`
	// Source is where the check is defined ("suite/finished/family.go:42"),
	// for JUnit's file and line.
	Source string `json:"source,omitempty"`
	// Conversations are the check's conversations in the order it had
	// them; Event.Conv indexes them. A check with one conversation may
	// leave it out.
	Conversations []Conversation `json:"conversations,omitempty"`
	// Transcript is the conversation, record by record.
	Transcript []Event `json:"transcript,omitempty"`
	// SameAs, in report.json, names the check whose conversation stands
	// for this warning's: it is of the same root cause, and its own
	// transcript was left out (-full-report keeps it).
	SameAs string `json:"same_cause_as,omitempty"`
}

// Conversation is one connection of a check.
type Conversation struct {
	Label string    `json:"label,omitempty"` // "baseline", "variant 3", "probe"
	Start time.Time `json:"start"`
}

// Change is the one field a check changed: Path names it inside Message
// ("extensions.key_share.client_shares[0].key_exchange"); Before and After
// are its bytes in hex (Before "" for an inserted field, After "" for a
// removed one).
type Change struct {
	Message string `json:"message"` // "ClientHello"
	Path    string `json:"path,omitempty"`
	Offset  int    `json:"offset"` // of the change in the message, its 4-byte header included
	Before  string `json:"before"`
	After   string `json:"after"`
}

// Event is one record of a conversation, as in the engine's transcript.
type Event struct {
	Conv      int     `json:"conv,omitempty"`      // which of the check's Conversations
	Dir       string  `json:"dir"`                 // "client" (sent by the suite's client) or "server" (sent by the target)
	Ref       string  `json:"ref,omitempty"`       // in report.json: Raw is Report.Records[Ref]
	Ms        float64 `json:"ms"`                  // since the conversation began
	Type      string  `json:"type"`                // "handshake", "alert", "change_cipher_spec", "application_data", ...
	Summary   string  `json:"summary"`             // "ClientHello", "ServerHello, Certificate, ServerHelloDone", "fatal decode_error", "undecryptable"
	Raw       string  `json:"raw"`                 // hex, the record as on the wire
	Plaintext string  `json:"plaintext,omitempty"` // hex, decrypted payload of an encrypted record
	// Encrypted: the record was protected; Plaintext is its content (""
	// when no key opened it). A record sent in the clear has its content
	// after Raw's 5-byte header.
	Encrypted bool `json:"encrypted,omitempty"`
}

// Payload is the record's content in hex: the decrypted plaintext of an
// encrypted record, the fragment after the 5-byte header of one sent in
// the clear ("" for a pseudo-event: closed, timeout, reset).
func (e Event) Payload() string {
	if e.Encrypted || len(e.Raw) < 10 {
		return e.Plaintext
	}
	return e.Raw[10:]
}
