package mutators_test

import (
	"strings"
	"testing"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// The three functions below are copies of the code that decided the level
// of a malformation from its mutator's name before the level became data
// (Expectation.Should): suite/checks/hello.go extensionBody,
// suite/checks/records.go recordShould and fuzz/campaign/catalog.go
// shouldOnly, as of commit fb91322. They live here only as the oracle of
// TestLevelMatchesNamePrefixes; nothing else may use them. The levels the
// review of issue 9 changed are reviewed below (reviewed12): the oracle
// is the old rule with those decisions.

// reviewed12 are the TLS 1.0-1.2 levels the review of the receiver's
// duties changed, with the reason the mutator now gives ("" for MUST).
func reviewed12(name string) (should bool, why string, changed bool) {
	switch {
	case strings.HasPrefix(name, "client_hello/extensions/duplicate/"):
		return true, "RFC 5246 §7.4.1.4 \"There MUST NOT be more than one extension of the same type\" binds the client; TLS 1.0-1.2 give the server no duty to refuse (RFC 8446 §4.2 with §6 does in TLS 1.3)", true
	case name == "client_hello/extended_master_secret/with-body":
		return true, "RFC 7627 §5.1 defines the extension_data as empty, but puts no duty on a server that receives a body", true
	case name == "client_hello/compression_methods/without-null":
		return true, "RFC 5246 §7.4.1.2 binds the client (\"This vector MUST contain, and all implementations MUST support, CompressionMethod.null\"); it states no duty for a server that receives a list without null", true
	case strings.HasPrefix(name, "client_hello/length/extensions.renegotiation_info.renegotiated_connection/"):
		return false, "", true // RFC 5746 §3.6: a renegotiated_connection whose length is not zero MUST be refused
	}
	return false, "", false
}

// oldExtensionBody is suite/checks/hello.go extensionBody (the check was
// SHOULD level when the version was below TLS 1.3 and this held).
func oldExtensionBody(name string) bool {
	for _, p := range []string{"client_hello/extensions/trailing/", "client_hello/length/extensions.", "client_hello/server_name/"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// oldRecordShould is suite/checks/records.go recordShould.
var oldRecordShould = map[string]string{
	"record/zero-length/handshake": "RFC 5246 §6.2.1 and RFC 8446 §5.1 forbid sending a zero-length handshake record; the receiver's MUST (unexpected_message, RFC 8446 §5.4) is for protected TLS 1.3 records, checked separately, and before the ClientHello a server cannot know the version",
	"record/zero-length/alert":     "RFC 5246 §6.2.1 and RFC 8446 §5.1 forbid sending a zero-length alert record; the receiver's MUST (unexpected_message, RFC 8446 §5.4) is for protected TLS 1.3 records, checked separately, and before the ClientHello a server cannot know the version",
	"record/interleave/alert":      "RFC 8446 §5.1 forbids records of another type between the fragments of a handshake message; RFC 5246 lets a warning alert come at any time, and a server reads the first flight before it knows the version",
	"record/interleave/ccs":        "RFC 8446 §5 makes a ChangeCipherSpec before the first ClientHello an unexpected record but lets stateless servers that cannot tell it from the compatibility CCS drop it (as the message-order check of a CCS before the ClientHello does); RFC 5246 has no rule for a CCS before the version is known",
	"record/version/below-0300":    "RFC 8446 Appendix D.5: records with a version below {03,00} SHOULD NOT be accepted",
	"record/warning-alert-first":   "RFC 5246 §7.2: after a warning alert \"generally the connection can continue normally\"",
}

// oldShouldOnly is fuzz/campaign/catalog.go shouldOnly.
func oldShouldOnly(name string, v wire.Version) bool {
	if v < wire.VersionTLS13 {
		for _, p := range []string{"client_hello/extensions/trailing/", "client_hello/length/extensions.", "client_hello/server_name/"} {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
	} else {
		for _, e := range []string{"ec_point_formats", "renegotiation_info", "extended_master_secret", "session_ticket"} {
			if name == "client_hello/extensions/trailing/"+e || strings.HasPrefix(name, "client_hello/length/extensions."+e+".") {
				return true
			}
		}
	}
	switch name {
	case "record/zero-length/handshake", "record/zero-length/alert", "record/interleave/alert",
		"record/interleave/ccs", "record/version/below-0300", "record/warning-alert-first":
		return true
	}
	return false
}

// oldHelloReason is the reason suite/checks/hello.go gave a SHOULD-level
// ClientHello check that the target went on after; the check now gives
// "the target went on after a malformed extension body: " + ShouldWhy.
const oldHelloReason = "RFC 8446 §4.2 and §6 make refusing it a MUST in TLS 1.3, but RFC 5246 puts no such duty on a TLS 1.0-1.2 server"

// TestLevelMatchesNamePrefixes: for every mutator of the registry and
// every version the suite tests (whether or not the mutator applies
// there), the level now set where the mutator is defined is the level the
// name-prefix functions gave:
//
//   - the campaign's (oldShouldOnly), exactly;
//   - the record-layer checks' (oldRecordShould), level and reason, exactly;
//   - the ClientHello checks' (below TLS 1.3, oldExtensionBody), level and
//     reason, except where the campaign's rule for the extensions only TLS
//     1.0-1.2 use makes a TLS 1.3 level SHOULD: no ClientHello check
//     exists there, since the mutator does not apply to the TLS 1.3
//     ClientHello the checks send (which has none of those extensions).
func TestLevelMatchesNamePrefixes(t *testing.T) {
	versions := []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13}
	sample13 := mutators.SampleHello(wire.VersionTLS13)
	should := 0
	for _, m := range mutators.Registry() {
		if m.ServerMessage != nil {
			continue // a client's duties, newer than these functions: TestServerMessageLevels
		}
		for _, v := range versions {
			got := m.Expect.Level(v) == mutators.LevelShould
			if got {
				should++
			}
			if got != (m.Expect.ShouldWhy(v) != "") {
				t.Errorf("%s at %s: level %s with reason %q", m.Name, v, m.Expect.Level(v), m.Expect.ShouldWhy(v))
			}
			want := oldShouldOnly(m.Name, v)
			if sh, _, changed := reviewed12(m.Name); changed && v < wire.VersionTLS13 {
				want = sh
			}
			if got != want {
				t.Errorf("%s at %s: SHOULD level %t, the campaign's shouldOnly said %t", m.Name, v, got, want)
			}
			if strings.HasPrefix(m.Name, "record/") {
				if got, want := m.Expect.ShouldWhy(v), oldRecordShould[m.Name]; got != want {
					t.Errorf("%s at %s: reason %q, recordShould said %q", m.Name, v, got, want)
				}
			}
			if !strings.HasPrefix(m.Name, "client_hello/") {
				continue
			}
			want, reason := v < wire.VersionTLS13 && oldExtensionBody(m.Name), oldHelloReason
			if sh, why, changed := reviewed12(m.Name); changed && v < wire.VersionTLS13 {
				want, reason = sh, why
			}
			switch {
			case got == want:
				if want && m.Expect.ShouldWhy(v) != reason {
					t.Errorf("%s at %s: reason %q, the ClientHello check gave %q", m.Name, v, m.Expect.ShouldWhy(v), reason)
				}
			case v == wire.VersionTLS13 && got:
				_, applied, err := mutators.MutateHello(m, sample13, 1)
				if m.AppliesTo(v) && err == nil && applied {
					t.Errorf("%s at %s: SHOULD level, where the ClientHello check (which applies) was MUST", m.Name, v)
				}
			default:
				t.Errorf("%s at %s: SHOULD level %t, the ClientHello check's extensionBody said %t", m.Name, v, got, want)
			}
		}
	}
	if should == 0 {
		t.Error("no mutator is SHOULD level anywhere")
	}
}

// TestShouldAtKeepsTheOriginal: ShouldAt returns a new expectation; the
// one it starts from, which other mutators may share, is unchanged, and a
// version already SHOULD level keeps its first reason.
func TestShouldAtKeepsTheOriginal(t *testing.T) {
	base := mutators.Reject("RFC 8446 §4.2", 39, wire.AlertDecodeError)
	a := base.ShouldAt("first", wire.VersionTLS12)
	b := a.ShouldAt("second", wire.VersionTLS12, wire.VersionTLS13)
	if base.Level(wire.VersionTLS12) != mutators.LevelMust {
		t.Error("ShouldAt changed the expectation it started from")
	}
	if a.Level(wire.VersionTLS13) != mutators.LevelMust {
		t.Error("ShouldAt changed an earlier result")
	}
	if b.ShouldWhy(wire.VersionTLS12) != "first" || b.ShouldWhy(wire.VersionTLS13) != "second" {
		t.Errorf("reasons %q, %q", b.ShouldWhy(wire.VersionTLS12), b.ShouldWhy(wire.VersionTLS13))
	}
}
