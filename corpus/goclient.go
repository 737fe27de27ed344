package corpus

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
)

// GoClient makes Go's crypto/tls client, with its defaults, send its
// ClientHello to addr with SNI serverName and attempt the handshake. It is
// the Go entry of Clients (capturehello -go-client): the capture hangs up
// after the hello, so an error is what it normally returns.
func GoClient(ctx context.Context, addr, serverName string) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("corpus: go client: %w", err)
	}
	defer nc.Close()
	c := tls.Client(nc, &tls.Config{ServerName: serverName})
	if err := c.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("corpus: go client: %w", err)
	}
	return nil
}
