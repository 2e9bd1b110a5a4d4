package progress

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tripleo-go/sdk/tripleo"
)

func TestFormatAndBar(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	at := start.Add(1500 * time.Millisecond)
	assert.Equal(t, "[  +1.5s] baremetal.register_or_update SUCCESS: 2 node(s) registered",
		Format(tripleo.Event{Time: at, Kind: tripleo.EventMessage, Source: "tripleo.baremetal.v1.register_or_update", Status: "SUCCESS", Text: "2 node(s) registered"}, start))
	assert.Equal(t, "heat Controller CREATE_COMPLETE [3/10 done]",
		Format(tripleo.Event{Kind: tripleo.EventProgress, Source: "heat", Subject: "Controller", Status: "CREATE_COMPLETE", Progress: &tripleo.Progress{Done: 3, Total: 10}}, time.Time{}))
	assert.Equal(t, "deployment.deploy_plan failed: boom",
		Format(tripleo.Event{Kind: tripleo.EventDone, Source: "tripleo.deployment.v1.deploy_plan", Err: errors.New("boom")}, time.Time{}))
	assert.Equal(t, "heat [=====>    ] 5/10 (1 failed)", Bar("heat", &tripleo.Progress{Done: 5, Failed: 1, Total: 10}, 10))
	assert.Equal(t, "heat [==========] 10/10", Bar("heat", &tripleo.Progress{Done: 10, Total: 10}, 10))
}

func TestPipedOutputHasNoControlCodes(t *testing.T) {
	var b bytes.Buffer
	p := New(&b)
	p.Stage("Deploy")
	p.Event(tripleo.Event{Kind: tripleo.EventProgress, Source: "heat", Progress: &tripleo.Progress{Done: 1, Total: 2}})
	p.Event(tripleo.Event{Kind: tripleo.EventDone, Source: "x"})
	assert.NotContains(t, b.String(), "\r")
	assert.NotContains(t, b.String(), "\033")
	assert.Equal(t, 3, bytes.Count(b.Bytes(), []byte("\n")))
}

func TestTerminalRedrawsTheBarUnderNewLines(t *testing.T) {
	var b bytes.Buffer
	p := &Printer{w: &b, tty: true}
	p.Event(tripleo.Event{Kind: tripleo.EventProgress, Source: "heat", Progress: &tripleo.Progress{Done: 1, Total: 2}})
	p.Line("hello")
	p.Done()
	out := b.String()
	assert.Contains(t, out, "\r\033[Khello\nheat [")
	assert.True(t, bytes.HasSuffix(b.Bytes(), []byte("\r\033[K")))
}
