package reports

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"
)

// report.html is one file with nothing to fetch: the template, its style
// and its script are embedded here, and the checks' data travels inside
// the page. The page's Content-Security-Policy allows no network at all
// and only the two scripts below (by hash), so a string from a target
// can neither run nor load anything.
var (
	//go:embed html/report.html.tmpl
	htmlTemplateText string
	//go:embed html/report.css
	htmlCSS string
	//go:embed html/report.js
	htmlJS string
	//go:embed html/guard.js
	htmlGuardJS string

	htmlTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
		"join": strings.Join,
		"dash": orDash,
	}).Parse(htmlTemplateText))
)

// How much of the page is drawn without a script: the root causes carry a
// text ladder of their representative (so the page reads with scripts
// off), cut to this many records.
const htmlCauseLadderRecords = 40

// WriteHTML writes HTML(r) to path atomically.
func WriteHTML(path string, r *Report) error {
	data, err := HTML(r)
	if err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	return writeFileAtomic(path, data)
}

// HTML renders report.html: the verdict and profile, a matrix of areas by
// version and key exchange, the root causes, every non-passing check with
// the ladders of its conversations (each record expandable to its hex and
// decrypted content), filters, and the passing checks.
//
// The header, matrix and root causes are HTML; the non-passing checks,
// their records and the passing checks are drawn by the page's script
// from one gzip-compressed JSON document embedded in base64 (records
// deduplicated: a run repeats the target's Certificate a thousand times),
// which keeps a full run's page well under a megabyte.
func HTML(r *Report) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("reports: html: nil report")
	}
	causes := RootCauses(r)
	payload, err := htmlPayload(r, causes)
	if err != nil {
		return nil, err
	}
	page := newHTMLPage(r, causes)
	page.Payload = template.HTML(payload) // base64: nothing in it to escape
	page.CSS = template.CSS(htmlCSS)
	page.JS = template.JS(htmlJS)
	page.GuardJS = template.JS(htmlGuardJS)
	page.CSP = template.HTMLAttr(`http-equiv="Content-Security-Policy" content="` + htmlCSP() + `"`)
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, page); err != nil {
		return nil, fmt.Errorf("reports: html: %w", err)
	}
	return b.Bytes(), nil
}

// htmlCSP forbids every fetch (no network, no other file) and every
// script but the page's own two, named by their hashes: an inline handler
// smuggled into the page by a target's string would not run either.
func htmlCSP() string {
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return "default-src 'none'; script-src " + hash(htmlGuardJS) + " " + hash(htmlJS) +
		"; style-src " + hash(htmlCSS) + "; img-src data:; base-uri 'none'; form-action 'none'"
}

// htmlPage is what the template draws.
type htmlPage struct {
	Target, Date, Result, Verdict, CausesLine string
	Seed                                      int64
	Strict                                    bool
	Elapsed                                   float64
	Incomplete, TargetLost, SetupError        string
	Expectations, ExpectationsFile            string
	Stale                                     []Deviation
	Profile                                   htmlProfile
	Matrix                                    htmlMatrix
	Causes                                    []htmlCause
	Skipped                                   []htmlReason
	Total                                     Counts
	NonPassing, Passing                       int
	Filters                                   htmlFilters

	Payload template.HTML
	CSS     template.CSS
	JS      template.JS
	GuardJS template.JS
	CSP     template.HTMLAttr
}

type htmlProfile struct {
	Versions, KX, Groups, Suites, Notes, Problems []string
	Pin                                           string
}

// htmlMatrix counts checks by area (rows) and by version and key exchange
// (columns).
type htmlMatrix struct {
	Columns []htmlColumn
	Rows    []htmlRow
	Total   htmlRow
}

// htmlColumn is a context: Name "TLS 1.2 rsa" (Version "TLS 1.2" and KX
// "rsa" on two lines in the header), "—" for checks without one.
type htmlColumn struct{ Name, Version, KX string }

type htmlRow struct {
	Area  string
	Cells []htmlCell
	Sum   htmlCell
}

