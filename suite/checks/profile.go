package checks

import (
	"slices"

	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// Profile is what probing learned the target supports.
type Profile struct {
	Versions   []wire.Version
	KX         map[wire.Version][]KX
	Groups     []wire.Group // in the order probed (our preference)
	Suites     []wire.CipherSuite
	Resumption map[wire.Version]bool
	// AppData: the target answers application data after the handshake
	// (an echo or an HTTP reply), which checks use to see whether it went on.
	AppData  bool
	Notes    []string
	Problems []string // deviations probing itself found
}

// Pin limits the profile to the given versions (the -versions flag).
func (p *Profile) Pin(versions []wire.Version) {
	if len(versions) == 0 {
		return
	}
	p.Versions = slices.DeleteFunc(p.Versions, func(v wire.Version) bool { return !slices.Contains(versions, v) })
}

// Report is the profile as report.json shows it.
func (p *Profile) Report() reports.Profile {
	var r reports.Profile
	for _, v := range p.Versions {
		r.Versions = append(r.Versions, v.Short())
		for _, k := range p.KX[v] {
			name := string(k)
			if !slices.Contains(r.KX, name) {
				r.KX = append(r.KX, name)
			}
		}
	}
	for _, g := range p.Groups {
		r.Groups = append(r.Groups, g.String())
	}
	for _, s := range p.Suites {
		r.Suites = append(r.Suites, s.String())
	}
	r.Notes, r.Problems = p.Notes, p.Problems
	return r
}

func NegotiatedOf(sh *wire.ServerHello) wire.Version {
	if e, ok := wire.FindExtension(sh.Extensions, wire.ExtSupportedVersions); ok {
		if v, err := wire.ParseSupportedVersionsServer(e.Body); err == nil {
			return v
		}
	}
	return sh.Version
}
