package suite_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// areaTitles are the Describe texts: the RFC area each family covers;
// tableAreas are the malformation families, generated from the mutator
// registry, which render as one DescribeTable per context, an Entry per
// mutator.
var areaTitles, tableAreas = func() (map[string]string, map[string]bool) {
	titles := map[string]string{"baseline": checks.BaselineTitle}
	tables := map[string]bool{}
	for _, f := range suite.Families() {
		titles[f.Area], tables[f.Area] = f.Title, f.Table
	}
	return titles, tables
}()

// labels is the check's closed label set (suite.Labels) for Ginkgo.
func labels(ch checks.Check) Labels { return Labels(suite.Labels(ch)) }

// The spec tree is generated from the catalogue: one Describe per area,
// one Context per version and key exchange, one It per check.
var _ = func() bool {
	all := suite.Catalogue()
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
