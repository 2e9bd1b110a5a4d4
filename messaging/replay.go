package messaging

import "github.com/tripleo-go/sdk/tripleo"

// maxReplayPages bounds a replay listing (10,000 messages with 20 a page).
const maxReplayPages = 10 * maxPagesPerCycle

// replay lists the queue from its beginning for member m alone and delivers
// what it retains, then what the main stream held back for m meanwhile; the
// main stream then skips those ids for m until it has caught up.
func (r *reader) replay(m *member) error {
	var out []tripleo.Message
	marker := ""
	for range maxReplayPages {
		pg, err := r.list(marker)
		if err != nil {
			return err
		}
		for i := range pg.Messages {
			msg, err := toMessage(r.queue, &pg.Messages[i])
			if err != nil {
				continue // logged by the main stream
			}
			out = append(out, msg)
		}
		next := pg.nextMarker()
		if len(pg.Messages) < r.o.PageSize || next == "" || next == marker {
			break
		}
		marker = next
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.members.has(m) {
		return nil
	}
	seen := make(map[string]struct{}, len(out))
	uniq := out[:0]
	for _, msg := range out {
		if _, dup := seen[msg.ID]; dup {
			continue
		}
		if m.execution != "" && !msg.Payload.Belongs(m.execution) {
			continue
		}
		seen[msg.ID] = struct{}{}
		uniq = append(uniq, msg)
	}
	m.box.Put(uniq...)
	for _, msg := range m.held {
		if _, dup := seen[msg.ID]; !dup {
			m.box.Put(msg)
		}
	}
	m.holding, m.held = false, nil
	m.skip = seen
	return nil
}
