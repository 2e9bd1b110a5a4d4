package messaging_test

import (
	"testing"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// TestDuplicateBodiesAreOneEvent: a workflow that posts each message twice
// (two Zaqar ids, one body, as a retried zaqar.queue_post does) still gives
// each run one event per message, its final one included.
func TestDuplicateBodiesAreOneEvent(t *testing.T) {
	u := tripleotest.NewT(t, tripleotest.DuplicateMessages())
	c, err := u.Client()
	if err != nil {
		t.Fatal(err)
	}
	res := runLoad(t, c, 20)
	assertEveryRunGotItsOwn(t, res)
	if got := len(u.Messages("tripleo")); got != 2*3*20 {
		t.Fatalf("the queue holds %d messages, want every one posted twice (%d)", got, 2*3*20)
	}
}
