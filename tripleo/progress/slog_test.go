package progress_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/progress"
)

func TestLogCoversEveryEventKind(t *testing.T) {
	var buf bytes.Buffer
	log := progress.Log(slog.New(slog.NewTextHandler(&buf, nil)))
	for _, ev := range []tripleo.Event{
		{Kind: tripleo.EventStarted, Source: "tripleo.baremetal.v1.provide", ExecutionID: "e1"},
		{Kind: tripleo.EventMessage, Source: "tripleo.baremetal.v1.provide", Status: "RUNNING", Text: "providing"},
		{Kind: tripleo.EventState, Source: "tripleo.baremetal.v1.provide", ExecutionID: "e1", Status: "SUCCESS"},
		{Kind: tripleo.EventProgress, Source: "ironic", Subject: "node-0", Status: "available", Progress: &tripleo.Progress{Done: 1, Total: 2}},
		{Kind: tripleo.EventProgress, Source: "heat", Subject: "Controller", Status: "CREATE_COMPLETE"},
		{Kind: tripleo.EventWarning, Source: "ironic", Subject: "node-1", Err: errors.New("node-1 entered clean failed")},
		{Kind: tripleo.EventDone, Source: "tripleo.baremetal.v1.provide", Err: errors.New("1 node failed")},
	} {
		log(ev)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if assert.Len(t, lines, 7) {
		assert.Contains(t, lines[0], `event.text="tripleo.baremetal.v1.provide started"`)
		assert.Contains(t, lines[1], "event.text=providing")
		assert.Contains(t, lines[2], `event.text="execution e1 of tripleo.baremetal.v1.provide is now SUCCESS"`)
		assert.Contains(t, lines[3], "event.progress.done=1")
		assert.Contains(t, lines[4], "event.source=heat")
		assert.Contains(t, lines[5], "level=WARN")
		assert.Contains(t, lines[6], "level=ERROR")
	}
	progress.Log(nil)(tripleo.Event{Kind: tripleo.EventDone}) // a nil logger logs nothing and does not panic
}
