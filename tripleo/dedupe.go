package tripleo

import (
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
)

// dedupe is a run's de-duplication of messages: a message is an event once,
// by its Zaqar id and by its (execution, body). A workflow may post the same
// body twice under two ids (Queens workbooks retry zaqar.queue_post up to five
// times when an answer is lost); a Notifier may deliver one id twice.
type dedupe struct {
	seen Seen // "i" + id, and "b" + body key
}

// add reports whether m is new to the run, and records it.
func (d *dedupe) add(m *Message) bool {
	if m.ID != "" && d.seen.Has("i"+m.ID) {
		return false
	}
	body := "b" + bodyKey(m)
	if d.seen.Has(body) {
		if m.ID != "" {
			d.seen.Add("i" + m.ID)
		}
		return false
	}
	if m.ID != "" {
		d.seen.Add("i" + m.ID)
	}
	d.seen.Add(body)
	return true
}

// bodyKey identifies a message's (execution, body): a hash of its type, its
// legacy workflow name and its payload in canonical form (keys sorted).
func bodyKey(m *Message) string {
	h := fnv.New128a()
	h.Write([]byte(m.Payload.ExecutionID))
	h.Write([]byte{0})
	h.Write([]byte(m.Type))
	h.Write([]byte{0})
	h.Write([]byte(m.Payload.Workflow))
	h.Write([]byte{0})
	if b, err := json.Marshal(m.Payload); err == nil {
		h.Write(b)
	} else {
		h.Write([]byte(m.Payload.Status + "\x00" + m.Payload.Message))
	}
	return hex.EncodeToString(h.Sum(nil))
}
