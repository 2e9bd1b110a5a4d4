package progress_test

import (
	"errors"
	"log/slog"
	"os"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/progress"
)

// Events print as one line each; on a terminal a live bar follows the counters.
func Example() {
	p := progress.New(os.Stdout) // not a terminal here: plain lines
	p.Stage("Deploy")
	p.Event(tripleo.Event{Kind: tripleo.EventProgress, Source: "heat", Subject: "Controller", Status: "CREATE_COMPLETE",
		Progress: &tripleo.Progress{Done: 3, Total: 10}})
	// Output:
	// ==> Deploy
	// heat Controller CREATE_COMPLETE [3/10 done]
}

// Log writes every event, whatever its kind, as one structured record.
func ExampleLog() {
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	log := progress.Log(slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})))
	log(tripleo.Event{Kind: tripleo.EventState, Source: "tripleo.baremetal.v1.provide", ExecutionID: "e1", Status: "RUNNING"})
	log(tripleo.Event{Kind: tripleo.EventWarning, Source: "ironic", Subject: "compute-0", Status: "clean failed",
		Err: errors.New("node compute-0 is \"clean failed\"")})
	// Output:
	// level=INFO msg="tripleo event" event.kind=state event.source=tripleo.baremetal.v1.provide event.execution_id=e1 event.status=RUNNING event.text="execution e1 of tripleo.baremetal.v1.provide is now RUNNING"
	// level=WARN msg="tripleo event" event.kind=warning event.source=ironic event.subject=compute-0 event.status="clean failed" event.text="node compute-0 is \"clean failed\"" event.error="node compute-0 is \"clean failed\""
}
