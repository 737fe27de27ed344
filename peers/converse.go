package peers

import (
	"context"
	"time"
)

// Result is what one handshake plus an application-data round trip
// produced, in the form the command line prints.
type Result struct {
	Target        string      `json:"target"`
	Outcome       OutcomeKind `json:"outcome"`
	Version       string      `json:"version,omitempty"`
	Suite         string      `json:"suite,omitempty"`
	Group         string      `json:"group,omitempty"`
	Resumed       bool        `json:"resumed,omitempty"`
	ALPN          string      `json:"alpn,omitempty"`
	Alert         string      `json:"alert,omitempty"`
	AlertLevel    string      `json:"alert_level,omitempty"`
	Error         string      `json:"error,omitempty"`
	ReceivedBytes int         `json:"received_bytes"`
	ElapsedMS     float64     `json:"elapsed_ms"`
}

// DefaultProbe is the application data sent after the handshake: an echo
// server returns it, an HTTP server answers it.
var DefaultProbe = []byte("GET / HTTP/1.0\r\n\r\n")

// Converse dials addr, runs the client handshake, sends payload and waits
// for at least one byte of application data back. Every step is bounded by
// the config's timeout and by ctx. It never panics on what the target
// sends; the outcome says how the conversation ended.
func Converse(ctx context.Context, addr string, cfg *ClientConfig, payload []byte) Result {
	start := time.Now()
	res := Result{Target: addr}
	c, err := Dial(ctx, addr, cfg)
	if c != nil {
		defer c.Close()
		res.fill(c)
	}
	if err == nil {
		err = roundTrip(c, payload, &res)
	}
	res.Outcome = Classify(err)
	if err != nil {
		res.Error = err.Error()
		if a, ok := ReceivedAlert(err); ok {
			res.Alert = a.Description.String()
			res.AlertLevel = a.Level.String()
		}
	}
	res.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return res
}

func (r *Result) fill(c *Conn) {
	if c.version != 0 {
		r.Version = c.version.Short()
	}
	if c.spec != nil {
		r.Suite = c.spec.Name()
	}
	if c.group != 0 {
		r.Group = c.group.String()
	}
	r.Resumed = c.resumed
	r.ALPN = c.alpn
}

func roundTrip(c *Conn, payload []byte, res *Result) error {
	if len(payload) == 0 {
		return nil
	}
	if _, err := c.Write(payload); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	res.ReceivedBytes = n
	if n > 0 {
		return nil
	}
	return err
}
