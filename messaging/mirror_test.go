package messaging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

func TestMirrorCopiesOncePerQueueAndID(t *testing.T) {
	mem := NewMemory()
	var got []string
	mi := NewMirror(mem, SinkFunc(func(m tripleo.Message) { got = append(got, m.Queue+"/"+m.ID) }))
	a := subscribe(t, mi, "tripleo", tripleo.SubscribeOpts{})
	b := subscribe(t, mi, "tripleo", tripleo.SubscribeOpts{})
	c := subscribe(t, mi, "other", tripleo.SubscribeOpts{})
	for _, q := range []string{"tripleo", "other", "tripleo"} {
		_, err := mem.Publish(q, body("e", "RUNNING", q))
		require.NoError(t, err)
	}
	<-a.Ready()
	assert.Len(t, a.Take(), 2)
	assert.Len(t, b.Take(), 2)
	assert.Len(t, c.Take(), 1)
	assert.Equal(t, []string{"tripleo/tripleo-1", "tripleo/tripleo-3", "other/other-2"}, got)

	// A duplicate delivery (same queue and id) is not copied again; the same id on another queue is.
	late := subscribe(t, mi, "tripleo", tripleo.SubscribeOpts{Replay: true})
	assert.Len(t, late.Take(), 2)
	assert.Len(t, got, 3)
	mi.copy([]tripleo.Message{{ID: "tripleo-1", Queue: "elsewhere"}, {Queue: "x"}, {Queue: "x"}})
	assert.Len(t, got, 6, "same id on another queue, and id-less messages, are copied")

	assert.NoError(t, mi.Flush(context.Background(), "tripleo"), "delegated to the Memory's Flush")
	require.NoError(t, a.Close())
	require.NoError(t, mi.Close())
	_, err := mem.Publish("tripleo", body("e", "", ""))
	assert.ErrorIs(t, err, ErrClosed, "Close closes the wrapped Notifier")
}

type plainNotifier struct{ tripleo.Notifier }

func TestMirrorFlushWithoutFlusher(t *testing.T) {
	mi := NewMirror(plainNotifier{NewMemory()})
	assert.NoError(t, mi.Flush(context.Background(), "q"))
	assert.NoError(t, mi.Close())
}

func TestSlogSinkMasksSecrets(t *testing.T) {
	var buf bytes.Buffer
	sink := SlogSink(slog.New(slog.NewJSONHandler(&buf, nil)), tripleo.Secret("hunter2-secret"))
	var m tripleo.Message
	require.NoError(t, m.ParseBody([]byte(`{"type": "tripleo.baremetal.v1.register_or_update", "payload": {
		"status": "SUCCESS", "execution_id": "e1", "root_execution_id": "r1", "plan_name": "overcloud",
		"message": "registered with password hunter2-secret",
		"registered_nodes": [{"uuid": "n1", "driver_info": {"ipmi_password": "topsecret", "ipmi_address": "10.0.0.1"}}],
		"token": "abc123"}}`)))
	m.ID, m.Queue = "id-1", "tripleo"
	sink.Receive(m)
	line := buf.String()
	assert.Equal(t, 1, strings.Count(line, "\n"), "one line per message")
	for _, secret := range []string{"hunter2-secret", "topsecret", "abc123"} {
		assert.NotContains(t, line, secret)
	}
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &rec))
	assert.Equal(t, "zaqar message", rec["msg"])
	assert.Equal(t, "tripleo", rec["queue"])
	assert.Equal(t, "id-1", rec["id"])
	assert.Equal(t, "SUCCESS", rec["status"])
	assert.Equal(t, "e1", rec["execution_id"])
	assert.Equal(t, "r1", rec["root_execution_id"])
	assert.Equal(t, "overcloud", rec["plan_name"])
	assert.Equal(t, "registered with password ***", rec["text"])
	assert.Contains(t, rec["extra"], `"ipmi_address":"10.0.0.1"`)
	assert.Contains(t, rec["extra"], `"ipmi_password":"***"`)

	SlogSink(nil).Receive(m) // nil logger: silent
}

func TestChanSinkNeverBlocks(t *testing.T) {
	ch := make(chan tripleo.Message, 2)
	sink := ChanSink(ch)
	for i := range 5 {
		sink.Receive(tripleo.Message{ID: string(rune('a' + i))})
	}
	assert.Equal(t, uint64(3), sink.Dropped(), "the newest messages are dropped when the channel is full")
	assert.Equal(t, "a", (<-ch).ID)
	assert.Equal(t, "b", (<-ch).ID)
}
