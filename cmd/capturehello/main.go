// Command capturehello captures the ClientHello of every TLS client
// installed here into corpus/clienthello/ (make corpus): for each client it
// listens on 127.0.0.1, runs the client against that port, keeps the first
// ClientHello with its provenance, and kills the client. Clients that are
// not installed are skipped with the reason; their earlier captures stay.
//
//	capturehello [-dir corpus/clienthello] [-only name,...] [-timeout 60s] [-list]
//
// The work is in package corpus; this command only parses flags and
// prints, and must not import Ginkgo or Gomega.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/corpus"
)

func main() {
	dir := flag.String("dir", corpus.Dir, "where to write <name>.bin and <name>.json")
	only := flag.String("only", "", "capture only these clients (comma-separated names)")
	timeout := flag.Duration("timeout", 60*time.Second, "how long each client has to send its ClientHello")
	list := flag.Bool("list", false, "list the clients and whether they are installed, and exit")
	goClient := flag.String("go-client", "", "internal: run Go's crypto/tls client against this address")
	sni := flag.String("sni", corpus.SNI, "internal: server name for -go-client")
	goVersion := flag.Bool("go-version", false, "internal: print the Go version the Go client is built with")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	switch {
	case *goVersion:
		fmt.Println("Go", runtime.Version())
		return
	case *goClient != "":
		gctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		if err := corpus.GoClient(gctx, *goClient, *sni); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	if *list {
		for _, c := range corpus.Clients(self) {
			status := "installed"
			if m := c.Missing(); m != "" {
				status = "missing " + m
			}
			fmt.Printf("%-26s %s\n", c.Name, status)
		}
		return
	}
	sum, err := corpus.CaptureAll(ctx, corpus.Clients(self), corpus.Options{Dir: *dir, Only: names, Timeout: *timeout, Log: os.Stdout})
	if err != nil {
		fail(err)
	}
	if sum.Failed > 0 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "capturehello:", err)
	os.Exit(1)
}
