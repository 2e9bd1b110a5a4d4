package messaging

import "github.com/tripleo-go/sdk/tripleo"

// roster is a reader's members, indexed for fan-out: a member subscribed for
// an execution is found by that execution's id, so a message reaches the
// members of its execution and of its root execution only and costs one
// delivery, not one per member of the queue. Not safe for concurrent use (the
// reader's lock guards it).
type roster struct {
	all    map[*member]struct{}
	anyone map[*member]struct{}            // members without an execution: every message
	byExec map[string]map[*member]struct{} // execution id -> its members
	buf    map[*member][]tripleo.Message   // reused by deliver
}

func newRoster() *roster {
	return &roster{
		all: map[*member]struct{}{}, anyone: map[*member]struct{}{},
		byExec: map[string]map[*member]struct{}{}, buf: map[*member][]tripleo.Message{},
	}
}

func (r *roster) add(m *member) {
	r.all[m] = struct{}{}
	if m.execution == "" {
		r.anyone[m] = struct{}{}
		return
	}
	set := r.byExec[m.execution]
	if set == nil {
		set = map[*member]struct{}{}
		r.byExec[m.execution] = set
	}
	set[m] = struct{}{}
}

func (r *roster) remove(m *member) {
	delete(r.all, m)
	delete(r.anyone, m)
	if set := r.byExec[m.execution]; set != nil {
		delete(set, m)
		if len(set) == 0 {
			delete(r.byExec, m.execution)
		}
	}
}

func (r *roster) has(m *member) bool {
	_, ok := r.all[m]
	return ok
}

func (r *roster) len() int { return len(r.all) }

// deliver hands each member the messages of msgs it wants, in order, through
// put (called once per member that gets any).
func (r *roster) deliver(msgs []tripleo.Message, put func(m *member, msgs []tripleo.Message)) {
	if len(msgs) == 0 {
		return
	}
	clear(r.buf)
	for i := range msgs {
		msg := &msgs[i]
		for m := range r.anyone {
			r.offer(m, msg)
		}
		ex, root := msg.Payload.ExecutionID, msg.Payload.RootExecutionID
		for m := range r.byExec[ex] {
			r.offer(m, msg)
		}
		if root != ex {
			for m := range r.byExec[root] {
				r.offer(m, msg)
			}
		}
	}
	for m, b := range r.buf {
		put(m, b)
	}
}

func (r *roster) offer(m *member, msg *tripleo.Message) {
	if m.wants(msg) {
		r.buf[m] = append(r.buf[m], *msg)
	}
}
