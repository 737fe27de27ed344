package peers

import (
	"sync"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Session is what a client keeps to resume: a TLS 1.2 ticket with its master
// secret (RFC 5077) or a TLS 1.3 ticket with its PSK (RFC 8446 §4.6.1).
type Session struct {
	Version wire.Version
	Suite   wire.CipherSuite
	Ticket  []byte
	// SessionID resumes a session the server keeps (RFC 5246 §7.4.1.2)
	// when there is no ticket.
	SessionID []byte
	Master    []byte // TLS 1.2
	EMS       bool   // TLS 1.2: the session used extended_master_secret
	PSK       []byte // TLS 1.3
	AgeAdd    uint32
	Lifetime  uint32
	Received  time.Time
}

// SessionCache holds the latest session per server. Safe for concurrent use.
type SessionCache struct {
	mu sync.Mutex
	m  map[string]*Session
}

// NewSessionCache returns an empty cache.
func NewSessionCache() *SessionCache { return &SessionCache{m: map[string]*Session{}} }

// Get returns the session stored for key.
func (s *SessionCache) Get(key string) *Session {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key]
}

// Put stores a session for key; nil removes it.
func (s *SessionCache) Put(key string, sess *Session) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess == nil {
		delete(s.m, key)
		return
	}
	if _, ok := s.m[key]; !ok && len(s.m) >= maxSessions {
		// Full: drop one entry (map order), so that a client that keeps
		// handshaking costs bounded memory.
		for k := range s.m {
			delete(s.m, k)
			break
		}
	}
	s.m[key] = sess
}

// maxSessions bounds a SessionCache.
const maxSessions = 4096
