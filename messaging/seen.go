package messaging

import "github.com/tripleo-go/sdk/tripleo"

// bodyCounts pairs the two deliveries of one message by the websocket
// Notifier: the pushed notification (which carries no id) and the REST listing
// (which does), matched by a hash of the canonical body. For each hash it counts
// the copies delivered by each path; a copy is suppressed when the other path
// has delivered more copies of that body than this one. Two distinct messages
// with identical bodies are therefore both delivered once. Bounded: the oldest
// hashes are forgotten first. Not safe for concurrent use.
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
