// Command goclient is the README's example of a client under test
// written in Go: it connects to -addr, verifies the server against -ca
// for "localhost", sends a line and exits; any error exits 1 (the
// contract of a command client: a non-zero status when it rejects).
//
//	CLIENT='go run ./targets/testdata/goclient -addr {addr} -ca {ca}'
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"log"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "", "HOST:PORT of the server")
	caFile := flag.String("ca", "", "PEM file of the CA to trust")
	flag.Parse()
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		log.Fatalf("%s holds no certificate", *caFile)
	}
	conn, err := tls.Dial("tcp", *addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		log.Fatal(err) // exit 1: the connection was refused or rejected
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		log.Fatal(err)
	}
	if _, err := conn.Write([]byte("hello\n")); err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 64)
	_, _ = conn.Read(buf) // the echo, best effort
}
