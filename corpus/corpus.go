// Package corpus holds seed inputs taken from real TLS clients: the
// ClientHello of every client that `make corpus` could run (OpenSSL, GnuTLS,
// curl, Go, Java, Node, Python, NSS, Chromium), each with its provenance,
// and the capture that takes them again. Mutators use the templates as
// their starting messages; the conformance checks replay them as they are;
// the fuzz targets seed from them.
//
// Start with Templates (corpus.go) and OfferOf (offer.go); the capture is
// in capture.go, clients.go and write.go, behind cmd/capturehello.
//
// corpus imports only the standard library and peers/wire: never the
// engine, the mutators, Ginkgo or Gomega.
package corpus

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Dir is where the captures live, relative to the module root.
const Dir = "corpus/clienthello"

// files is corpus/clienthello, embedded so that tests and fuzzers find the
// templates from any working directory.
//
//go:embed clienthello
var files embed.FS

// Provenance says where a captured ClientHello came from: which client, run
// how, in which version, when. It is the .json beside each .bin.
type Provenance struct {
	Name          string    `json:"name"`           // file name without extension: "openssl-s_client-tls1.3"
	Client        string    `json:"client"`         // the client as a person names it: "OpenSSL s_client"
	Command       string    `json:"command"`        // the command line that was run, shell-quoted
	ClientVersion string    `json:"client_version"` // what the client said its version is
	Captured      time.Time `json:"captured"`       // RFC 3339, UTC
	SNI           string    `json:"sni"`            // the server_name the ClientHello carries ("" for none)
	// RecordVersion is the legacy_record_version of the first record that
	// carried the ClientHello ("0x0301"); replays use it.
	RecordVersion string `json:"record_version,omitempty"`
}

// Template is one real ClientHello: its bytes as captured (the handshake
// message, header included) and their parse.
type Template struct {
	Name       string
	Provenance Provenance
	Raw        []byte
	Hello      *wire.ClientHello
}

// RecordVersion is the record-layer version the client sent the hello
// under; TLS 1.0 (0x0301) when the provenance does not say, which is what
// nearly every client sends (RFC 8446 §5.1).
func (t Template) RecordVersion() wire.Version {
	if n, err := strconv.ParseUint(strings.TrimPrefix(t.Provenance.RecordVersion, "0x"), 16, 16); err == nil && n != 0 {
		return wire.Version(n)
	}
	return wire.VersionTLS10
}

// Templates loads every corpus/clienthello/*.bin with its .json, sorted by
// name. A file that does not parse, or lacks its provenance, is an error
// naming the file.
func Templates() ([]Template, error) {
	return load(files, "clienthello")
}

func load(fsys fs.FS, dir string) ([]Template, error) {
	bins, err := fs.Glob(fsys, path.Join(dir, "*.bin"))
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	var out []Template
	for _, bin := range bins {
		t, err := loadOne(fsys, bin)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Template) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func loadOne(fsys fs.FS, bin string) (Template, error) {
	name := strings.TrimSuffix(path.Base(bin), ".bin")
	raw, err := fs.ReadFile(fsys, bin)
	if err != nil {
		return Template{}, fmt.Errorf("corpus: %w", err)
	}
	js, err := fs.ReadFile(fsys, strings.TrimSuffix(bin, ".bin")+".json")
	if err != nil {
		return Template{}, fmt.Errorf("corpus: %s has no provenance: %w", bin, err)
	}
	var p Provenance
	if err := json.Unmarshal(js, &p); err != nil {
		return Template{}, fmt.Errorf("corpus: %s.json: %w", strings.TrimSuffix(bin, ".bin"), err)
	}
	if p.Name != name {
		return Template{}, fmt.Errorf("corpus: %s.json names %q, want %q", strings.TrimSuffix(bin, ".bin"), p.Name, name)
	}
	ch, err := parseHello(raw)
	if err != nil {
		return Template{}, fmt.Errorf("corpus: %s: %w", bin, err)
	}
	return Template{Name: name, Provenance: p, Raw: raw, Hello: ch}, nil
}

// parseHello parses a handshake message that must be a ClientHello.
func parseHello(raw []byte) (*wire.ClientHello, error) {
	m, err := wire.UnmarshalHandshake(raw, wire.Context{})
	if err != nil {
		return nil, err
	}
	ch, ok := m.(*wire.ClientHello)
	if !ok {
		return nil, fmt.Errorf("a %s, not a ClientHello", m.Type())
	}
	return ch, nil
}
