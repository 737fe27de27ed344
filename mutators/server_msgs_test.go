package mutators_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers/wire"
)

func serverMessageMutators(t *testing.T) []mutators.Mutator {
	t.Helper()
	var out []mutators.Mutator
	for _, m := range mutators.Registry() {
		if m.ServerMessage != nil {
			out = append(out, m)
		}
	}
	if len(out) < 100 {
		t.Fatalf("only %d server-message mutators", len(out))
	}
	return out
}

// parseContext is how a client parses message type t at version v.
func parseContext(t wire.HandshakeType, v wire.Version) wire.Context {
	ctx := wire.Context{Version: v}
	if t == wire.TypeServerKeyExchange {
		ctx.KeyExchange = wire.KXECDHE
	}
	return ctx
}

// TestServerMessageMutatorsAreWellFormed: each server-message mutator
// names its message, sets ServerMessage alone, expects decode_error (MUST
// in TLS 1.3, SHOULD below it, with a reason), applies to the sample of
// at least one of its versions, and there gives bytes that differ from
// the sample, keep the handshake length equal to the body, and that the
// codec refuses: a client that parses strictly refuses each of them.
func TestServerMessageMutatorsAreWellFormed(t *testing.T) {
	versions := []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13}
	for _, m := range serverMessageMutators(t) {
		typ, ok := mutators.ServerMessageType(m)
		if !ok {
			t.Errorf("%s: names no server message", m.Name)
			continue
		}
		if m.Hello != nil || m.Bytes != nil || m.CKE != nil || m.Framing != nil {
			t.Errorf("%s: sets more than ServerMessage", m.Name)
		}
		if m.Doc == "" || m.Expect.RFC == "" || m.Expect.Row != 73 || m.Expect.Class != mutators.MustReject ||
			len(m.Expect.Alerts) != 1 || m.Expect.Alerts[0] != wire.AlertDecodeError {
			t.Errorf("%s: doc %q, expectation %+v", m.Name, m.Doc, m.Expect)
		}
		if strings.ContainsAny(m.Name, " \t^") {
			t.Errorf("%s: a character an id cannot carry", m.Name)
		}
		applies := false
		for _, v := range versions {
			if want := v < wire.VersionTLS13; (m.Expect.Level(v) == mutators.LevelShould) != want || want != (m.Expect.ShouldWhy(v) != "") {
				t.Errorf("%s at %s: level %s (%q)", m.Name, v, m.Expect.Level(v), m.Expect.ShouldWhy(v))
			}
			sample := mutators.SampleServerMessage(typ, v)
			if !m.AppliesTo(v) || sample == nil {
				continue
			}
			orig, err := sample.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			out, ok, err := mutators.MutateServerMessage(m, sample, 1)
			if err != nil {
				t.Errorf("%s at %s: %v", m.Name, v, err)
			}
			if !ok {
				continue
			}
			applies = true
			again, _, _ := mutators.MutateServerMessage(m, sample, 1)
			switch {
			case bytes.Equal(out, orig):
				t.Errorf("%s at %s: no change", m.Name, v)
			case !bytes.Equal(out, again):
				t.Errorf("%s at %s: two results for one seed", m.Name, v)
			case len(out) < 4 || int(out[1])<<16|int(out[2])<<8|int(out[3]) != len(out)-4:
				t.Errorf("%s at %s: the handshake length does not match the body", m.Name, v)
			}
			if err := strictServerParse(out, parseContext(typ, v)); err == nil {
				t.Errorf("%s at %s: the codec parses the result, every extension body with it (%x)", m.Name, v, out)
			}
		}
		if !applies {
			t.Errorf("%s applies to no sample of its versions %v", m.Name, m.Versions)
		}
	}
}

// strictServerParse parses a server message as a client reads it: the
// message, then the body of each ServerHello extension a client reads.
func strictServerParse(b []byte, ctx wire.Context) error {
	m, err := wire.UnmarshalHandshake(b, ctx)
	if err != nil {
		return err
	}
	sh, ok := m.(*wire.ServerHello)
	if !ok {
		return nil
	}
	for _, e := range sh.Extensions {
		switch e.Type {
		case wire.ExtSupportedVersions:
			_, err = wire.ParseSupportedVersionsServer(e.Body)
		case wire.ExtKeyShare:
			_, err = wire.ParseKeyShareServer(e.Body)
		case wire.ExtECPointFormats:
			_, err = wire.ParseECPointFormats(e.Body)
		case wire.ExtRenegotiationInfo:
			_, err = wire.ParseRenegotiationInfo(e.Body)
		case wire.ExtExtendedMasterSecret, wire.ExtSessionTicket:
			if len(e.Body) != 0 {
				err = fmt.Errorf("%s with a body", e.Type)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
