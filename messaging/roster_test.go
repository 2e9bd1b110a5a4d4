package messaging

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

func msgOf(id, exec, root, text string) tripleo.Message {
	return tripleo.Message{ID: id, Payload: tripleo.Payload{ExecutionID: exec, RootExecutionID: root, Message: text}}
}

// The roster routes a message to the members of its execution and of its
// root, and to the members without an execution; each in order, once.
func TestRosterRoutesByExecution(t *testing.T) {
	r := newRoster()
	a := &member{execution: "a", since: time.Now()}
	b := &member{execution: "b", since: time.Now()}
	a2 := &member{execution: "a", since: time.Now()}
	all := &member{since: time.Now()}
	for _, m := range []*member{a, b, a2, all} {
		r.add(m)
	}
	got := map[*member][]string{}
	r.deliver([]tripleo.Message{
		msgOf("1", "a", "", "a's own"),
		msgOf("2", "c", "a", "a's sub-workflow"),
		msgOf("3", "b", "b", "b's, root itself"),
		msgOf("4", "x", "", "nobody's"),
	}, func(m *member, msgs []tripleo.Message) {
		got[m] = append(got[m], texts(msgs)...)
	})
	assert.Equal(t, []string{"a's own", "a's sub-workflow"}, got[a])
	assert.Equal(t, []string{"a's own", "a's sub-workflow"}, got[a2])
	assert.Equal(t, []string{"b's, root itself"}, got[b], "once, though its execution is also its root")
	assert.Equal(t, []string{"a's own", "a's sub-workflow", "b's, root itself", "nobody's"}, got[all])

	r.remove(a)
	r.remove(all)
	assert.Equal(t, 2, r.len())
	assert.False(t, r.has(a))
	got = map[*member][]string{}
	r.deliver([]tripleo.Message{msgOf("5", "a", "", "later")}, func(m *member, msgs []tripleo.Message) {
		got[m] = append(got[m], texts(msgs)...)
	})
	assert.Equal(t, map[*member][]string{a2: {"later"}}, got)
}

// Through the Notifier: a subscription for an execution receives that
// execution's messages only, Replay included.
func TestZaqarSubscriptionForAnExecution(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		f.add("tripleo", "e1", "RUNNING", "e1 retained")
		f.add("tripleo", "e2", "RUNNING", "e2 retained")
		z := newZ(t, f, ZaqarOpts{})
		s1 := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{Execution: "e1", Replay: true})
		require.NoError(t, z.Flush(context.Background(), "tripleo"))
		s2 := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{Execution: "e2"})
		f.add("tripleo", "e2", "RUNNING", "e2 live")
		f.add("tripleo", "e1", "SUCCESS", "e1 live")
		require.NoError(t, z.Flush(context.Background(), "tripleo"))
		assert.Equal(t, []string{"e1 retained", "e1 live"}, texts(s1.Take()))
		assert.Equal(t, []string{"e2 live"}, texts(s2.Take()), "read before s2 subscribed: not replayed")
		s1.Close()
		s2.Close()
	})
}
