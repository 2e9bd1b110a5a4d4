package messaging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/tripleo-go/sdk/tripleo"
)

// matcher pairs the two deliveries of one message by the websocket Notifier:
// the pushed notification (which carries no id) and the REST listing (which
// does), matched by a hash of the canonical body. For each hash it counts the
// copies delivered by each path; a copy is suppressed when the other path has
// delivered more copies of that body than this one. Two distinct messages
// with identical bodies are therefore both delivered once. Bounded: the
// oldest hashes are forgotten first. Safe for concurrent use.
type matcher struct {
	mu     sync.Mutex
	counts *bodyCounts
}

func newMatcher(size int) *matcher { return &matcher{counts: newBodyCounts(size)} }

// pushed records a pushed copy of body and reports whether to deliver it; id
// is its synthetic message id, "push-<hash>-<n>" (the n-th push of that body).
func (m *matcher) pushed(body []byte) (id string, deliver bool) {
	h := bodyHash(body)
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh, n := m.counts.pushed(h)
	return fmt.Sprintf("push-%016x-%d", h, n), fresh
}

// listed records a listed copy of body and reports whether to deliver it.
func (m *matcher) listed(body []byte) bool {
	h := bodyHash(body)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts.listed(h)
}

// bodyCounts is the matcher's bounded table of copies per body hash. Not safe
// for concurrent use.
type bodyCounts struct {
	m    map[uint64]*pair
	ring []uint64
	used []bool
	next int
}

type pair struct{ pushed, listed int }

func newBodyCounts(n int) *bodyCounts {
	if n <= 0 {
		n = tripleo.DefaultSeenSize
	}
	return &bodyCounts{m: make(map[uint64]*pair, min(n, 256)), ring: make([]uint64, n), used: make([]bool, n)}
}

func (b *bodyCounts) get(h uint64) *pair {
	if p, ok := b.m[h]; ok {
		return p
	}
	if b.used[b.next] {
		delete(b.m, b.ring[b.next])
	}
	p := &pair{}
	b.m[h] = p
	b.ring[b.next], b.used[b.next] = h, true
	b.next = (b.next + 1) % len(b.ring)
	return p
}

// pushed records a pushed copy of body h and reports whether it is new (the
// listing has not delivered more copies of it). It returns the push ordinal
// (1-based), used to build the synthetic message id.
func (b *bodyCounts) pushed(h uint64) (fresh bool, n int) {
	p := b.get(h)
	p.pushed++
	return p.pushed > p.listed, p.pushed
}

// listed records a REST-listed copy of body h and reports whether it is new.
func (b *bodyCounts) listed(h uint64) bool {
	p := b.get(h)
	p.listed++
	return p.listed > p.pushed
}

// bodyHash hashes the canonical form of a JSON body (objects with sorted keys,
// numbers as written, no insignificant space), so that the same body serialised
// twice by Zaqar (in a listing and in a pushed notification) hashes the same.
func bodyHash(body []byte) uint64 {
	h := fnv.New64a()
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		h.Write(bytes.TrimSpace(body))
		return h.Sum64()
	}
	canon, err := json.Marshal(v)
	if err != nil {
		canon = body
	}
	h.Write(canon)
	return h.Sum64()
}
