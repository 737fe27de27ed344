package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// Profile is what probing learned the target supports.
type Profile struct {
	Versions []wire.Version
	KX       map[wire.Version][]KX
	Groups   []wire.Group // at the highest version, cheapest first
	// GroupsByVersion are the groups at each version (a target may offer
	// a group at TLS 1.3 and not below).
	GroupsByVersion map[wire.Version][]wire.Group
	Suites          []wire.CipherSuite
	Resumption      map[wire.Version]bool
	// AppData: the target answers application data after the handshake
	// (an echo or an HTTP reply), which checks use to see whether it went on.
	AppData  bool
	Notes    []string
	Problems []string // deviations probing itself found
	// Pinned are the versions the user selected (-versions), nil for
	// all; Unselected those the target speaks that the pin left out.
	Pinned, Unselected []wire.Version
	// KeyShares are the groups of a client's first TLS 1.3 key shares
	// (client probing); a group of Groups not among them is one a server
	// can ask for with a HelloRetryRequest.
	KeyShares []wire.Group
	// ALPN: the client's ClientHello offers ALPN (client probing).
	ALPN bool
	// Schemes are the client's signature_algorithms (client probing).
	Schemes []wire.SignatureScheme
}

// GroupsAt is the groups the target takes at version v: those probed at
// v, else (a profile made by hand) Groups.
func (p *Profile) GroupsAt(v wire.Version) []wire.Group {
	if gs, ok := p.GroupsByVersion[v]; ok {
		return gs
	}
	return p.Groups
}

// Pin limits the profile to the given versions (the -versions flag):
// Versions keeps those the target speaks, Pinned remembers the choice,
// and Unselected the versions the target speaks that were left out.
func (p *Profile) Pin(versions []wire.Version) {
	if len(versions) == 0 {
		return
	}
	p.Pinned = slices.Clone(versions)
	var keep []wire.Version
	for _, v := range p.Versions {
		if slices.Contains(versions, v) {
			keep = append(keep, v)
		} else {
			p.Unselected = append(p.Unselected, v)
		}
	}
	p.Versions = keep
}

// Speaks reports whether the target completes handshakes at v, selected
// or not.
func (p *Profile) Speaks(v wire.Version) bool {
	return slices.Contains(p.Versions, v) || slices.Contains(p.Unselected, v)
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
	r.Notes, r.Problems = slices.Clone(p.Notes), p.Problems
	for _, v := range p.Pinned {
		r.Pinned = append(r.Pinned, v.Short())
	}
	for _, v := range p.Unselected {
		r.Unselected = append(r.Unselected, v.Short())
	}
	for _, v := range p.Versions {
		if gs, ok := p.GroupsByVersion[v]; ok && !slices.Equal(gs, p.Groups) {
			names := make([]string, len(gs))
			for i, g := range gs {
				names[i] = g.String()
			}
			r.Notes = append(r.Notes, fmt.Sprintf("groups at TLS %s: %s", v.Short(), strings.Join(names, ", ")))
		}
	}
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
