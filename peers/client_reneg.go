package peers

import (
	"bytes"
	"errors"
	"slices"

	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Client-initiated renegotiation (RFC 5246 §7.4.1.2, RFC 5746 §3.5): on
// an established TLS 1.0-1.2 connection, a new ClientHello under the
// current keys, and a full handshake after it.

// StepRenegotiate is the name of the Renegotiate step (and of the edit of
// the renegotiating ClientHello's bytes).
const StepRenegotiate = "Renegotiate"

// Renegotiation says what the renegotiating ClientHello carries. The zero
// value is a secure renegotiation (RFC 5746 §3.5): renegotiation_info
// with the saved client_verify_data, no SCSV.
type Renegotiation struct {
	// VerifyData, when set, returns the renegotiated_connection to send in
	// place of the saved client_verify_data it is given.
	VerifyData func(clientVerifyData []byte) []byte
	// Legacy sends neither renegotiation_info nor
	// TLS_EMPTY_RENEGOTIATION_INFO_SCSV, as a client without RFC 5746.
	Legacy bool
	// SCSV adds TLS_EMPTY_RENEGOTIATION_INFO_SCSV to the cipher suites,
	// which RFC 5746 §3.5 says a renegotiating client MUST NOT send (and
	// §3.7 makes the server abort on).
	SCSV bool
}

// Renegotiate sends a renegotiating ClientHello (built from the config,
// without a session to resume) under the current keys, once a TLS
// 1.0-1.2 handshake has completed; the steps that follow it read the new
// handshake as the first (see RenegotiationSteps). Its bytes take the
// edit registered as StepRenegotiate.
func Renegotiate(r Renegotiation) Step {
	return step(StepRenegotiate, func(cv *Conversation) error {
		hs := cv.hs
		c := hs.c
		if c.version == 0 || c.version >= wire.VersionTLS13 || hs.clientVD == nil || hs.serverVD == nil {
			return errors.New("peers: Renegotiate needs a completed TLS 1.0-1.2 handshake")
		}
		hs.reneg = &r
		hs.hello, hs.server, hs.ske, hs.pms, hs.serverCerts = nil, nil, nil, nil, nil
		hs.ems, hs.ticketExpected, hs.certRequested, hs.renegInfo = false, false, false, false
		hs.certContext, hs.authScheme, hs.authSign, hs.verifyDue = nil, 0, false, false
		c.resumed = false
		c.transcript = keys.NewTranscript()
		if err := hs.buildHello(); err != nil {
			return err
		}
		hs.session = nil
		ch := hs.hello
		ch.SessionID = nil
		ch.CipherSuites = slices.DeleteFunc(ch.CipherSuites, func(s wire.CipherSuite) bool { return s == wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV })
		if r.SCSV {
			ch.CipherSuites = append(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
		}
		vd := slices.Clone(hs.clientVD)
		if r.VerifyData != nil {
			vd = r.VerifyData(vd)
		}
		var exts []wire.Extension
		for _, e := range ch.Extensions {
			switch e.Type {
			case wire.ExtRenegotiationInfo:
				if r.Legacy {
					continue
				}
				e = wire.RenegotiationInfoExt(vd)
			case wire.ExtSessionTicket:
				e = wire.SessionTicketExt(nil)
			}
			exts = append(exts, e)
		}
		ch.Extensions = exts
		raw, err := ch.Marshal()
		if err != nil {
			return err
		}
		raw = hs.edit(StepRenegotiate, raw)
		c.transcript.Add(raw)
		return c.WriteRecord(wire.ContentHandshake, raw)
	})
}

// Step names of the handshake after a renegotiating ClientHello.
const (
	StepRenegServerHello       = "RenegServerHello"
	StepRenegServerFlight      = "RenegServerFlight"
	StepRenegClientKeyExchange = "RenegClientKeyExchange"
	StepRenegChangeCipherSpec  = "RenegChangeCipherSpec"
	StepRenegFinished          = "RenegFinished"
	StepRenegServerFinished    = "RenegServerFinished"
)

// RenegotiationSteps are Renegotiate(r) and the full handshake that
// follows it (the default script's steps, renamed): append them to a
// script whose handshake has completed. The renegotiation's ServerHello
// step ends the conversation at a no_renegotiation alert (RFC 5246
// §7.2.2), whatever its level, and passes over application data that
// comes before it.
func RenegotiationSteps(r Renegotiation) Script {
	return Script{
		Renegotiate(r),
		ExpectServerHello().Renamed(StepRenegServerHello),
		ExpectServerFlight().Renamed(StepRenegServerFlight),
		SendClientKeyExchange().Renamed(StepRenegClientKeyExchange),
		SendChangeCipherSpec().Renamed(StepRenegChangeCipherSpec),
		SendFinished().Renamed(StepRenegFinished),
		ExpectServerFinished().Renamed(StepRenegServerFinished),
	}
}

// SecureRenegotiation reports whether the first handshake's ServerHello
// carried renegotiation_info (RFC 5746 §3.4: the connection's
// secure_renegotiation flag).
func (cv *Conversation) SecureRenegotiation() bool { return cv.hs != nil && cv.hs.secureReneg }

// Renegotiating reports whether a Renegotiate step ran.
func (cv *Conversation) Renegotiating() bool { return cv.hs != nil && cv.hs.reneg != nil }

// renegotiationAnswer reads ahead, before the renegotiation's
// ServerHello: application data is passed over, and a no_renegotiation
// alert of either level ends the handshake.
func (hs *clientHS) renegotiationAnswer() error {
	c := hs.c
	for n := 0; ; n++ {
		it, err := c.ReadItem()
		if err != nil {
			return err
		}
		switch {
		case it.Type == wire.ContentApplicationData && n >= maxPassedOver:
			return errPassedOver
		case it.Type == wire.ContentApplicationData:
			continue
		case it.Type == wire.ContentAlert && it.Alert.Description == wire.AlertNoRenegotiation:
			return c.alertErr(it.Alert)
		}
		c.Unread(it)
		return nil
	}
}

// renegotiationInfo12 checks the ServerHello's renegotiation_info: empty
// on the first handshake (RFC 5746 §3.4), the saved client_verify_data
// and server_verify_data on a secure renegotiation (§3.5).
func (hs *clientHS) renegotiationInfo12(body []byte) error {
	rd, err := wire.ParseRenegotiationInfo(body)
	if err != nil {
		return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "ServerHello renegotiation_info", Err: err}
	}
	if hs.reneg == nil {
		if err != nil || len(rd) != 0 {
			return protoErr(wire.AlertHandshakeFailure, "ServerHello renegotiation_info not empty on an initial handshake (RFC 5746 §3.4)")
		}
		hs.secureReneg = true
		return nil
	}
	hs.renegInfo = true
	if want := slices.Concat(hs.clientVD, hs.serverVD); err != nil || !bytes.Equal(rd, want) {
		return protoErr(wire.AlertHandshakeFailure, "renegotiation ServerHello renegotiated_connection %x, want client_verify_data||server_verify_data %x (RFC 5746 §3.5)", rd, want)
	}
	return nil
}
