package campaign

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is one of N parts of a campaign split across machines or CI
// jobs (-shard K/N). The parts partition the inputs, not the time: an
// input is a kind, a version, a template, a key exchange and a chain of
// changes (Input.key, without the case's seed), and shard K draws only
// the inputs whose hash is K-1 modulo N. Every shard draws from the same
// distribution as a whole campaign would, restricted to its own inputs:
// a worker's iteration draws as it would without shards, and draws again
// (from a stream that is also a pure function of the seed, the worker,
// the iteration and the attempt) until the input is the shard's. So N
// shards with the same SEED never send the same input twice between
// them, each is reproducible on its own, and their findings merge
// (`tlsconform campaign merge`) into what one campaign would have found,
// inputs unioned.
//
// The zero Shard is the whole campaign.
type Shard struct {
	K, N int // 1 <= K <= N
}

// ParseShard reads "K/N" (1 <= K <= N); "" is the whole campaign.
func ParseShard(s string) (Shard, error) {
	if strings.TrimSpace(s) == "" {
		return Shard{}, nil
	}
	ks, ns, ok := strings.Cut(s, "/")
	k, kerr := strconv.Atoi(strings.TrimSpace(ks))
	n, nerr := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || kerr != nil || nerr != nil || n < 1 || k < 1 || k > n {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 1 <= K <= N, such as 1/4", s)
	}
	if n == 1 {
		return Shard{}, nil
	}
	return Shard{K: k, N: n}, nil
}

// whole says whether the shard is the whole campaign.
func (s Shard) whole() bool { return s.N <= 1 }

func (s Shard) String() string {
	if s.whole() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// owns says whether the input of case c is the shard's.
func (s Shard) owns(c Case) bool {
	if s.whole() {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(caseInput(c)))
	return h.Sum64()%uint64(s.N) == uint64(s.K-1)
}

// caseInput is the input a case draws, as Input.key names it.
func caseInput(c Case) string {
	return Input{Kind: c.Kind, Version: c.Version, Template: c.Template, KX: c.KX, Mutators: c.Mutators}.key()
}

// maxShardDraws bounds the draws of one iteration, times N: a shard owns
// about 1/N of the inputs, so 64·N draws all miss only when the changes
// selected (-mutators) are too few to split N ways. The last draw is
// then sent though it is another shard's (counted: Summary.OutsideShard).
const maxShardDraws = 64

// nextCase picks the conversation of worker w's iteration it: drawCase's
// first draw for a whole campaign, the first of the shard's own inputs
// for a shard (a draw outside it, when none was, is counted).
func (cp *campaign) nextCase(w int, it uint64) (Case, bool) {
	sh := cp.cfg.Shard
	if sh.whole() {
		return cp.drawCase(w, it, 0)
	}
	var c Case
	var ok bool
	for a := range uint64(maxShardDraws * sh.N) {
		if c, ok = cp.drawCase(w, it, a); !ok || sh.owns(c) {
			return c, ok
		}
	}
	if cp.outside.Add(1) == 1 {
		cp.logf("campaign: shard %s: the changes selected are too few to split %d ways: some conversations repeat other shards' inputs", sh, sh.N)
	}
	return c, ok
}
