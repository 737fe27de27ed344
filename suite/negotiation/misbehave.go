package negotiation

import (
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours break version negotiation and downgrade protection
// (RFC 8446 §4.1.3, §4.2.1; RFC 5246 Appendix E.1; RFC 7507).
func Misbehaviours() []peers.Misbehaviour {
	return []peers.Misbehaviour{
		{
			// Sets the legacy_version of its TLS 1.3 ServerHello to 0x0304
			// (RFC 8446 §4.2.1: MUST be 0x0303): the client refuses every
			// TLS 1.3 answer, so probing finds no TLS 1.3.
			Name: "version/tls13-legacy-version-0304",
			Apply: editTLS13Answer(func(sh *wire.ServerHello) {
				if !sh.IsHelloRetryRequest() {
					sh.Version = wire.VersionTLS13
				}
			}),
		},
		{
			// Echoes an empty legacy_session_id in its HelloRetryRequest
			// and ServerHello, as some real servers do in a
			// HelloRetryRequest: the client refuses the answer, though no
			// sentence binds the server there with MUST.
			Name: "version/tls13-empty-session-id-echo",
			Apply: editTLS13Answer(func(sh *wire.ServerHello) {
				sh.SessionID = nil
			}),
		},
		{
			// Negotiates its own highest version whatever the client offered:
			// TLS 1.3 whenever supported_versions is present, else TLS 1.2
			// (the highest it serves up to 1.2), client_version Unread.
			Name: "version/unoffered-version",
			Apply: func(p *peers.ServerPlan) {
				p.ChooseVersion = func(st *peers.ServerState) (wire.Version, error) {
					top := st.MaxVersion()
					if wire.CountExtension(st.Hello.Extensions, wire.ExtSupportedVersions) > 0 {
						return top, nil
					}
					return min(top, wire.VersionTLS12), nil
				}
			},
		},
		{
			// Takes the first offered suite that is not defined for the
			// negotiated version, if any: a TLS 1.2 suite in TLS 1.3, or a
			// TLS 1.2-only suite of the key exchange and authentication it
			// would have used at TLS 1.0 or 1.1 (RFC 8446 §4.1.2; RFC 5288
			// §4).
			Name: "version/suite-ignores-version",
			Apply: func(p *peers.ServerPlan) {
				next := p.ChooseSuite
				p.ChooseSuite = func(st *peers.ServerState) (*suites.Spec, error) {
					fit, err := next(st)
					if err != nil {
						return nil, err
					}
					v := st.Conn.Version()
					for _, id := range st.Hello.CipherSuites {
						s, ok := suites.Lookup(id)
						if !ok || s.SupportsVersion(v) || s.TLS13() {
							continue
						}
						if v == wire.VersionTLS13 || s.KX == fit.KX && s.Auth == fit.Auth {
							return s, nil
						}
					}
					return fit, nil
				}
			},
		},
		{
			// Picks the lowest common version instead of the highest.
			Name: "version/lowest-version",
			Apply: func(p *peers.ServerPlan) {
				next := p.ChooseVersion
				p.ChooseVersion = func(st *peers.ServerState) (wire.Version, error) {
					best, err := next(st)
					if err != nil {
						return 0, err
					}
					low := best
					for _, v := range st.Versions() {
						if v < low && offered(st.Hello, v) {
							low = v
						}
					}
					return low, nil
				}
			},
		},
		{
			// Reads legacy_version 0x0304 or later without supported_versions
			// as an offer of TLS 1.3.
			Name: "version/legacy-version-selects-tls13",
			Apply: func(p *peers.ServerPlan) {
				next := p.ChooseVersion
				p.ChooseVersion = func(st *peers.ServerState) (wire.Version, error) {
					if st.Hello.Version >= wire.VersionTLS13 && wire.CountExtension(st.Hello.Extensions, wire.ExtSupportedVersions) == 0 &&
						slices.Contains(st.Versions(), wire.VersionTLS13) {
						return wire.VersionTLS13, nil
					}
					return next(st)
				}
			},
		},
		{
			// Ignores a legacy_version of 0x0300 or below when
			// supported_versions is present (RFC 8446 Appendix D.5 says
			// abort).
			Name: "version/accept-ssl30-legacy-version",
			Apply: func(p *peers.ServerPlan) {
				next := p.ChooseVersion
				p.ChooseVersion = func(st *peers.ServerState) (wire.Version, error) {
					if st.Hello.Version <= wire.VersionSSL30 && wire.CountExtension(st.Hello.Extensions, wire.ExtSupportedVersions) > 0 {
						saved := st.Hello.Version
						st.Hello.Version = wire.VersionTLS12
						defer func() { st.Hello.Version = saved }()
					}
					return next(st)
				}
			},
		},
		{
			// Never writes the downgrade sentinel (RFC 8446 §4.1.3).
			Name: "version/no-downgrade-sentinel",
			Apply: func(p *peers.ServerPlan) {
				p.DowngradeSentinel = func(*peers.ServerState, []byte) {}
			},
		},
		{
			// Writes DOWNGRD\x01 even when it negotiates TLS 1.3.
			Name: "version/sentinel-at-tls13",
			Apply: func(p *peers.ServerPlan) {
				next := p.DowngradeSentinel
				p.DowngradeSentinel = func(st *peers.ServerState, random []byte) {
					if st.Version() == wire.VersionTLS13 {
						copy(random[24:], wire.DowngradeTLS12[:])
						return
					}
					next(st, random)
				}
			},
		},
		{
			// Ignores TLS_FALLBACK_SCSV (RFC 7507 §3).
			Name: "version/ignore-fallback-scsv",
			Apply: func(p *peers.ServerPlan) {
				p.OnFallbackSCSV = func(*peers.ServerState) error { return nil }
			},
		},
		{
			// Picks its version from a legacy_version below 0x0303 even when
			// supported_versions is present (RFC 8446 §4.2.1: MUST NOT), as
			// a server that reads the extension only for a TLS 1.2
			// legacy_version does.
			Name: "version/legacy-version-over-supported-versions",
			Apply: func(p *peers.ServerPlan) {
				next := p.ChooseVersion
				p.ChooseVersion = func(st *peers.ServerState) (wire.Version, error) {
					lv := st.Hello.Version
					if lv < wire.VersionTLS12 && wire.CountExtension(st.Hello.Extensions, wire.ExtSupportedVersions) > 0 && slices.Contains(st.Versions(), lv) {
						return lv, nil
					}
					return next(st)
				}
			},
		},
		{
			// Ignores TLS_FALLBACK_SCSV and writes no downgrade sentinel:
			// a TLS 1.2 server of before RFC 7507 and RFC 8446.
			Name: "version/ignore-fallback-scsv-no-sentinel",
			Apply: func(p *peers.ServerPlan) {
				p.OnFallbackSCSV = func(*peers.ServerState) error { return nil }
				p.DowngradeSentinel = func(*peers.ServerState, []byte) {}
			},
		},
		{
			// Accepts any record-layer version on the first record (the
			// SHOULD NOT of RFC 8446 Appendix D.5).
			Name: "version/any-record-version",
			Apply: func(p *peers.ServerPlan) {
				next := p.FirstRecord
				p.FirstRecord = func(st *peers.ServerState, hdr []byte) error {
					if peers.IsSSLv2Hello(hdr) {
						return next(st, hdr)
					}
					return nil
				}
			},
		},
		{
			// Answers an SSL 2.0 CLIENT-HELLO with an SSL 2.0 SERVER-HELLO
			// (RFC 6176 §3: never).
			Name: "version/sslv2-server-hello",
			Apply: func(p *peers.ServerPlan) {
				next := p.FirstRecord
				p.FirstRecord = func(st *peers.ServerState, hdr []byte) error {
					if !peers.IsSSLv2Hello(hdr) {
						return next(st, hdr)
					}
					if _, err := st.ReadSSLv2Record(); err != nil {
						return err
					}
					// msg_type 4, session_id_hit 0, certificate_type 1,
					// version {0,2}, certificate_length 0,
					// cipher_specs_length 3, connection_id_length 16.
					body := []byte{4, 0, 1, 0, 2, 0, 0, 0, 3, 0, 16}
					body = append(body, sslv2CKRC4128WithMD5[:]...)
					body = append(body, make([]byte, 16)...)
					if err := st.WriteRaw(append([]byte{0x80 | byte(len(body)>>8), byte(len(body))}, body...)); err != nil {
						return err
					}
					return peers.ErrMisbehaved
				}
			},
		},
		{
			// Answers an SSL 2.0 compatible CLIENT-HELLO with a TLS 1.3
			// ServerHello (RFC 8446 Appendix D.5: MUST NOT).
			Name: "version/sslv2-hello-negotiates-tls13",
			Apply: func(p *peers.ServerPlan) {
				next := p.FirstRecord
				p.FirstRecord = func(st *peers.ServerState, hdr []byte) error {
					if !peers.IsSSLv2Hello(hdr) {
						return next(st, hdr)
					}
					if _, err := st.ReadSSLv2Record(); err != nil {
						return err
					}
					pub := make([]byte, 32)
					pub[0] = 9
					st.SetVersion(wire.VersionTLS13)
					random, err := st.ServerRandom()
					if err != nil {
						return err
					}
					sh := &wire.ServerHello{
						Version:     wire.VersionTLS12,
						Random:      random,
						CipherSuite: wire.TLS_AES_128_GCM_SHA256,
						Extensions: []wire.Extension{
							wire.SupportedVersionsServerExt(wire.VersionTLS13),
							wire.KeyShareServerExt(wire.KeyShareEntry{Group: wire.GroupX25519, KeyExchange: pub}),
						},
					}
					if err := st.WriteHandshake(sh); err != nil {
						return err
					}
					return peers.ErrMisbehaved
				}
			},
		},
	}
}

// offered reports whether the ClientHello offers v: in supported_versions
// when present, else as client_version or below.
func offered(ch *wire.ClientHello, v wire.Version) bool {
	if e, ok := wire.FindExtension(ch.Extensions, wire.ExtSupportedVersions); ok {
		vs, err := wire.ParseSupportedVersionsClient(e.Body)
		return err == nil && slices.Contains(vs, v)
	}
	return v <= ch.Version
}

// editTLS13Answer is a misbehaviour's Apply that changes, with edit, the
// HelloRetryRequest and the ServerHello of each TLS 1.3 handshake before
// they are sent.
func editTLS13Answer(edit func(sh *wire.ServerHello)) func(*peers.ServerPlan) {
	return func(p *peers.ServerPlan) {
		next := p.Outgoing
		p.Outgoing = func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
			msgs = next(st, msgs)
			for i, m := range msgs {
				sh, ok := m.(*wire.ServerHello)
				if !ok || st.Version() != wire.VersionTLS13 {
					continue
				}
				c := *sh
				c.Extensions = slices.Clone(sh.Extensions)
				edit(&c)
				msgs[i] = &c
			}
			return msgs
		}
	}
}
