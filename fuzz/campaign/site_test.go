package campaign

import (
	"slices"
	"strings"
	"testing"
)

// goPanic is what a Go server prints when a connection's goroutine
// panics, with the values that differ between two inputs reaching the
// same site (the index, the goroutine id, addresses, offsets).
func goPanic(index, goroutine, addr string) string {
	return `listening on 127.0.0.1:4433
handshake: EOF
panic: runtime error: slice bounds out of range [:` + index + `] with capacity 2048

goroutine ` + goroutine + ` [running]:
github.com/tlsconform/tlsconform/fuzz/campaign.keepHello({0x` + addr + `, 0x4200, 0x4800?})
	/work/wt-find/fuzz/campaign/misbehave.go:100 +0x76
github.com/tlsconform/tlsconform/fuzz/campaign.Misbehaviours.func2.1(0x1251c611a100, 0x1251c6110300, {0x` + addr + `, 0x4200, 0x4800})
	/work/wt-find/fuzz/campaign/misbehave.go:66 +0x3e
github.com/tlsconform/tlsconform/peers.(*ServerState).run(0x1251c611a100)
	/work/wt-find/peers/server.go:259 +0x224
github.com/tlsconform/tlsconform/peers.(*Conn).runHandshake(0x1251c611c200, 0x1251c6116410?)
	/work/wt-find/peers/conn.go:254 +0x27
created by github.com/tlsconform/tlsconform/peers.(*Server).Serve in goroutine 19
	/work/wt-find/peers/server.go:171 +0x152
`
}

const asanReport = `==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011 at pc 0x4c5d8e bp 0x7ffd1 sp 0x7ffd0
READ of size 1 at 0x602000000011 thread T0
    #0 0x4c5d8e in __asan_memcpy (/srv/server+0x4c5d8e)
    #1 0x4c5e00 in parse_sni /src/server.c:42:13
    #2 0x4c5f00 in handle_hello /src/server.c:80:5
    #3 0x4c6000 in main /src/server.c:120:3
    #4 0x7f0000 in __libc_start_main (/lib/x86_64-linux-gnu/libc.so.6+0x29d90)

0x602000000011 is located 0 bytes to the right of 1-byte region
allocated by thread T0 here:
    #0 0x4a0000 in malloc (/srv/server+0x4a0000)
    #1 0x4c5a00 in read_record /src/server.c:20:9

SUMMARY: AddressSanitizer: heap-buffer-overflow /src/server.c:42:13 in parse_sni
==4242==ABORTING
`

func TestSiteGoPanic(t *testing.T) {
	a, ok := siteOf(goPanic("16896", "21", "1251c6396800"))
	if !ok {
		t.Fatal("no site in a Go panic")
	}
	want := Site{Kind: "go-panic", Message: "runtime error: slice bounds out of range [:N] with capacity N",
		Frames: []string{"campaign.keepHello", "campaign.Misbehaviours.func2.1", "peers.(*ServerState).run"}}
	if a.Kind != want.Kind || a.Message != want.Message || !slices.Equal(a.Frames, want.Frames) {
		t.Errorf("site = %+v, want %+v", a, want)
	}
	b, _ := siteOf(goPanic("2100", "7", "c000012345"))
	if a.Key() != b.Key() {
		t.Errorf("one site, two keys:\n%s\n%s", a.Key(), b.Key())
	}
	// Another site: another key.
	other := strings.Replace(goPanic("2100", "7", "c0"), "campaign.keepHello(", "campaign.keepOther(", 1)
	if c, _ := siteOf(other); c.Key() == a.Key() {
		t.Errorf("two sites, one key: %s", c.Key())
	}
	// A logger's timestamps and runtime frames above the program's.
	stamped := "2026/01/02 15:04:05.123 panic: boom [recovered]\n\ngoroutine 1 [running]:\nruntime.gopanic(...)\n\t/usr/lib/go/src/runtime/panic.go:770 +0x1\npanic({0x1, 0x2})\n\t/usr/lib/go/src/runtime/panic.go:770 +0x132\nmain.parse(...)\n\t/src/main.go:12\nmain.main()\n\t/src/main.go:30 +0x1d\n"
	s, ok := siteOf(stamped)
	if !ok || s.Message != "boom" || !slices.Equal(s.Frames, []string{"main.parse", "main.main"}) {
		t.Errorf("stamped panic: %+v", s)
	}
	fatal, ok := siteOf("fatal error: concurrent map writes\n\ngoroutine 9 [running]:\nmain.store(...)\n\t/src/m.go:3 +0x2\n")
	if !ok || fatal.Kind != "go-fatal" || fatal.Key() != "go-fatal: concurrent map writes at main.store" {
		t.Errorf("fatal error: %+v", fatal)
	}
}

