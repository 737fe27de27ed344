package reports

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// hostile is what a target may put in anything the report shows (an
// alert it names, a server name, a summary of its bytes): it must stay
// text.
const hostile = `</script><img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`

// Record builders for realistic transcripts: rec frames a payload as a
// TLS record, hs as a handshake message.
func htmlRec(ct byte, payload []byte) string {
	b := []byte{ct, 3, 3, byte(len(payload) >> 8), byte(len(payload))}
	return hex.EncodeToString(append(b, payload...))
}

func hs(t byte, body []byte) []byte {
	return append([]byte{t, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

func fill(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func clientHello(seed byte) string {
	body := append([]byte{3, 3}, fill(32, seed)...)
	body = append(body, 0, 0, 2, 0x13, 0x01, 1, 0, 0, 0)
	return htmlRec(22, hs(1, body))
}

func serverHello(random []byte) string {
	body := append([]byte{3, 3}, random...)
	body = append(body, 0, 0x13, 0x01, 0, 0, 0)
	return htmlRec(22, hs(2, body))
}

// certificate is the same in every conversation, as a real target's is.
var certificate = htmlRec(22, hs(11, fill(1200, 0x30)))

func tls12Conversation(conv int, alert string) []Event {
	return []Event{
		{Conv: conv, Dir: "client", Ms: 0.1, Type: "handshake", Summary: "ClientHello", Raw: clientHello(byte(conv))},
		{Conv: conv, Dir: "server", Ms: 0.3, Type: "handshake", Summary: "ServerHello", Raw: serverHello(fill(32, 9))},
		{Conv: conv, Dir: "server", Ms: 0.4, Type: "handshake", Summary: "Certificate", Raw: certificate},
		{Conv: conv, Dir: "server", Ms: 0.4, Type: "handshake", Summary: "ServerHelloDone", Raw: htmlRec(22, hs(14, nil))},
		{Conv: conv, Dir: "client", Ms: 0.6, Type: "handshake", Summary: "ClientKeyExchange", Raw: htmlRec(22, hs(16, fill(258, byte(conv))))},
		{Conv: conv, Dir: "client", Ms: 0.6, Type: "change_cipher_spec", Summary: "ChangeCipherSpec", Raw: htmlRec(20, []byte{1})},
		{Conv: conv, Dir: "client", Ms: 0.7, Type: "handshake", Summary: "Finished", Raw: htmlRec(22, fill(40, byte(conv))), Encrypted: true,
			Plaintext: hex.EncodeToString(hs(20, fill(12, 3)))},
		{Conv: conv, Dir: "server", Ms: 1.4, Type: "alert", Summary: "fatal " + alert, Raw: htmlRec(21, []byte{2, 20})},
		{Conv: conv, Dir: "server", Ms: 1.5, Type: "closed", Summary: "closed"},
	}
}

// htmlSampleReport is a run with one of everything report.html shows:
// an unexpected failure with its change and encrypted records, an expected
// deviation with two conversations, a warning with a mutator only, an
// inconclusive check that timed out, a HelloRetryRequest, a stale entry,
// strings from a hostile target, passing and skipped checks.
func htmlSampleReport() *Report {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	hrr, _ := hex.DecodeString(helloRetryRandom)
	return &Report{
		Target: "evil.example:443 " + hostile,
		Profile: Profile{
			Versions: []string{"1.2", "1.3"}, KX: []string{"rsa", "ecdhe_rsa", "ecdhe"},
			Groups: []string{"x25519"}, Suites: []string{"TLS_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"},
			Notes: []string{"note " + hostile}, Problems: []string{"answers TLS 1.0 with TLS 1.2"},
		},
		Seed: 7, Started: start, Elapsed: 3.2,
		Expectations: "sample.expect.json", ExpectationsFile: "suite/sample.expect.json",
		Stale: []Deviation{{ID: "finished/*/gone", Status: Fail, Reason: "fixed upstream", Observed: "passed: finished/tls12/rsa/gone"}},
		Checks: []Check{
			{ID: "finished/tls13/ecdhe/flip-bit-3", Area: "finished", Mutator: "finished/flip-bit-3", RFC: "RFC 8446 §4.4.4", Level: "MUST",
				Rule:  `RFC 8446 §4.4.4: "Recipients of Finished messages MUST verify that the contents are correct and if incorrect MUST terminate the connection with a "decrypt_error" alert."`,
				Title: "rejects a Finished with bit 3 flipped, with decrypt_error", Version: "1.3", KX: "ecdhe", Status: Fail,
				Expected: "the handshake stops, with decrypt_error", Observed: "the handshake completed", Millis: 2.5,
				Change:        &Change{Message: "Finished", Path: "verify_data", Offset: 4, Before: "a1", After: "a9"},
				Conversations: []Conversation{{Start: start}},
				Transcript: []Event{
					{Dir: "client", Ms: 0.1, Type: "handshake", Summary: "ClientHello", Raw: clientHello(1)},
					{Dir: "server", Ms: 0.5, Type: "handshake", Summary: "ServerHello", Raw: serverHello(fill(32, 5))},
					{Dir: "server", Ms: 0.6, Type: "handshake", Summary: "EncryptedExtensions, Certificate", Raw: htmlRec(23, fill(60, 1)), Encrypted: true,
						Plaintext: hex.EncodeToString(append(hs(8, []byte{0, 0}), hs(11, fill(20, 2))...))},
					{Dir: "server", Ms: 0.7, Type: "application_data", Summary: "undecryptable", Raw: htmlRec(23, fill(30, 4)), Encrypted: true},
					{Dir: "client", Ms: 0.9, Type: "handshake", Summary: "Finished (bit 3 flipped)", Raw: htmlRec(23, fill(53, 8)), Encrypted: true,
						Plaintext: hex.EncodeToString(hs(20, fill(32, 6)))},
					{Dir: "server", Ms: 1.1, Type: "handshake", Summary: "NewSessionTicket", Raw: htmlRec(23, fill(90, 3)), Encrypted: true,
						Plaintext: hex.EncodeToString(hs(4, fill(60, 1)))},
				}},
			{ID: "client-key-exchange/tls12/rsa/rsa/ciphertext-above-modulus", Area: "client-key-exchange", Mutator: "client_key_exchange/rsa/ciphertext-above-modulus",
				RFC: "RFC 5246 §7.4.7.1", Level: "MUST", Rule: `RFC 5246 §7.4.7.1: "a TLS server MUST NOT generate an alert if processing an RSA-encrypted premaster secret message fails"`,
				Title: "answers a pre-master secret above the modulus as a good one with a wrong Finished", Version: "1.2", KX: "rsa", Status: Fail,
				Expected: "fatal bad_record_mac alert, then closed", Observed: "fatal illegal_parameter alert, then closed", Millis: 3.1,
				Deviation:     &Deviation{ID: "client-key-exchange/*/rsa/rsa/ciphertext-above-modulus", Status: Fail, Reason: "crypto/tls answers with illegal_parameter; public, not an oracle"},
				Conversations: []Conversation{{Label: "baseline: a good pre-master secret, a wrong Finished", Start: start}, {Label: "variant: the ciphertext above the modulus", Start: start.Add(2 * time.Millisecond)}},
				Transcript:    append(tls12Conversation(0, "bad_record_mac"), tls12Conversation(1, "illegal_parameter")...)},
			{ID: "client-hello/tls12/rsa/session_id/33-bytes", Area: "client-hello", Mutator: "client_hello/session_id/33-bytes",
				RFC: "RFC 5246 §7.4.1.2", Level: "SHOULD", Title: "rejects a 33-byte session_id, with decode_error", Version: "1.2", KX: "rsa", Status: Warn,
				Expected: "the handshake stops, with decode_error", Observed: "fatal illegal_parameter alert (at ExpectRejection)",
				Reason: "the handshake stopped, but with illegal_parameter where the RFC names decode_error", Millis: 0.4,
				Transcript: []Event{
					{Dir: "client", Ms: 0.1, Type: "handshake", Summary: "ClientHello", Raw: clientHello(33)},
					{Dir: "server", Ms: 0.2, Type: "alert", Summary: "fatal illegal_parameter", Raw: htmlRec(21, []byte{2, 47})},
					{Dir: "server", Ms: 0.2, Type: "closed"},
				}},
			{ID: "message-order/tls12/ecdhe_rsa/ccs-before-cke", Area: "message-order", RFC: "RFC 5246 §7.4", Level: "MUST",
				Title: "rejects a ChangeCipherSpec before the ClientKeyExchange", Version: "1.2", KX: "ecdhe_rsa", Status: Inconclusive,
				Expected: "unexpected_message", Observed: "timeout", Reason: "silence proves nothing: the target may wait for bytes", Millis: 2001,
				Transcript: []Event{
					{Dir: "client", Ms: 0, Type: "handshake", Summary: "ClientHello", Raw: clientHello(4)},
					{Dir: "server", Ms: 0.9, Type: "handshake", Summary: "ServerHello", Raw: serverHello(fill(32, 11))},
					{Dir: "client", Ms: 1.0, Type: "change_cipher_spec", Summary: "ChangeCipherSpec", Raw: htmlRec(20, []byte{1})},
					{Dir: "server", Ms: 2001, Type: "timeout"},
				}},
			{ID: "client-hello/tls13/ecdhe/extensions/missing/key_share", Area: "client-hello", Mutator: "client_hello/extensions/missing/key_share",
				RFC: "RFC 8446 §9.2", Level: "MUST", Title: "rejects a ClientHello without key_share, with missing_extension", Version: "1.3", KX: "ecdhe", Status: Fail,
				Expected: "the handshake stops, with missing_extension", Observed: "target went on: sent ServerHello", Millis: 0.8,
				Change: &Change{Message: "ClientHello", Path: "extensions.key_share", Offset: 90, Before: "0033000400020017"},
				Transcript: []Event{
					{Dir: "client", Ms: 0.1, Type: "handshake", Summary: "ClientHello", Raw: clientHello(5)},
					{Dir: "server", Ms: 0.2, Type: "handshake", Summary: "ServerHello", Raw: serverHello(hrr)},
					{Dir: "server", Ms: 0.3, Type: "reset"},
				}},
			{ID: "record-layer/tls12/rsa/hostile", Area: "record-layer", RFC: "RFC 5246 §6.2.1 " + hostile, Level: "SHOULD",
				Rule: "rule " + hostile, Title: "title " + hostile, Version: "1.2", KX: "rsa", Status: Warn,
				Expected: "expected " + hostile, Observed: "observed " + hostile, Reason: "reason " + hostile, Millis: 0.3,
				Transcript: []Event{
					{Dir: "client", Ms: 0.1, Type: "handshake", Summary: "ClientHello", Raw: clientHello(6)},
					{Dir: "server", Ms: 0.2, Type: "alert", Summary: hostile, Raw: htmlRec(21, []byte{2, 10})},
				}},
			{ID: "baseline/tls12/rsa/handshake-completes", Area: "baseline", RFC: "RFC 5246 §7.3", Level: "MUST", Title: "completes a handshake",
				Version: "1.2", KX: "rsa", Status: Pass, Millis: 1.2, Transcript: tls12Conversation(0, "close_notify")},
			{ID: "baseline/tls13/ecdhe/handshake-completes", Area: "baseline", RFC: "RFC 8446 §2", Level: "MUST", Title: "completes a handshake",
				Version: "1.3", KX: "ecdhe", Status: Pass, Millis: 1.0},
			{ID: "version-negotiation/probe", Area: "version-negotiation", RFC: "RFC 8446 §4.2.1", Level: "MUST", Title: "answers every version it claims",
				Status: Pass, Millis: 4.0},
			{ID: "resumption/tls12/ecdhe_rsa/ticket", Area: "resumption", RFC: "RFC 5077 §3.1", Level: "MUST", Title: "resumes with a ticket",
				Version: "1.2", KX: "ecdhe_rsa", Status: Skip, Reason: "target issues no tickets"},
			{ID: "renegotiation/tls12/rsa/no-extension", Area: "renegotiation", RFC: "RFC 5746 §3.6", Level: "MUST", Title: "renegotiation_info",
				Version: "1.2", KX: "rsa", Status: Skip, Reason: "target issues no tickets"},
		},
	}
}

// decodeHTMLPayload undoes htmlPayload: the JSON and the blobs.
func decodeHTMLPayload(t *testing.T, page []byte) (htmlDataOut, [][]byte) {
	t.Helper()
	m := regexp.MustCompile(`<script type="application/x-tlsconform\+gzip\+base64" id="tlsconform-data">([^<]*)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no data script in the page")
	}
	z, err := base64.StdEncoding.DecodeString(string(m[1]))
	if err != nil {
		t.Fatalf("payload is not base64: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.BigEndian.Uint32(raw)
	var d htmlDataOut
	if err := json.Unmarshal(raw[4:4+n], &d); err != nil {
		t.Fatal(err)
	}
	rest := raw[4+n:]
	var blobs [][]byte
	for _, l := range d.Blobs {
		if l > len(rest) {
			t.Fatalf("blob of %d bytes, %d left", l, len(rest))
		}
		blobs = append(blobs, rest[:l])
		rest = rest[l:]
	}
	if len(rest) != 0 {
		t.Errorf("%d bytes after the last blob", len(rest))
	}
	return d, blobs
}

// htmlDataOut reads htmlData back, records as plain JSON values.
type htmlDataOut struct {
	Checks []struct {
		ID       string          `json:"id"`
		Title    string          `json:"title"`
		Status   string          `json:"st"`
		Label    string          `json:"label"`
		Observed string          `json:"obs"`
		Change   *Change         `json:"chg"`
		Convs    []htmlConv      `json:"convs"`
		Events   [][]any         `json:"ev"`
		Rest     json.RawMessage `json:"-"`
	} `json:"checks"`
	Pass   [][]any `json:"pass"`
	Causes [][]int `json:"causes"`
	Blobs  []int   `json:"blobs"`
}

func TestHTMLSections(t *testing.T) {
	r := htmlSampleReport()
	page, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	_, _, total := CountByArea(r)
	for _, want := range []string{
		`id="verdict"`, `id="profile"`, `id="filters"`, `id="matrix"`, `id="causes"`, `id="findings"`, `id="passing"`, `id="skipped"`,
		`<span class="badge big v-FAIL">FAIL</span>`,
		"Result: " + htmlEscape(resultText(r, total)),
		htmlEscape(CausesLine(RootCauses(r))),
		`id="stale"`, "finished/*/gone",
		// Columns: a version and a key exchange on two lines, and "—".
		`<th title="TLS 1.2 rsa">TLS 1.2<br>rsa</th>`, `<th title="TLS 1.3 ecdhe">TLS 1.3<br>ecdhe</th>`, `<th title="—">—</th>`,
		`<span class="n expected" title="expected deviation">1</span>`,
		// A root cause: its rule, what the target did, its representative's ladder in text.
		"Recipients of Finished messages MUST verify", "the handshake completed", `class="ladder-text"`,
		"target issues no tickets",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	d, _ := decodeHTMLPayload(t, page)
	var ids []string
	for _, c := range d.Checks {
		ids = append(ids, c.ID+" "+c.Label)
	}
	// Failures first, then inconclusive, warnings and expected deviations.
	want := []string{
		"client-hello/tls13/ecdhe/extensions/missing/key_share FAIL",
		"finished/tls13/ecdhe/flip-bit-3 FAIL",
		"message-order/tls12/ecdhe_rsa/ccs-before-cke INCONCLUSIVE",
		"client-hello/tls12/rsa/session_id/33-bytes WARN",
		"record-layer/tls12/rsa/hostile WARN",
		"client-key-exchange/tls12/rsa/rsa/ciphertext-above-modulus EXPECTED FAIL",
	}
	if strings.Join(ids, "\n") != strings.Join(want, "\n") {
		t.Errorf("non-passing checks:\n%s\nwant\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
	}
	if len(d.Pass) != 3 {
		t.Errorf("%d passing checks in the data, want 3", len(d.Pass))
	}
	if len(d.Causes) != len(RootCauses(r)) {
		t.Errorf("%d causes in the data, want %d", len(d.Causes), len(RootCauses(r)))
	}
	for _, c := range d.Checks {
		if c.ID == "client-key-exchange/tls12/rsa/rsa/ciphertext-above-modulus" && (len(c.Convs) != 2 || c.Convs[1].Label != "variant: the ciphertext above the modulus") {
			t.Errorf("conversations of %s: %+v", c.ID, c.Convs)
		}
		if c.ID == "client-hello/tls13/ecdhe/extensions/missing/key_share" && c.Events[1][4] != "HelloRetryRequest" {
			t.Errorf("a HelloRetryRequest reads %q", c.Events[1][4])
		}
		if c.ID == "message-order/tls12/ecdhe_rsa/ccs-before-cke" && c.Events[3][4] != "(timeout after 2000 ms)" {
			t.Errorf("the timeout reads %q", c.Events[3][4])
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

// A target's strings are data: escaped where the page shows them, and
// inside the script's data only as base64 of compressed JSON.
func TestHTMLEscapesTargetStrings(t *testing.T) {
	page, err := HTML(htmlSampleReport())
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, bad := range []string{"<img", "onerror=\"", "<script>document.title"} {
		if strings.Contains(s, bad) {
			t.Errorf("report.html holds %q unescaped", bad)
		}
	}
	// Exactly the page's own three scripts: the guard, the data, the script.
	if n := strings.Count(s, "<script"); n != 3 {
		t.Errorf("%d <script elements, want 3", n)
	}
	if n := strings.Count(s, "</script>"); n != 3 {
		t.Errorf("%d </script> end tags, want 3", n)
	}
	if !strings.Contains(s, "&lt;/script&gt;&lt;img src=x onerror=") {
		t.Error("the hostile string is not shown as escaped text")
	}
	d, _ := decodeHTMLPayload(t, page)
	found := false
	for _, c := range d.Checks {
		if c.Title == "title "+hostile && c.Observed == "observed "+hostile {
			found = true
		}
	}
	if !found {
		t.Error("the script's data does not carry the target's strings as they were")
	}
	// The script only ever sets text.
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
		if strings.Contains(htmlJS, sink) || strings.Contains(htmlGuardJS, sink) {
			t.Errorf("report.js uses %s", sink)
		}
	}
}

// One file, nothing fetched: no URL in what the page is made of, and a
// policy that allows no fetch and only the page's own scripts.
func TestHTMLSelfContained(t *testing.T) {
	for name, text := range map[string]string{"template": htmlTemplateText, "css": htmlCSS, "js": htmlJS, "guard": htmlGuardJS} {
		for _, bad := range []string{"http:", "https:", "//cdn", "url(", "@import", "<link", "src=", "fetch(", "XMLHttpRequest", "@font-face"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s holds %q", name, bad)
			}
		}
	}
	page, err := HTML(htmlSampleReport())
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no Content-Security-Policy")
	}
	csp := string(m[1])
	if !strings.HasPrefix(csp, "default-src 'none'; ") {
		t.Errorf("policy %q does not start by forbidding every fetch", csp)
	}
	// Each inline script and the style must be exactly what the policy's
	// hashes name, or the browser refuses them.
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllSubmatch(page, -1)
	styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllSubmatch(page, -1)
	if len(scripts) != 2 || len(styles) != 1 {
		t.Fatalf("%d inline scripts and %d styles, want 2 and 1", len(scripts), len(styles))
	}
	for _, b := range append(scripts, styles...) {
		sum := sha256.Sum256(b[1])
		if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, h) {
			t.Errorf("the policy lacks %s for %.40q", h, b[1])
		}
	}
}

func TestHTMLPayloadRecords(t *testing.T) {
	r := htmlSampleReport()
	page, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	d, blobs := decodeHTMLPayload(t, page)
	byID := map[string]Check{}
	for _, c := range r.Checks {
		byID[c.ID] = c
	}
	certs := 0
	for _, b := range blobs {
		if hex.EncodeToString(b) == certificate {
			certs++
		}
	}
	if certs != 1 {
		t.Errorf("the Certificate record is in the data %d times, want once", certs)
	}
	for _, c := range d.Checks {
		orig := byID[c.ID]
		if len(c.Events) != len(orig.Transcript) {
			t.Fatalf("%s: %d records, want %d", c.ID, len(c.Events), len(orig.Transcript))
		}
		for i, e := range c.Events {
			o := orig.Transcript[i]
			raw, pt := int(e[5].(float64)), int(e[6].(float64))
			if got := blobHex(blobs, raw); got != o.Raw {
				t.Errorf("%s record %d: raw %s, want %s", c.ID, i, got, o.Raw)
			}
			if got := blobHex(blobs, pt); got != o.Plaintext {
				t.Errorf("%s record %d: plaintext %s, want %s", c.ID, i, got, o.Plaintext)
			}
			if int(e[0].(float64)) != o.Conv || (e[7].(float64) == 1) != o.Encrypted {
				t.Errorf("%s record %d: conv/encrypted %v, want %d/%v", c.ID, i, e, o.Conv, o.Encrypted)
			}
		}
		if (c.Change != nil) != (orig.Change != nil) {
			t.Errorf("%s: change %v, want %v", c.ID, c.Change, orig.Change)
		}
	}
}

func blobHex(blobs [][]byte, i int) string {
	if i < 0 {
		return ""
	}
	return hex.EncodeToString(blobs[i])
}

// A run repeats its records (the target's Certificate in every
// conversation): the page holds each once, so a thousand failing checks
// cost little more than their text.
func TestHTMLSizeGrowsWithChecksNotRecords(t *testing.T) {
	r := htmlSampleReport()
	base := r.Checks[1]
	for i := range 1000 {
		c := base
		c.ID = fmt.Sprintf("client-key-exchange/tls12/rsa/rsa/variant-%d", i)
		c.Deviation = nil
		r.Checks = append(r.Checks, c)
	}
	page, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	// Each check has 18 records, 2.7 KB of them on the wire.
	if len(page) > 150_000 {
		t.Errorf("report.html is %d bytes for 1,000 checks with the same records", len(page))
	}
}

func TestHTMLDeterministicAndAtomic(t *testing.T) {
	r := htmlSampleReport()
	a, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := HTML(r)
	if !bytes.Equal(a, b) {
		t.Error("HTML is not deterministic")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", HTMLFile)
	if err := WriteHTML(path, r); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, a) {
		t.Error("WriteHTML wrote other bytes than HTML")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("report.html mode %v, want 0644", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside report.html: %v", entries)
	}
	if err := WriteHTML(path, nil); err == nil {
		t.Error("WriteHTML(nil) succeeded")
	}
}

func TestHTMLVerdicts(t *testing.T) {
	pass := &Report{Target: "t", Checks: []Check{{ID: "a/x", Area: "a", Status: Pass}}}
	incomplete := &Report{Target: "t", Incomplete: "interrupted", Checks: []Check{{ID: "a/x", Area: "a", Status: Pass}}}
	lost := &Report{Target: "t", TargetLost: "it stopped answering", Checks: []Check{{ID: "a/x", Area: "a", Status: Pass}}}
	empty := &Report{Target: "t"}
	for _, tc := range []struct {
		r    *Report
		want []string
	}{
		{pass, []string{">PASS</span>", "Result: PASS (1 passed", "None: every check that was judged passed."}},
		{incomplete, []string{">INCOMPLETE</span>", `id="incomplete"`, "interrupted"}},
		{lost, []string{">FAIL</span>", `id="target-lost"`, "it stopped answering"}},
		{empty, []string{">FAIL</span>", "Result: FAIL (no checks ran)"}},
	} {
		page, err := HTML(tc.r)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(page), w) {
				t.Errorf("report.html of %+v lacks %q", tc.r, w)
			}
		}
	}
	if _, err := HTML(nil); err == nil {
		t.Error("HTML(nil) succeeded")
	}
}