// htmlCell is one cell of the matrix: the counts by status, the expected
// deviations apart from the failures and warnings they are.
type htmlCell struct {
	Area, Version, KX                              string
	Pass, Warn, Inconclusive, Fail, Expected, Skip int
}

// Class is the cell's colour: its worst status.
func (c htmlCell) Class() string {
	switch {
	case c.Fail > 0:
		return "fail"
	case c.Inconclusive > 0:
		return "inconclusive"
	case c.Warn > 0:
		return "warn"
	case c.Expected > 0:
		return "expected"
	case c.Pass > 0:
		return "pass"
	case c.Skip > 0:
		return "skip"
	}
	return "empty"
}

// Total is the number of checks in the cell.
func (c htmlCell) Total() int {
	return c.Pass + c.Warn + c.Inconclusive + c.Fail + c.Expected + c.Skip
}

func (c *htmlCell) add(ch Check) {
	if ch.IsExpected() {
		c.Expected++
		return
	}
	switch verdict(ch.Status) {
	case Pass:
		c.Pass++
	case Warn:
		c.Warn++
	case Inconclusive:
		c.Inconclusive++
	case Skip:
		c.Skip++
	default:
		c.Fail++
	}
}

type htmlCause struct {
	Cause
	Label, Class, Scope, ChecksText, Ladder string
	AreaWords, VersionWords, KXWords        string // space-separated, for the filters
	Count                                   int
}

type htmlReason struct {
	Reason string
	Checks int
}

// htmlFilters are the values the filters offer.
type htmlFilters struct{ Areas, Versions, KX, Levels []string }

func newHTMLPage(r *Report, causes []Cause) htmlPage {
	_, _, total := CountByArea(r)
	checks := sortedChecks(r)
	p := htmlPage{
		Target: orDash(r.Target), Date: dateText(r.Started), Result: resultText(r, total),
		Seed: r.Seed, Strict: r.Strict, Elapsed: r.Elapsed,
		Incomplete: r.Incomplete, TargetLost: r.TargetLost, SetupError: r.SetupError,
		Expectations: r.Expectations, ExpectationsFile: r.ExpectationsFile, Stale: r.Stale,
		CausesLine: CausesLine(causes),
		Total:      total,
		Profile: htmlProfile{
			Versions: versionNames(r.Profile.Versions), KX: r.Profile.KX, Groups: r.Profile.Groups,
			Suites: r.Profile.Suites, Notes: r.Profile.Notes, Problems: r.Profile.Problems, Pin: pinText(r.Profile),
		},
	}
	switch {
	case r.SetupError != "":
		p.Verdict = "FAIL"
	case r.Incomplete != "":
		p.Verdict = "INCOMPLETE"
	case Failed(r, r.Strict):
		p.Verdict = "FAIL"
	default:
		p.Verdict = "PASS"
	}
	p.Matrix = newHTMLMatrix(r, checks)

	byID := make(map[string]Check, len(checks))
	for _, c := range checks {
		byID[c.ID] = c
		switch v := verdict(c.Status); v {
		case Pass:
			p.Passing++
		case Skip:
		default:
			p.NonPassing++
		}
	}
	for _, cs := range causes {
		rep := byID[cs.Representative]
		hc := htmlCause{
			Cause: cs, Label: causeLabel(cs, r.Strict), Class: statusClass(cs.Status, cs.Expected),
			Scope: cs.Scope(), ChecksText: cs.ChecksText(8), Count: len(cs.Checks),
			AreaWords: strings.Join(cs.Areas, " "), VersionWords: strings.Join(cs.Versions, " "), KXWords: strings.Join(cs.KX, " "),
		}
		if len(rep.Transcript) > 0 {
			hc.Ladder = ladder(rep.Transcript, htmlCauseLadderRecords)
		}
		p.Causes = append(p.Causes, hc)
	}

	byReason := map[string]int{}
	for _, c := range checks {
		if verdict(c.Status) == Skip {
			reason := clean(c.Reason)
			if reason == "" {
				reason = "(no reason given)"
			}
			byReason[reason]++
		}
	}
	for reason, n := range byReason {
		p.Skipped = append(p.Skipped, htmlReason{reason, n})
	}
	slices.SortFunc(p.Skipped, func(a, b htmlReason) int {
		return cmp.Or(cmp.Compare(b.Checks, a.Checks), strings.Compare(a.Reason, b.Reason))
	})

	var f htmlFilters
	for _, c := range checks {
		f.Areas = addOnce(f.Areas, areaOf(c))
		if c.Version != "" {
			f.Versions = addOnce(f.Versions, c.Version)
		}
		if c.KX != "" {
			f.KX = addOnce(f.KX, c.KX)
		}
		if c.Level != "" {
			f.Levels = addOnce(f.Levels, c.Level)
		}
	}
	slices.Sort(f.Versions)
	slices.Sort(f.Levels)
	f.KX = kxOrder(r.Profile.KX, f.KX)
	p.Filters = f
	return p
}

