package deployment_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tripleo-go/sdk/deployment"
)

// bigStack builds a Heat double holding a stack of 500 resources (100 in the
// top stack, 4 of which are nested stacks of 100 resources each) whose create
// makes 5,010 events: 10 per resource (CREATE_IN_PROGRESS, 4 signal cycles,
// CREATE_COMPLETE) and 10 of the stacks themselves. live reveals them 100 per
// events request (a stack in progress); otherwise they are all there (a replay).
func bigStack(live bool) *heatSim {
	h := newHeatSim()
	h.stack(top, topID, "CREATE_IN_PROGRESS", "")
	var evs []simEvent
	evs = append(evs, h.ev(top, top, "CREATE_IN_PROGRESS", "Stack CREATE started"))
	resourceEvents := func(stack, name string) {
		h.resource(stack, name, "OS::Heat::StructuredDeployment", "INIT_COMPLETE")
		evs = append(evs, h.ev(stack, name, "CREATE_IN_PROGRESS", "state changed"))
		for range 4 {
			evs = append(evs, h.ev(stack, name, "SIGNAL_IN_PROGRESS", "Signal: deployment running"),
				h.ev(stack, name, "SIGNAL_COMPLETE", "Signal: deployment succeeded"))
		}
		evs = append(evs, h.ev(stack, name, "CREATE_COMPLETE", "state changed"))
	}
	for i := range 96 {
		resourceEvents(top, fmt.Sprintf("Resource%02d", i))
	}
	for g := range 4 {
		group := fmt.Sprintf("Group%d", g)
		nestedName := fmt.Sprintf("overcloud-%s-x%d", group, g)
		h.stack(nestedName, fmt.Sprintf("nested-%d", g), "INIT_COMPLETE", top)
		resourceEvents(top, group)
		evs = append(evs, h.ev(nestedName, nestedName, "CREATE_IN_PROGRESS", "Stack CREATE started"))
		for i := range 100 {
			resourceEvents(nestedName, fmt.Sprint(i))
		}
		evs = append(evs, h.ev(nestedName, nestedName, "CREATE_COMPLETE", "Stack CREATE completed successfully"))
	}
	evs = append(evs, h.ev(top, top, "CREATE_COMPLETE", "Stack CREATE completed successfully"))
	if !live {
		h.add(evs...)
	} else {
		for len(evs) > 0 {
			n := min(100, len(evs))
			h.later(evs[:n]...)
			evs = evs[n:]
		}
	}
	h.prerender(heatURL)
	return h
}

func BenchmarkFollowStack(b *testing.B) {
	for _, live := range []bool{true, false} {
		name := "replay"
		if live {
			name = "live"
		}
		b.Run(name+"/500res-5010ev", func(b *testing.B) {
			var requests, events int
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				h := bigStack(live)
				c := newSimClient(b, h)
				b.StartTimer()
				w, err := deployment.FollowStack(context.Background(), c, deployment.FollowOpts{Stack: top, PollMin: time.Microsecond, PollMax: time.Microsecond})
				if err != nil {
					b.Fatal(err)
				}
				st, err := w.Wait(context.Background())
				if err != nil || st.Status != "CREATE_COMPLETE" {
					b.Fatal(st, err)
				}
				b.StopTimer()
				if c := w.Counts(); c.Done != 500 || c.Total != 500 {
					b.Fatalf("counts %+v", c)
				}
				n, _ := h.counts()
				requests += n
				events += len(w.Run().Snapshot())
				b.StartTimer()
			}
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(events)/float64(b.N), "runevents/op")
		})
	}
}