func TestSiteSanitizer(t *testing.T) {
	s, ok := siteOf("accepted a connection\n" + asanReport)
	if !ok {
		t.Fatal("no site in an ASan report")
	}
	if s.Message != "AddressSanitizer: heap-buffer-overflow server.c in parse_sni" || !slices.Equal(s.Frames, []string{"parse_sni", "handle_hello", "main"}) {
		t.Errorf("ASan: %+v", s)
	}
	again := strings.NewReplacer("4242", "777", "0x4c5", "0x5d6", ":42:13", ":42:14").Replace(asanReport)
	if s2, _ := siteOf(again); s2.Key() != s.Key() {
		t.Errorf("one ASan site, two keys:\n%s\n%s", s.Key(), s2.Key())
	}
	ub, ok := siteOf("/src/num.c:10:5: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'\n")
	if !ok || ub.Message != "UndefinedBehaviorSanitizer: runtime error: signed integer overflow: N + N cannot be represented in type 'int' num.c" {
		t.Errorf("UBSan: %+v", ub)
	}
	msan, ok := siteOf("==99==WARNING: MemorySanitizer: use-of-uninitialized-value\n    #0 0x1 in check_len /src/x.c:3:1\nSUMMARY: MemorySanitizer: use-of-uninitialized-value /src/x.c:3:1 in check_len\n")
	if !ok || msan.Key() != "sanitizer: MemorySanitizer: use-of-uninitialized-value x.c in check_len at check_len" {
		t.Errorf("MSan: %+v", msan)
	}
}

func TestSiteSignal(t *testing.T) {
	for out, want := range map[string]string{
		"sh: line 1:  4242 Segmentation fault      (core dumped) ./server\n":                           "signal: SIGSEGV",
		"caught SIGSEGV\n./server(crash_handler+0x10)[0x400100]\n./server(parse_sni+0x1a)[0x4005d6]\n": "signal: SIGSEGV at parse_sni",
		"worker 3 killed by signal 6\n": "signal: SIGABRT",
		"Aborted (core dumped)\n":       "signal: SIGABRT",
		"==1==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x1)\n    #0 0x1 in deref /src/a.c:1:1\nSUMMARY: AddressSanitizer: SEGV /src/a.c:1:1 in deref\n": "sanitizer: AddressSanitizer: SEGV a.c in deref at deref",
	} {
		s, ok := siteOf(out)
		if !ok || s.Key() != want {
			t.Errorf("%q: site %q (%v), want %q", out, s.Key(), ok, want)
		}
	}
	for _, out := range []string{
		"",
		"test server: campaign: simulated crash: a ClientHello with 2 key_share extensions\n",
		"ERROR\n140000:error:0A000126:SSL routines:ssl3_read_n:unexpected eof while reading\n",
		"exiting on signal 15\n",
		"handshake aborted by the peer\n",
	} {
		if s, ok := siteOf(out); ok {
			t.Errorf("%q: site %q, want none (the key falls back to the changes)", out, s.Key())
		}
	}
}
