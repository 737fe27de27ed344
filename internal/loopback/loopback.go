// Package loopback holds test servers on a free 127.0.0.1 port: fakes a
// test needs where a real TLS stack would not misbehave the right way
// (silence, a canned answer). Start with ServeEach. Only tests import it;
// it imports only the standard library (testing included) and must not
// import any package of this project, Ginkgo or Gomega.
package loopback

import (
	"net"
	"sync"
	"testing"
	"time"
)

// ServeEach accepts connections on a free loopback port until the test
// ends and runs handle on each, under a 5 s deadline; it returns the
// address.
func ServeEach(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer nc.Close()
				_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
				handle(nc)
			})
		}
	})
	return ln.Addr().String()
}
