package tripleo_test

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tripleo-go/sdk/tripleo"
)

func TestEventSentenceForEveryKind(t *testing.T) {
	for _, tc := range []struct {
		ev   tripleo.Event
		want string
	}{
		{tripleo.Event{Kind: tripleo.EventState, Source: "tripleo.x", ExecutionID: "e1", Status: "ERROR", Text: "boom"}, "execution e1 of tripleo.x is now ERROR: boom"},
		{tripleo.Event{Kind: tripleo.EventState, Source: "tripleo.x", Status: "RUNNING"}, "tripleo.x is now RUNNING"},
		{tripleo.Event{Kind: tripleo.EventStarted, Source: "deployment.Deploy"}, "deployment.Deploy started"},
		{tripleo.Event{Kind: tripleo.EventProgress, Source: "ironic", Subject: "node-0", Status: "available"}, "node-0 is available"},
		{tripleo.Event{Kind: tripleo.EventWarning, Source: "ironic", Err: errors.New("clean failed")}, "clean failed"},
		{tripleo.Event{Kind: tripleo.EventDone, Source: "w", Err: errors.New("bad")}, "w failed: bad"},
		{tripleo.Event{Kind: tripleo.EventDone, Source: "w"}, "w finished"},
		{tripleo.Event{Kind: tripleo.EventMessage, Source: "w", Text: "line one\nline two"}, "line one | line two"},
	} {
		assert.Equal(t, tc.want, tc.ev.Sentence(), "%+v", tc.ev)
	}
}

func TestEventLogValueHasTheSetFields(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	l.Info("ev", "event", tripleo.Event{Kind: tripleo.EventProgress, Source: "heat", Subject: "Controller", Status: "CREATE_COMPLETE",
		Progress: &tripleo.Progress{Done: 3, Total: 10}})
	assert.Equal(t, `level=INFO msg=ev event.kind=progress event.source=heat event.subject=Controller event.status=CREATE_COMPLETE `+
		`event.text="Controller is CREATE_COMPLETE" event.progress.done=3 event.progress.in_progress=0 event.progress.failed=0 event.progress.total=10`+"\n", buf.String())
}
