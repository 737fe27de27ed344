package wire

// Alert is the two-byte alert message (RFC 5246 §7.2, RFC 8446 §6).
type Alert struct {
	Level       AlertLevel
	Description AlertDescription
}

// Marshal returns level||description.
func (a Alert) Marshal() []byte {
	return []byte{byte(a.Level), byte(a.Description)}
}

// UnmarshalAlert parses exactly two bytes; fewer is ErrTruncated, more is
// ErrTrailing (several alerts in one record are the caller's to split).
func UnmarshalAlert(b []byte) (Alert, error) {
	r := newReader("alert", b, 0)
	a := Alert{Level: AlertLevel(r.u8("level")), Description: AlertDescription(r.u8("description"))}
	r.done("")
	if err := r.error(); err != nil {
		return Alert{}, err
	}
	return a, nil
}

// String reads like "fatal decode_error".
func (a Alert) String() string {
	return a.Level.String() + " " + a.Description.String()
}

// ChangeCipherSpecPayload is the one-byte body of a ChangeCipherSpec record
// (RFC 5246 §7.1; RFC 8446 §5 for the compatibility CCS). Treat it as
// read-only.
var ChangeCipherSpecPayload = []byte{1}
