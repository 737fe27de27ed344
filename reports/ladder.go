package reports

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ladder layout: time, client column, arrow, server column. Widths are in
// runes so the arrows line up in a terminal and in a Markdown code block.
const (
	ladderLeft  = 28 // client summaries, truncated to fit
	ladderRight = 64 // server summaries, truncated to keep lines readable
	arrowRight  = "-------->"
	arrowLeft   = "<--------"
	ellipsis    = "…"
)

// Ladder draws a conversation as a fixed-width ladder diagram, client on the
// left and server on the right, one line per record, time in ms at the far
// left:
//
//	 ms  Client                                  Server
//	0.0  ClientHello                  -------->
//	1.2                               <--------  ServerHello, Certificate, ServerHelloDone
//	4.1                               <--------  Alert(fatal, handshake_failure)
//	4.1                               <--------  (closed)
//
// Every arrow starts at the same column. Long summaries are cut with "…";
// backticks and control characters are replaced so the diagram can sit
// inside a Markdown code block.
func Ladder(events []Event) string { return ladder(events, 0) }

// ladder is Ladder showing at most limit events (0: all); the middle of a
// longer conversation is replaced by one line saying how many were left out.
func ladder(events []Event, limit int) string {
	tw := len("ms") + 3
	for _, e := range events {
		tw = max(tw, len(fmt.Sprintf("%.1f", e.Ms)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s  %-*s%s\n", tw, "ms", ladderLeft+1+len(arrowRight)+2, "Client", "Server")

	head, tail := len(events), 0
	if limit > 0 && len(events) > limit {
		tail = limit / 4
		head = limit - tail
	}
	prevMs := 0.0
	convs := 1
	for _, e := range events {
		convs = max(convs, e.Conv+1)
	}
	for i, e := range events {
		if convs > 1 && (i == 0 || e.Conv != events[i-1].Conv) {
			// A check with several conversations: each is labelled, and
			// its times start again.
			fmt.Fprintf(&b, "%*s  --- conversation %d of %d ---\n", tw, "", e.Conv+1, convs)
			prevMs = 0
		}
		if i == head && tail > 0 {
			omitted := len(events) - head - tail
			fmt.Fprintf(&b, "%*s  %s%s %d records omitted %s\n", tw, "", strings.Repeat(" ", ladderLeft/2), ellipsis, omitted, ellipsis)
		}
		if i >= head && i < len(events)-tail {
			prevMs = e.Ms
			continue
		}
		text := eventText(e, prevMs)
		prevMs = e.Ms
		ms := fmt.Sprintf("%.1f", e.Ms)
		if strings.EqualFold(strings.TrimSpace(e.Dir), "client") {
			text = truncate(text, ladderLeft)
			pad := strings.Repeat(" ", ladderLeft-utf8.RuneCountInString(text))
			fmt.Fprintf(&b, "%*s  %s%s %s\n", tw, ms, text, pad, arrowRight)
		} else {
			text = truncate(text, ladderRight)
			fmt.Fprintf(&b, "%*s  %s %s  %s\n", tw, ms, strings.Repeat(" ", ladderLeft), arrowLeft, text)
		}
	}
	if len(events) == 0 {
		fmt.Fprintf(&b, "%*s  (no records)\n", tw, "")
	}
	return b.String()
}

// eventText is how one record reads in a ladder. prevMs is the time of the
// previous record, from which a timeout's wait is measured.
func eventText(e Event, prevMs float64) string {
	s := clean(e.Summary)
	typ := strings.ToLower(strings.TrimSpace(e.Type))
	switch typ {
	case "closed", "close", "eof":
		return pseudo("closed", s, "closed", "close", "eof")
	case "reset":
		return pseudo("connection reset", s, "reset", "connection reset")
	case "timeout":
		if s == "" || strings.EqualFold(s, "timeout") {
			return fmt.Sprintf("(timeout after %.0f ms)", e.Ms-prevMs)
		}
		if strings.HasPrefix(strings.ToLower(s), "timeout") {
			return "(" + s + ")"
		}
		return "(timeout: " + s + ")"
	}
	switch {
	case strings.EqualFold(s, "undecryptable"):
		return "{encrypted record}"
	case typ == "change_cipher_spec" || strings.HasPrefix(s, "ChangeCipherSpec"):
		if s == "" {
			s = "ChangeCipherSpec"
		}
		if strings.HasPrefix(s, "[") {
			return s
		}
		return "[" + s + "]"
	case typ == "alert":
		return alertText(s)
	case s != "":
		return s
	case e.Raw == "" && typ != "":
		// A pseudo-event this package does not know yet.
		return "(" + typ + ")"
	case typ != "":
		return typ
	}
	return "(record)"
}

// pseudo renders a connection event: "(closed)", or "(closed: detail)" when
// the summary says more than the type.
func pseudo(name, s string, same ...string) string {
	for _, x := range same {
		if s == "" || strings.EqualFold(s, x) {
			return "(" + name + ")"
		}
	}
	return "(" + name + ": " + s + ")"
}

// alertText turns "fatal decode_error" or "fatal, decode_error" into
// "Alert(fatal, decode_error)".
func alertText(s string) string {
	if s == "" {
		return "Alert"
	}
	if strings.HasPrefix(s, "Alert") {
		return s
	}
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
	if len(f) == 2 && (f[0] == "fatal" || f[0] == "warning") {
		return "Alert(" + f[0] + ", " + f[1] + ")"
	}
	return "Alert(" + s + ")"
}

// clean makes s safe for one line of a fixed-width code block: whitespace
// runs become one space, backticks (which could close a Markdown fence)
// become quotes and other unprintable runes become '?'.
func clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case r == '`':
			r = '\''
		case r == utf8.RuneError || !unicode.IsPrint(r):
			r = '?'
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// truncate cuts s to at most n runes, ending in "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	rs := []rune(s)
	return strings.TrimRight(string(rs[:n-1]), " ") + ellipsis
}
