package suite_test

import (
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// areaTitles are the Describe texts: the RFC area each family covers.
var areaTitles = map[string]string{
	"baseline":            "Baseline (RFC 5246 §7.3, RFC 8446 §2): a valid handshake",
	"message-order":       "Message order and state machine (RFC 5246 §7.3, RFC 8446 §4)",
	"version-negotiation": "Version negotiation and downgrade (RFC 5246 App. E, RFC 8446 §4.1.3, §4.2.1)",
	"finished":            "Finished verification (RFC 5246 §7.4.9, RFC 8446 §4.4.4)",
	"client-hello":        "ClientHello malformations (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2, §4.2)",
	"client-key-exchange": "ClientKeyExchange malformations and the padding oracle (RFC 5246 §7.4.7, RFC 8422 §5.7)",
	"record-layer":        "Record layer (RFC 5246 §6, RFC 8446 §5)",
	"real-client-hello":   "Real ClientHellos replayed (RFC 8446 §4.1.2, RFC 8701)",
}

// tableAreas are the malformation families: generated from the mutator
// registry, they render as one DescribeTable per context, an Entry per
// mutator.
var tableAreas = map[string]bool{"client-hello": true, "client-key-exchange": true, "record-layer": true, "real-client-hello": true}

var rfcRef = regexp.MustCompile(`RFC (\d+)(?: §([0-9.]+))?`)

// labels is the closed label set of a check: version, key exchange, area,
// level, and each RFC (with section) it names.
func labels(ch checks.Check) Labels {
	l := Labels{"tls" + ch.Ctx.Version.Short(), string(ch.Ctx.KX), ch.Area, string(ch.Level)}
	for _, m := range rfcRef.FindAllStringSubmatch(ch.RFC, -1) {
		l = append(l, "rfc"+m[1])
		if m[2] != "" {
			l = append(l, "rfc"+m[1]+"-"+m[2])
		}
	}
	return l
}

// The spec tree is generated from the catalogue: one Describe per area,
// one Context per version and key exchange, one It per check.
var _ = func() bool {
	all := checks.All()
	var areas []string
	byArea := map[string][]checks.Check{}
	for _, ch := range all {
		if _, ok := byArea[ch.Area]; !ok {
			areas = append(areas, ch.Area)
		}
		byArea[ch.Area] = append(byArea[ch.Area], ch)
	}
	for _, area := range areas {
		title := areaTitles[area]
		if title == "" {
			title = area
		}
		Describe(title, func() {
			var ctxs []checks.Context
			byCtx := map[checks.Context][]checks.Check{}
			for _, ch := range byArea[area] {
				if _, ok := byCtx[ch.Ctx]; !ok {
					ctxs = append(ctxs, ch.Ctx)
				}
				byCtx[ch.Ctx] = append(byCtx[ch.Ctx], ch)
			}
			for _, c := range ctxs {
				if tableAreas[area] {
					var entries []TableEntry
					for _, ch := range byCtx[c] {
						entries = append(entries, Entry(strings.TrimSpace(ch.Title)+" ["+ch.ID+"]", labels(ch), SpecTimeout(suite.CheckTimeout), ch))
					}
					DescribeTable(c.String(), judge, entries)
					continue
				}
				Context(c.String(), func() {
					for _, ch := range byCtx[c] {
						It(strings.TrimSpace(ch.Title)+" ["+ch.ID+"]", labels(ch), func(ctx SpecContext) { judge(ctx, ch) }, SpecTimeout(suite.CheckTimeout))
					}
				})
			}
		})
	}
	return true
}()