// newHTMLMatrix counts checks by area and context. Columns come in version
// order, the key exchanges of a version in the profile's order; checks
// without a version or key exchange get the column "—".
func newHTMLMatrix(r *Report, checks []Check) htmlMatrix {
	type col struct{ v, kx string }
	var cols []col
	for _, c := range checks {
		cl := col{c.Version, c.KX}
		if !slices.Contains(cols, cl) {
			cols = append(cols, cl)
		}
	}
	kxRank := func(kx string) int {
		if i := slices.Index(r.Profile.KX, kx); i >= 0 {
			return i
		}
		return len(r.Profile.KX)
	}
	slices.SortFunc(cols, func(a, b col) int {
		// The context-free column goes last.
		ea, eb := a.v == "" && a.kx == "", b.v == "" && b.kx == ""
		return cmp.Or(boolRank(ea, eb), cmp.Compare(a.v, b.v), cmp.Compare(kxRank(a.kx), kxRank(b.kx)), strings.Compare(a.kx, b.kx))
	})
	var m htmlMatrix
	index := map[col]int{}
	for i, c := range cols {
		index[c] = i
		v := ""
		if c.v != "" {
			v = versionNames([]string{c.v})[0]
		}
		name := strings.TrimSpace(v + " " + c.kx)
		if name == "" {
			name = "—"
		}
		m.Columns = append(m.Columns, htmlColumn{Name: name, Version: v, KX: c.kx})
	}
	rows := map[string]*htmlRow{}
	var areas []string
	m.Total = htmlRow{Area: "Total", Cells: make([]htmlCell, len(cols))}
	for i, c := range cols {
		m.Total.Cells[i] = htmlCell{Version: orNone(c.v), KX: orNone(c.kx)}
	}
	for _, c := range checks {
		a := areaOf(c)
		row, ok := rows[a]
		if !ok {
			row = &htmlRow{Area: a, Cells: make([]htmlCell, len(cols)), Sum: htmlCell{Area: a}}
			for i, cl := range cols {
				row.Cells[i] = htmlCell{Area: a, Version: orNone(cl.v), KX: orNone(cl.kx)}
			}
			rows[a] = row
			areas = append(areas, a)
		}
		i := index[col{c.Version, c.KX}]
		row.Cells[i].add(c)
		row.Sum.add(c)
		m.Total.Cells[i].add(c)
		m.Total.Sum.add(c)
	}
	slices.Sort(areas)
	for _, a := range areas {
		m.Rows = append(m.Rows, *rows[a])
	}
	return m
}

// orNone is the filters' value for a check without a version (or key
// exchange): "-". In a cell, "" selects every value.
func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// kxOrder sorts kxs in the profile's order, those it does not name after
// in alphabetical order.
func kxOrder(profile, kxs []string) []string {
	out := slices.Clone(kxs)
	slices.SortFunc(out, func(a, b string) int {
		ia, ib := slices.Index(profile, a), slices.Index(profile, b)
		if ia < 0 {
			ia = len(profile)
		}
		if ib < 0 {
			ib = len(profile)
		}
		return cmp.Or(cmp.Compare(ia, ib), strings.Compare(a, b))
	})
	return out
}

