// Package mytls is a stand-in for a module of your own with a TLS server
// in it: it serves an echo over crypto/tls. Its test runs the tlsconform
// catalogue against it with `go test`, as your module's test would.
package mytls

import (
	"crypto/tls"
	"errors"
	"net"
	"time"
)

// Serve answers TLS connections on ln with an echo until ln is closed.
func Serve(ln net.Listener, cfg *tls.Config) error {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		go echo(tls.Server(c, cfg))
	}
}

func echo(c *tls.Conn) {
	defer c.Close()
	buf := make([]byte, 16<<10)
	for {
		// A silent or stuck client costs at most this.
		if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
			return
		}
		n, err := c.Read(buf)
		if n > 0 {
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
