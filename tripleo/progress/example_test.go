package progress_test

import (
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
