package messaging

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tripleo-go/sdk/tripleo"
)

// BenchmarkZaqarPoller measures one Zaqar REST poller serving N concurrent
// subscriptions (each with its own reader goroutine, as N runs would have)
// against an in-process Zaqar (httptest) that counts requests. One op = one
// message posted and taken by all N subscriptions. req/s is the request rate
// the server sees while messages flow (poll floor 5 ms here): it must not grow
// with N. Allocations include the in-process server's.
func BenchmarkZaqarPoller(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) { benchPoller(b, n) })
	}
}

func benchPoller(b *testing.B, n int) {
	f := newFakeZaqar()
	var reqs atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: srv.URL, Zaqar: srv.URL, ProjectID: testProject},
		tripleo.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		b.Fatal(err)
	}
	z := NewZaqar(c.Messaging, ZaqarOpts{MinInterval: 5 * time.Millisecond, MaxInterval: 2 * time.Second})
	defer z.Close()

	got := make(chan int, n)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		sub, err := z.Subscribe(context.Background(), "tripleo", tripleo.SubscribeOpts{})
		if err != nil {
			b.Fatal(err)
		}
		wg.Go(func() {
			defer sub.Close()
			for {
				select {
				case <-sub.Ready():
					if k := len(sub.Take()); k > 0 {
						got <- k
					}
				case <-stop:
					return
				}
			}
		})
	}
	// wait for every subscriber to be served once
	wait := func() {
		for left := n; left > 0; {
			left -= <-got
		}
	}
	f.add("tripleo", "warm", "RUNNING", "warm-up")
	wait()

	b.ReportAllocs()
	b.ResetTimer()
	r0 := reqs.Load()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		f.add("tripleo", "e1", "RUNNING", "tick")
		wait()
	}
	el := time.Since(t0)
	b.StopTimer()
	r := reqs.Load() - r0
	b.ReportMetric(float64(r)/el.Seconds(), "req/s")
	b.ReportMetric(float64(r)/float64(b.N), "req/op")
	b.ReportMetric(float64(el.Microseconds())/float64(b.N)/1000, "ms/msg")
	close(stop)
	wg.Wait()
}

// BenchmarkReaderFanout measures the client side alone: one page of 20
// messages parsed (once), de-duplicated and delivered to N subscriptions,
// which drain their mailboxes (no HTTP).
func BenchmarkReaderFanout(b *testing.B) {
	raw := make([]rawMessage, 20)
	for i := range raw {
		raw[i] = rawMessage{Age: 1, TTL: 3600, Body: []byte(`{"type": "tripleo.baremetal.v1.register_or_update", "payload": {"status": "RUNNING", "message": "Registering node", "execution_id": "7c3c2a4e-4d1a-4a5b-9d67-2a9f1e5c3b10", "root_execution_id": null, "plan_name": null, "deployment_status": null}}`)}
	}
	// broadcast: every member takes every message (a subscription without an
	// execution, the baseline); routed: members subscribed for an execution,
	// one of which the page's messages belong to.
	for _, n := range []int{1, 10, 100, 1000} {
		for _, routed := range []bool{false, true} {
			name := fmt.Sprintf("subs=%d/broadcast", n)
			if routed {
				name = fmt.Sprintf("subs=%d/routed", n)
			}
			b.Run(name, func(b *testing.B) {
				o := ZaqarOpts{}.normalized()
				p := newReader(nil, "tripleo", o, newTicker(o), nil)
				for i := range n {
					m := &member{since: time.Now()}
					if routed {
						m.execution = fmt.Sprintf("exec-%d", i)
						if i == 0 {
							m.execution = "7c3c2a4e-4d1a-4a5b-9d67-2a9f1e5c3b10"
						}
					}
					m.box = tripleo.NewMailbox(nil)
					p.members.add(m)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					for j := range raw {
						raw[j].ID = "m-" + strconv.Itoa(i*len(raw)+j)
					}
					p.accept(raw)
					for m := range p.members.all {
						m.box.Take() // each run drains its mailbox
					}
				}
			})
		}
	}
}
