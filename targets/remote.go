package targets

import (
	"context"
	"fmt"
	"net"
)

// remote is a HOST:PORT that runs without us: Open neither starts nor
// probes it beyond a TCP connect, and Close leaves it running.
type remote struct{ addr string }

func openRemote(ctx context.Context, addr string) (Target, error) {
	if err := checkConnect(ctx, addr); err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	return &remote{addr: addr}, nil
}

func (r *remote) Name() string       { return r.addr }
func (r *remote) Addr() string       { return r.addr }
func (r *remote) Output() string     { return "" }
func (r *remote) Notes() []string    { return nil }
func (r *remote) Versions() []string { return nil }
func (r *remote) Close() error       { return nil }

func (r *remote) Dial(ctx context.Context) (net.Conn, error) { return dial(ctx, r.addr) }

func (r *remote) Alive(ctx context.Context) error {
	if err := checkConnect(ctx, r.addr); err != nil {
		return fmt.Errorf("targets: %w", err)
	}
	return nil
}
