package keyexchange

import (
	"strings"
	"testing"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

func alertAnswer(d wire.AlertDescription, end string) ckeAnswer {
	return ckeAnswer{Kind: peers.OutcomeAlert, Level: wire.AlertLevelFatal, Alert: d, End: end}
}

// TestRobotJudge: the ROBOT verdict on recorded answers, without a
// network: alerts, closes and timeouts on either side.
func TestRobotJudge(t *testing.T) {
	mac := alertAnswer(wire.AlertBadRecordMAC, peers.EndClosed)
	macOpen := alertAnswer(wire.AlertBadRecordMAC, peers.EndTimeout)
	macReset := alertAnswer(wire.AlertBadRecordMAC, peers.EndReset)
	decrypt := alertAnswer(wire.AlertDecryptError, peers.EndClosed)
	closed := ckeAnswer{Kind: peers.OutcomeClosed}
	timeout := ckeAnswer{Kind: peers.OutcomeTimeout}
	for _, tc := range []struct {
		name     string
		base     []ckeAnswer
		variant  []ckeAnswer
		apart    bool
		mentions string
	}{
		{"same alert and close", []ckeAnswer{mac, mac, mac}, []ckeAnswer{mac, mac, mac}, false, ""},
		{"another alert", []ckeAnswer{mac, mac, mac}, []ckeAnswer{decrypt, decrypt, decrypt}, true, "decrypt_error"},
		{"closed without an alert", []ckeAnswer{mac, mac, mac}, []ckeAnswer{closed, closed, closed}, true, "closed without an alert"},
		{"same alert, left open", []ckeAnswer{mac, mac, mac}, []ckeAnswer{macOpen, macOpen, macOpen}, true, "left the connection open"},
		{"same alert, reset", []ckeAnswer{mac, mac}, []ckeAnswer{macReset}, true, "reset"},
		{"sometimes another alert", []ckeAnswer{mac, mac, mac}, []ckeAnswer{mac, decrypt, mac}, true, "decrypt_error"},
		{"a timeout once, never for the baseline", []ckeAnswer{mac, mac, mac}, []ckeAnswer{timeout}, true, "timeout"},
		{"a timeout on both sides", []ckeAnswer{mac, timeout, mac}, []ckeAnswer{timeout, mac}, false, ""},
		{"the baseline's answer never seen", []ckeAnswer{mac, decrypt}, []ckeAnswer{decrypt, decrypt}, true, "never drew fatal bad_record_mac"},
	} {
		samples := map[string][]ckeAnswer{"": tc.base, "v": tc.variant}
		got := robotJudge(samples, []string{"v"})
		if (len(got) > 0) != tc.apart {
			t.Errorf("%s: apart %v, want %v", tc.name, len(got) > 0, tc.apart)
			continue
		}
		if !tc.apart {
			continue
		}
		if why := got[0].reason("v", samples); !strings.Contains(why, tc.mentions) {
			t.Errorf("%s: reason %q does not mention %q", tc.name, why, tc.mentions)
		}
	}
	// A variant with no samples (not run) is not judged.
	if got := robotJudge(map[string][]ckeAnswer{"": {mac}}, []string{"v"}); len(got) != 0 {
		t.Errorf("a variant with no samples is apart: %v", got)
	}
}

func TestDescribeAnswers(t *testing.T) {
	mac := alertAnswer(wire.AlertBadRecordMAC, peers.EndClosed)
	got := describeAnswers([]ckeAnswer{mac, {Kind: peers.OutcomeTimeout}, mac})
	want := "fatal bad_record_mac alert, then closed (2 of 3), no answer before the deadline (timeout) (1 of 3)"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
