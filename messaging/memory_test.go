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

func body(execID, status, text string) map[string]any {
	return map[string]any{"type": "tripleo.test.v1.wf", "payload": map[string]any{
		"status": status, "message": text, "execution_id": execID}}
}

func TestMemoryPublishSubscribe(t *testing.T) {
	mem := NewMemory()
	before, err := mem.Publish("tripleo", body("e0", "SUCCESS", "before"))
	require.NoError(t, err)
	assert.Equal(t, "tripleo-1", before.ID)
	assert.Equal(t, 3600, before.TTL)

	live := subscribe(t, mem, "tripleo", tripleo.SubscribeOpts{})
	replay := subscribe(t, mem, "tripleo", tripleo.SubscribeOpts{Replay: true})
	other := subscribe(t, mem, "other", tripleo.SubscribeOpts{})
	m, err := mem.Publish("tripleo", body("e1", "RUNNING", "after"))
	require.NoError(t, err)
	assert.Equal(t, "tripleo-2", m.ID)
	assert.Equal(t, "tripleo", m.Queue)
	assert.Equal(t, "e1", m.Payload.ExecutionID)
	assert.Equal(t, "tripleo.test.v1.wf", m.Type)

	select {
	case <-live.Ready():
	default:
		t.Fatal("Ready not signalled")
	}
	assert.Equal(t, []string{"after"}, texts(live.Take()))
	assert.Equal(t, []string{"before", "after"}, texts(replay.Take()))
	assert.Empty(t, other.Take())
	assert.NoError(t, mem.Flush(context.Background(), "tripleo"))

	_, err = mem.Publish("tripleo", "not an object")
	assert.Error(t, err)
	_, err = mem.Publish("bad queue", body("e", "", ""))
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	_, err = mem.Subscribe(context.Background(), "bad queue", tripleo.SubscribeOpts{})
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)

	// Publishing a tripleo.Message (or its Body) round-trips.
	for _, b := range []any{m.Body(), m, &m} {
		m2, err := mem.Publish("other", b)
		require.NoError(t, err)
		assert.Equal(t, m.Payload.ExecutionID, m2.Payload.ExecutionID)
		assert.Equal(t, m.Payload.Status, m2.Payload.Status)
		assert.Equal(t, m.Type, m2.Type)
	}

	live.Close()
	_, err = mem.Publish("tripleo", body("e1", "SUCCESS", "closed"))
	require.NoError(t, err)
	assert.Empty(t, live.Take(), "a closed subscription receives nothing")

	require.NoError(t, mem.Close())
	_, err = mem.Publish("tripleo", body("e1", "", ""))
	assert.ErrorIs(t, err, ErrClosed)
	_, err = mem.Subscribe(context.Background(), "tripleo", tripleo.SubscribeOpts{})
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, mem.Flush(context.Background(), "tripleo"), ErrClosed)
}

func TestMemoryTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemory(MemoryTTL(10 * time.Second))
		_, err := mem.Publish("q", body("e", "RUNNING", "short"))
		require.NoError(t, err)
		_, err = mem.PublishTTL("q", body("e", "RUNNING", "long"), time.Minute)
		require.NoError(t, err)
		time.Sleep(5 * time.Second)
		s := subscribe(t, mem, "q", tripleo.SubscribeOpts{Replay: true})
		got := s.Take()
		assert.Equal(t, []string{"short", "long"}, texts(got))
		assert.Equal(t, 5, got[0].Age)
		assert.Equal(t, 10, got[0].TTL)
		assert.Equal(t, 60, got[1].TTL)
		time.Sleep(6 * time.Second)
		assert.Equal(t, []string{"long"}, texts(mem.Retained("q")), "expired after its TTL")
		s2 := subscribe(t, mem, "q", tripleo.SubscribeOpts{Replay: true})
		assert.Equal(t, []string{"long"}, texts(s2.Take()))
	})
}

func TestMemoryEphemeral(t *testing.T) {
	mem := NewMemory()
	s := subscribe(t, mem, "run-1", tripleo.SubscribeOpts{Ephemeral: true})
	_, err := mem.Publish("run-1", body("e", "SUCCESS", "x"))
	require.NoError(t, err)
	s.Close()
	assert.Empty(t, mem.Retained("run-1"), "a queue the subscription created is dropped")

	_, err = mem.Publish("shared", body("e", "SUCCESS", "kept"))
	require.NoError(t, err)
	s = subscribe(t, mem, "shared", tripleo.SubscribeOpts{Ephemeral: true})
	s.Close()
	assert.Len(t, mem.Retained("shared"), 1, "a queue that existed is kept")
}

func TestMemorySubscribersAndRedeliver(t *testing.T) {
	mem := NewMemory()
	assert.Zero(t, mem.Subscribers("tripleo"))
	a := subscribe(t, mem, "tripleo", tripleo.SubscribeOpts{})
	b := subscribe(t, mem, "tripleo", tripleo.SubscribeOpts{})
	subscribe(t, mem, "other", tripleo.SubscribeOpts{})
	assert.Equal(t, 2, mem.Subscribers("tripleo"))

	m, err := mem.Publish("tripleo", body("e1", "SUCCESS", "once"))
	require.NoError(t, err)
	require.NoError(t, a.Close())
	assert.Equal(t, 1, mem.Subscribers("tripleo"), "a closed subscription is not counted")

	require.NoError(t, mem.Redeliver(m))
	got := b.Take()
	require.Len(t, got, 2, "delivered twice")
	assert.Equal(t, got[0], got[1], "same message, same id")
	assert.Empty(t, a.Take())
	assert.Len(t, mem.Retained("tripleo"), 1, "a redelivery is not retained again")
	assert.NoError(t, mem.Redeliver(tripleo.Message{ID: "x", Queue: "nobody"}), "a queue without subscriptions: nothing to do")
	assert.ErrorIs(t, mem.Redeliver(tripleo.Message{ID: "x", Queue: "bad queue"}), tripleo.ErrInvalidInput)

	require.NoError(t, mem.Close())
	assert.Zero(t, mem.Subscribers("tripleo"))
	assert.ErrorIs(t, mem.Redeliver(m), ErrClosed)
}

func TestMemorySubscriptionForAnExecution(t *testing.T) {
	mem := NewMemory()
	defer mem.Close()
	post := func(exec, root, text string) {
		_, err := mem.Publish("tripleo", map[string]any{"type": "wf", "payload": map[string]any{
			"status": "RUNNING", "message": text, "execution_id": exec, "root_execution_id": root}})
		require.NoError(t, err)
	}
	post("e1", "", "e1 retained")
	post("e2", "", "e2 retained")
	s1, err := mem.Subscribe(context.Background(), "tripleo", tripleo.SubscribeOpts{Execution: "e1", Replay: true})
	require.NoError(t, err)
	all, err := mem.Subscribe(context.Background(), "tripleo", tripleo.SubscribeOpts{})
	require.NoError(t, err)
	post("sub", "e1", "e1's sub-workflow")
	post("e2", "", "e2 live")
	assert.Equal(t, []string{"e1 retained", "e1's sub-workflow"}, texts(s1.Take()))
	assert.Equal(t, []string{"e1's sub-workflow", "e2 live"}, texts(all.Take()))
}
