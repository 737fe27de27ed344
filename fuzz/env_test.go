package fuzz_test

import (
	"sync"

	"github.com/tlsconform/tlsconform/fuzz"
)

// sharedEnv is made once per process: the certificates (an RSA-2048 key
// among them) cost far more than an execution. It is the one piece of
// package state, and it is read-only once made.
var sharedEnv = sync.OnceValues(func() (*fuzz.Env, error) {
	ts, err := fuzz.CorpusTemplates()
	if err != nil {
		return nil, err
	}
	return fuzz.NewEnv(fuzz.Options{Templates: ts})
})
