package suite

import (
	"fmt"
	"strings"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// maxChangeBytes is how much of a change's bytes the reports keep.
const maxChangeBytes = 32

// changeOf is what the check changed in what it sent: the first edit of
// its first conversation that made one, reduced to the bytes that differ,
// with the path of the innermost field that holds them when the message
// before the change parses ("client_hello.extensions[3].key_share...").
// A change that adds or removes bytes also rewrites the lengths that
// enclose it; those are passed over, so that the change shown is the
// field itself.
func changeOf(v peers.Change, ctx wire.Context) *reports.Change {
	b, a := v.Before, v.After
	first := 0
	for first < len(b) && first < len(a) && b[first] == a[first] {
		first++
	}
	if first == len(b) && len(a) > len(b) && len(a)-len(b) >= 4 {
		// Whole messages appended to what was sent: name the first.
		return &reports.Change{Message: wire.HandshakeType(a[first]).String(), After: clipHex(a[first:])}
	}
	// The message of b that holds the first difference.
	off, end := 0, len(b)
	for o := 0; o+4 <= len(b); {
		e := o + 4 + (int(b[o+1])<<16 | int(b[o+2])<<8 | int(b[o+3]))
		if e > len(b) {
			break
		}
		if first < e {
			off, end = o, e
			break
		}
		o = e
	}
	ch := &reports.Change{Message: v.Step}
	var lay wire.Layout
	if end-off >= 4 {
		ch.Message = wire.HandshakeType(b[off]).String()
		if _, l, err := wire.ParseLayout(b[off:end], ctx); err == nil {
			lay = l
		}
	}
	resized := len(a) != len(b)
	p := first
	floor := first // a slide goes no further left than the change's start
	for p < len(b) && p < len(a) {
		switch {
		case b[p] == a[p]:
			p++
			continue
		case resized && skipLength(lay, p-off, &p, off):
			floor = p
			continue
		}
		break
	}
	p = min(p, len(b), len(a))
	s := 0
	for s < len(b)-p && s < len(a)-p && b[len(b)-1-s] == a[len(a)-1-s] {
		s++
	}
	// A pure insertion (or removal) between equal bytes can be placed in
	// several ways: take the rightmost place that is an element's
	// boundary in the message (where a list's element begins or ends),
	// else the leftmost, not one byte into the next element.
	slide := func(same func(q int) bool) {
		right := p
		for p > floor && p > off && same(p) {
			p--
		}
		for q := right; q >= p; q-- {
			if elementBoundary(lay, q-off) {
				p = q
				break
			}
		}
	}
	if k := len(a) - len(b); len(b)-s == p && k > 0 {
		slide(func(q int) bool { return a[q-1] == a[q-1+k] })
		s = len(b) - p
	} else if k < 0 && len(a)-s == p {
		slide(func(q int) bool { return b[q-1] == b[q-1-k] })
		s = len(a) - p
	}
	ch.Offset = p - off
	ch.Before, ch.After = clipHex(b[p:len(b)-s]), clipHex(a[p:len(a)-s])
	if f, ok := lay.Enclosing(p-off, min(len(b)-s, end)-off); ok {
		ch.Path = f.Path
	}
	return ch
}

// elementBoundary reports whether a list's element begins or ends at
// offset at of the message.
func elementBoundary(lay wire.Layout, at int) bool {
	for _, f := range lay {
		if strings.HasSuffix(f.Path, "]") && (f.Start == at || f.End == at) {
			return true
		}
	}
	return false
}

// skipLength moves *p past the length field of lay that holds offset at
// (relative to the message at base), reporting whether there was one.
func skipLength(lay wire.Layout, at int, p *int, base int) bool {
	for _, f := range lay {
		if f.Length && f.Start <= at && at < f.End {
			*p = base + f.End
			return true
		}
	}
	return false
}

// clipHex is b in hex, at most maxChangeBytes of it.
func clipHex(b []byte) string {
	if len(b) > maxChangeBytes {
		return fmt.Sprintf("%x…(%d bytes)", b[:maxChangeBytes], len(b))
	}
	return fmt.Sprintf("%x", b)
}

// checkChange is what the check's conversations changed, nil when
// none made an edit.
func checkChange(c checks.Context, convs []*peers.Conversation) *reports.Change {
	for _, cv := range convs {
		if chs := cv.Changes(); len(chs) > 0 {
			form := wire.KXECDHE
			if c.KX == checks.KXRSA {
				form = wire.KXRSA
			}
			return changeOf(chs[0], wire.Context{Version: c.Version, KeyExchange: form})
		}
	}
	return nil
}
