//go:build unix

package reports

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The browser test opens report.html in headless Chromium, as a person
// would open the file a CI run attached, and reads the page back as the
// script left it (--dump-dom after the script's promises settle, which
// --virtual-time-budget waits for). It fails on a script error (the
// page's guard script writes every error, rejected promise and policy
// violation into a #script-errors element, and the console's "Uncaught"
// lines are on stderr), on a page the script did not finish (no
// data-rendered="ok"), and on a missing section.

// chromiumTimeout bounds one browser run: a hung browser fails the test,
// it does not hang it.
const chromiumTimeout = 90 * time.Second

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install -y chromium; .ci/run installs it): report.html not rendered in a browser")
	return ""
}

// renderInChromium opens file#fragment and returns the page's DOM after
// its script ran, and Chromium's log.
func renderInChromium(t *testing.T, browser, file, fragment string, scripts bool) (dom, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), chromiumTimeout)
	defer cancel()
	args := []string{
		"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		// Nothing may leave the machine, whatever the page asked for.
		"--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
		"--user-data-dir=" + t.TempDir(),
		"--virtual-time-budget=20000",
		"--enable-logging=stderr", "--v=0",
	}
	if !scripts {
		args = append(args, "--blink-settings=scriptEnabled=false")
	}
	url := "file://" + file
	if fragment != "" {
		url += "#" + fragment
	}
	args = append(args, "--dump-dom", url)
	cmd := exec.CommandContext(ctx, browser, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	// Chromium starts helper processes: on a deadline all of them go.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("chromium did not render %s within %v\nstderr:\n%s", url, chromiumTimeout, tail(errb.String(), 3000))
	}
	if err != nil {
		t.Fatalf("chromium on %s: %v\nstderr:\n%s", url, err, tail(errb.String(), 3000))
	}
	if out.Len() == 0 {
		t.Fatalf("chromium dumped no DOM for %s\nstderr:\n%s", url, tail(errb.String(), 3000))
	}
	return out.String(), errb.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// scriptErrors is what the page or the console says went wrong.
func scriptErrors(dom, log string) []string {
	var errs []string
	if m := regexp.MustCompile(`(?s)<div id="script-errors".*?</div>`).FindString(dom); m != "" {
		errs = append(errs, m)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "Uncaught") || strings.Contains(line, "Refused to") {
			errs = append(errs, line)
		}
	}
	return errs
}

