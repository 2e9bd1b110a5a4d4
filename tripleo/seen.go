package tripleo

// DefaultSeenSize is how many ids a Seen remembers unless told otherwise. Zaqar
// keeps TripleO's messages for an hour; 4096 ids cover far more than a run's.
const DefaultSeenSize = 4096

// Seen is a bounded de-duplication set: it remembers the last ids added
// (message ids, event ids, ...), forgetting the oldest first. The run engine
// de-duplicates messages with it, Notifiers and typed packages their own ids.
// The zero value remembers DefaultSeenSize ids; it is not safe for concurrent use.
type Seen struct {
	size int
	set  map[string]struct{}
	ring []string // the ids in the order added; once full, next is the oldest
	next int
}

// NewSeen returns a Seen that remembers the last size ids (DefaultSeenSize
// when size is not positive).
func NewSeen(size int) *Seen { return &Seen{size: size} }

// Add records id and reports whether it was new. An empty id is always new
// and never recorded.
func (s *Seen) Add(id string) bool {
	if id == "" {
		return true
	}
	if _, ok := s.set[id]; ok {
		return false
	}
	if s.set == nil {
		if s.size <= 0 {
			s.size = DefaultSeenSize
		}
		s.set = make(map[string]struct{}) // grows with use: most runs see a handful of messages
	}
	if len(s.ring) < s.size {
		s.ring = append(s.ring, id)
	} else {
		delete(s.set, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % s.size
	}
	s.set[id] = struct{}{}
	return true
}

// Has reports whether id is remembered.
func (s *Seen) Has(id string) bool {
	_, ok := s.set[id]
	return ok
}

// Len returns how many ids are remembered.
func (s *Seen) Len() int { return len(s.set) }