// statusClass is the CSS class and filter value of a status: an expected
// deviation is "expected", whatever it deviated with.
func statusClass(s Status, expected bool) string {
	if expected {
		return "expected"
	}
	return string(verdict(s))
}

// causeLabel is the verdict word of a cause, as label's of its checks.
func causeLabel(c Cause, strict bool) string {
	if c.Expected {
		return "EXPECTED " + strings.ToUpper(string(c.Status))
	}
	return label(Check{Status: c.Status}, strict)
}

// checkLabel is label, or "EXPECTED FAIL" for an expected deviation.
func checkLabel(c Check, strict bool) string {
	if c.IsExpected() {
		return "EXPECTED " + strings.ToUpper(string(c.Status))
	}
	return label(c, strict)
}

// The page's data: what the script draws, compressed. Field names are
// short because there are thousands of records; the script (report.js)
// reads them.
type (
	htmlData struct {
		Checks []htmlCheck  `json:"checks"` // non-passing, in the order shown
		Pass   []htmlPassed `json:"pass"`
		// Causes are the root causes in the page's order, each the
		// indexes of its checks in Checks.
		Causes [][]int `json:"causes"`
		// Blobs are the lengths of the distinct byte strings (records and
		// plaintexts) that follow the JSON in the payload, in order.
		Blobs []int `json:"blobs"`
	}
	htmlCheck struct {
		ID        string       `json:"id"`
		Title     string       `json:"title"`
		Area      string       `json:"area"`
		Version   string       `json:"v,omitempty"`
		KX        string       `json:"kx,omitempty"`
		Level     string       `json:"level,omitempty"`
		RFC       string       `json:"rfc,omitempty"`
		Rule      string       `json:"rule,omitempty"`
		Status    string       `json:"st"`    // fail, warn, inconclusive or expected
		Label     string       `json:"label"` // "FAIL", "EXPECTED WARN"
		Wanted    string       `json:"want,omitempty"`
		Observed  string       `json:"obs,omitempty"`
		Reason    string       `json:"why,omitempty"`
		Ms        float64      `json:"ms"`
		Mutator   string       `json:"mut,omitempty"`
		Change    *Change      `json:"chg,omitempty"`
		Deviation *Deviation   `json:"dev,omitempty"`
		Source    string       `json:"src,omitempty"`
		SameAs    string       `json:"same,omitempty"`
		Convs     []htmlConv   `json:"convs,omitempty"`
		Events    []htmlRecord `json:"ev,omitempty"`
	}
	htmlConv struct {
		Label string `json:"label"`
		Start string `json:"start,omitempty"` // "21:48:26.266 UTC"
	}
	// htmlRecord is one Event: [conv, dir ("c" or "s"), ms, type, summary,
	// raw blob (-1: none), plaintext blob (-1: none), encrypted (0 or 1)].
	htmlRecord [8]any
	htmlPassed [7]any // id, title, area, version, kx, level, ms
)

