package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// OpenKeyLog opens dir/keylog.txt for appending (creating dir and the file
// if needed) for NSS key-log lines (CLIENT_RANDOM, CLIENT_HANDSHAKE_TRAFFIC_SECRET,
// ...), so Wireshark can decrypt every conversation of the run. The writer
// is safe for concurrent use: each Write reaches the file whole, so callers
// that write one whole line per call never interleave. The file is created
// 0600: it holds the secrets of every conversation.
func OpenKeyLog(dir string) (io.WriteCloser, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: keylog: %w", err)
	}
	path := filepath.Join(dir, KeyLogFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("reports: keylog: %w", err)
	}
	return &keyLog{f: f}, nil
}

type keyLog struct {
	mu sync.Mutex
	f  *os.File // nil once closed
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
	err := k.f.Close()
	k.f = nil
	if err != nil {
		return fmt.Errorf("reports: keylog: %w", err)
	}
	return nil
}