func TestHTMLInChromium(t *testing.T) {
	browser := chromium(t)
	r := htmlSampleReport()
	file := filepath.Join(t.TempDir(), HTMLFile)
	if err := WriteHTML(file, r); err != nil {
		t.Fatal(err)
	}
	nonPassing := 0
	for _, c := range r.Checks {
		if v := verdict(c.Status); v != Pass && v != Skip {
			nonPassing++
		}
	}
	requireAll := func(t *testing.T, dom string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(dom, w) {
				t.Errorf("the rendered page lacks %q", w)
			}
		}
	}
	// Whatever the view, the target's strings stay text.
	safe := func(t *testing.T, dom string) {
		t.Helper()
		if strings.Contains(dom, "<img") || strings.Contains(dom, "<title>pwned</title>") {
			t.Error("a string from the target became markup")
		}
	}

	t.Run("default", func(t *testing.T) {
		dom, log := renderInChromium(t, browser, file, "", true)
		if errs := scriptErrors(dom, log); len(errs) > 0 {
			t.Fatalf("script errors:\n%s", strings.Join(errs, "\n"))
		}
		if !strings.Contains(dom, `data-rendered="ok"`) {
			t.Fatalf("the script did not finish drawing the page\nstderr:\n%s", tail(log, 3000))
		}
		requireAll(t, dom,
			`id="verdict"`, `id="profile"`, `id="matrix"`, `id="causes"`, `id="findings"`, `id="passing"`,
			`<form id="filters" class="filters">`, // shown once the script runs
			"showing 6 of 6 non-passing checks",
			`<details class="rec c"`, `<details class="rec s"`, // a record's expander
			"HelloRetryRequest", "variant: the ciphertext above the modulus",
			"0033000400020017", // the change's bytes before
			"&lt;/script&gt;&lt;img src=x onerror=",
		)
		if n := strings.Count(dom, `<details class="finding `); n != nonPassing {
			t.Errorf("%d non-passing checks drawn, want %d", n, nonPassing)
		}
		// Every root cause's text ladder became its representative's records.
		if strings.Contains(dom, `class="ladder-text"`) {
			t.Error("a root cause kept its text ladder")
		}
		safe(t, dom)
	})

	t.Run("expand-all", func(t *testing.T) {
		dom, log := renderInChromium(t, browser, file, "expand-all", true)
		if errs := scriptErrors(dom, log); len(errs) > 0 {
			t.Fatalf("script errors:\n%s", strings.Join(errs, "\n"))
		}
		if !strings.Contains(dom, `data-rendered="ok"`) {
			t.Fatalf("the script did not finish drawing the page\nstderr:\n%s", tail(log, 3000))
		}
		requireAll(t, dom,
			`class="recbody"`,
			"0000  16 03 03 00 ", // a hex dump
			"Decrypted content, 36 bytes (handshake)",
			"offset 0x0000: Finished (type 20), 32 bytes",
			"offset 0x0000: EncryptedExtensions (type 8), 2 bytes",
			"HelloRetryRequest (a ServerHello with the RFC 8446 §4.1.3 random)",
			"Encrypted: no key the suite held opened this record.",
			"level fatal (2), illegal_parameter (47)",
			"Recipients of Finished messages MUST verify",
			"Expected deviation", "crypto/tls answers with illegal_parameter",
			"Mutator: ", "client_hello/session_id/33-bytes",
			"baseline/tls13/ecdhe/handshake-completes", // the passing table
			`href="#f-0"`, // a root cause's check ids
		)
		safe(t, dom)
	})

	t.Run("filtered", func(t *testing.T) {
		dom, log := renderInChromium(t, browser, file, "filter:status=warn&version=1.2", true)
		if errs := scriptErrors(dom, log); len(errs) > 0 {
			t.Fatalf("script errors:\n%s", strings.Join(errs, "\n"))
		}
		requireAll(t, dom, "showing 2 of 6 non-passing checks")
		hidden := regexp.MustCompile(`<details class="finding st-(\w+)"[^>]*?( hidden="")?>`).FindAllStringSubmatch(dom, -1)
		if len(hidden) != nonPassing {
			t.Fatalf("%d checks drawn, want %d", len(hidden), nonPassing)
		}
		for _, m := range hidden {
			if shown := m[2] == ""; shown != (m[1] == "warn") {
				t.Errorf("a %s check is shown=%v with only warnings selected", m[1], shown)
			}
		}
	})

	// Without its scripts the page still reads: what is HTML is there.
	// (Chromium's --dump-dom needs scripts on, so the page's own are
	// taken out instead.)
	t.Run("no-script", func(t *testing.T) {
		page, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		bare := regexp.MustCompile(`(?s)<script>.*?</script>`).ReplaceAll(page, nil)
		noJS := filepath.Join(t.TempDir(), "no-script.html")
		if err := os.WriteFile(noJS, bare, 0o644); err != nil {
			t.Fatal(err)
		}
		dom, _ := renderInChromium(t, browser, noJS, "", true)
		requireAll(t, dom, `id="verdict"`, `id="profile"`, `id="matrix"`, `id="causes"`, `class="ladder-text"`,
			"Recipients of Finished messages MUST verify", "client-key-exchange/tls12/rsa/rsa/ciphertext-above-modulus")
		if strings.Contains(dom, `data-rendered="ok"`) {
			t.Error("the page was drawn without its script")
		}
		safe(t, dom)
	})
}