// htmlPayload is base64(gzip(4-byte big-endian JSON length, JSON, blobs)).
func htmlPayload(r *Report, causes []Cause) (string, error) {
	d := htmlData{Checks: []htmlCheck{}, Pass: []htmlPassed{}, Causes: [][]int{}, Blobs: []int{}}
	var blob bytes.Buffer
	blobs := map[string]int{}
	intern := func(hexText string) int {
		if hexText == "" {
			return -1
		}
		if i, ok := blobs[hexText]; ok {
			return i
		}
		b, err := hex.DecodeString(hexText)
		if err != nil {
			// Not hex: keep what can be shown rather than nothing.
			b = []byte(hexText)
		}
		i := len(d.Blobs)
		blobs[hexText] = i
		d.Blobs = append(d.Blobs, len(b))
		blob.Write(b)
		return i
	}
	index := map[string]int{} // check id → its place in d.Checks
	checks := sortedChecks(r)
	slices.SortStableFunc(checks, func(a, b Check) int {
		return cmp.Compare(findingRank(a), findingRank(b))
	})
	for _, c := range checks {
		switch verdict(c.Status) {
		case Pass:
			d.Pass = append(d.Pass, htmlPassed{c.ID, c.Title, areaOf(c), c.Version, c.KX, c.Level, c.Millis})
			continue
		case Skip:
			continue
		}
		hc := htmlCheck{
			ID: c.ID, Title: c.Title, Area: areaOf(c), Version: c.Version, KX: c.KX, Level: c.Level,
			RFC: c.RFC, Rule: c.Rule, Status: statusClass(c.Status, c.IsExpected()), Label: checkLabel(c, r.Strict),
			Wanted: c.Expected, Observed: c.Observed, Reason: c.Reason, Ms: c.Millis,
			Mutator: c.Mutator, Change: c.Change, Deviation: c.Deviation, Source: c.Source, SameAs: c.SameAs,
		}
		nconv := len(c.Conversations)
		for _, e := range c.Transcript {
			nconv = max(nconv, e.Conv+1)
		}
		for i := range nconv {
			var cv Conversation
			if i < len(c.Conversations) {
				cv = c.Conversations[i]
			}
			l := cv.Label
			if l == "" && nconv > 1 {
				l = fmt.Sprintf("conversation %d of %d", i+1, nconv)
			}
			hc.Convs = append(hc.Convs, htmlConv{Label: l, Start: startText(cv.Start)})
		}
		prevMs := map[int]float64{} // a timeout's wait, per conversation
		for _, e := range c.Transcript {
			dir := "s"
			if strings.EqualFold(strings.TrimSpace(e.Dir), "client") {
				dir = "c"
			}
			enc := 0
			if e.Encrypted {
				enc = 1
			}
			hc.Events = append(hc.Events, htmlRecord{e.Conv, dir, e.Ms, e.Type, htmlEventText(e, prevMs[e.Conv]), intern(e.Raw), intern(e.Plaintext), enc})
			prevMs[e.Conv] = e.Ms
		}
		index[c.ID] = len(d.Checks)
		d.Checks = append(d.Checks, hc)
	}
	for _, cs := range causes {
		idx := make([]int, 0, len(cs.Checks))
		for _, id := range cs.Checks {
			if i, ok := index[id]; ok {
				idx = append(idx, i)
			}
		}
		d.Causes = append(d.Causes, idx)
	}
	js, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("reports: html: %w", err)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression) // a valid level: no error
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(js)))
	for _, part := range [][]byte{n[:], js, blob.Bytes()} {
		if _, err := zw.Write(part); err != nil {
			return "", fmt.Errorf("reports: html: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("reports: html: %w", err)
	}
	return base64.StdEncoding.EncodeToString(z.Bytes()), nil
}

// findingRank orders the non-passing checks as summary.md does: failures,
// inconclusive checks, warnings, then the expected deviations.
func findingRank(c Check) int {
	if c.IsExpected() {
		return 3
	}
	return statusRank(verdict(c.Status))
}

// helloRetryRandom is the ServerHello random that makes it a
// HelloRetryRequest (RFC 8446 §4.1.3), in hex.
const helloRetryRandom = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"

// htmlEventText is the record's line in a ladder, as in summary.md's, with
// a HelloRetryRequest called by its name: it is a ServerHello on the wire.
func htmlEventText(e Event, prevMs float64) string {
	s := eventText(e, prevMs)
	p := strings.ToLower(e.Payload())
	// type (1) length (3) legacy_version (2), then the random.
	if strings.HasPrefix(s, "ServerHello") && !strings.HasPrefix(s, "ServerHelloDone") && len(p) >= 76 && p[:2] == "02" && p[12:76] == helloRetryRandom {
		s = "HelloRetryRequest" + strings.TrimPrefix(s, "ServerHello")
	}
	return s
}

func startText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("15:04:05.000 UTC")
}
