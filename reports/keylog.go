package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// OpenKeyLog starts this run's key log, dir/keylog.txt, for NSS key-log
// lines (CLIENT_RANDOM, CLIENT_HANDSHAKE_TRAFFIC_SECRET, ...), so Wireshark
// can decrypt every conversation of the run. The lines go to a temporary
// file beside it, which Close renames over keylog.txt: the file holds this
// run's secrets only, and a reader never sees a half-written one. The
// writer is safe for concurrent use: each Write reaches the file whole, so
// callers that write one whole line per call never interleave. The file
// is 0600: it holds the secrets of every conversation.
func OpenKeyLog(dir string) (io.WriteCloser, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: keylog: %w", err)
	}
	path := filepath.Join(dir, KeyLogFile)
	f, err := os.CreateTemp(dir, "."+KeyLogFile+tmpInfix+"*")
	if err != nil {
		return nil, fmt.Errorf("reports: keylog: %w", err)
	}
	return &keyLog{f: f, path: path}, nil
}

type keyLog struct {
	mu   sync.Mutex
	f    *os.File // nil once closed
	path string
}

func (k *keyLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		return 0, fmt.Errorf("reports: keylog: %w", os.ErrClosed)
	}
	return k.f.Write(p)
}

// Close closes the file; closing twice is harmless.
func (k *keyLog) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		return nil
	}
	tmp := k.f.Name()
	err := k.f.Close()
	k.f = nil
	if err == nil {
		err = os.Rename(tmp, k.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("reports: keylog: %w", err)
	}
	return nil
}
