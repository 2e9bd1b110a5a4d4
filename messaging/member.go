package messaging

import (
	"time"

	"github.com/tripleo-go/sdk/tripleo"
)

// ageSlack is the margin by which a message must look older than a
// subscription (by its Zaqar age, whole seconds) to be left out of it.
const ageSlack = 2 * time.Second

// member is one subscription of a queue, as its reader sees it.
type member struct {
	box    *tripleo.Mailbox
	since  time.Time // when Subscribe was called
	replay bool
	// execution, when set, is the execution whose messages (its own and its
	// sub-workflows') alone go to this member: the reader routes by it.
	execution string
	// holding: a one-off replay listing is due; until it has been delivered,
	// live messages are held back in held (so that the replay comes first and
	// nothing that arrives meanwhile is lost).
	holding bool
	held    []tripleo.Message
	// skip holds the ids a one-off replay listing delivered; the main stream
	// does not deliver them again. Cleared once the main stream has caught up.
	skip map[string]struct{}
}

// wants reports whether msg goes to m: a member subscribed for an execution
// takes only that execution's messages. Without Replay, a message whose age
// shows it was posted before Subscribe is left out. The test is safe however
// late the reader runs: a message posted after Subscribe is at most as old,
// when listed, as the subscription is when the listing is delivered.
func (m *member) wants(msg *tripleo.Message) bool {
	if m.execution != "" && !msg.Payload.Belongs(m.execution) {
		return false
	}
	if m.skip != nil {
		if _, ok := m.skip[msg.ID]; ok {
			return false
		}
	}
	if !m.replay && msg.Age > 0 && time.Duration(msg.Age)*time.Second > time.Since(m.since)+ageSlack {
		return false // posted before this subscription
	}
	return true
}
