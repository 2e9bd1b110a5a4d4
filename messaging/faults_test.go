package messaging_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// faultRequestTimeout is the reader's per-request deadline in the fault tests.
const faultRequestTimeout = 200 * time.Millisecond

// proxiedClient returns a Client on u whose Zaqar requests go through a
// fault proxy, with a REST Notifier polling fast and bounding each request by
// faultRequestTimeout.
func proxiedClient(t *testing.T, u *tripleotest.Undercloud) (*tripleo.Client, *faultProxy) {
	t.Helper()
	ep := u.Endpoints()
	px := newFaultProxy(t, ep.Zaqar[:len(ep.Zaqar)-len("/zaqar")])
	ep.Zaqar = px.URL + "/zaqar"
	tr := &http.Transport{}
	c, err := tripleo.NewNoAuthClient(ep, tripleo.WithHTTPClient(&http.Client{Transport: tr}),
		messaging.UseZaqar(messaging.ZaqarOpts{
			MinInterval: 2 * time.Millisecond, MaxInterval: 25 * time.Millisecond,
			RetryMin: 5 * time.Millisecond, RetryMax: 100 * time.Millisecond,
			RequestTimeout: faultRequestTimeout,
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Notifier.(io.Closer).Close()
		tr.CloseIdleConnections()
	})
	return c, px
}

// TestDeliveryThroughZaqarFaults: Zaqar reset, answering 503, or hung (each
// request accepted and never answered) for 1 s or 5 s while runs are under
// way: once it answers again every message still on the queue is delivered,
// none twice, and every run ends with its own 3 events.
func TestDeliveryThroughZaqarFaults(t *testing.T) {
	cases := []struct {
		f   fault
		dur time.Duration
	}{
		{faultReset, time.Second},
		{fault503, time.Second},
		{faultHang, time.Second},
		{faultHang, 5 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.f.String()+"-"+tc.dur.String(), func(t *testing.T) {
			if tc.dur > time.Second && testing.Short() {
				t.Skip("5 s fault: not with -short")
			}
			u := tripleotest.NewT(t)
			c, px := proxiedClient(t, u)
			// Mid-run: the reader is under way (its marker past the first
			// runs' messages) when Zaqar fails; the next runs post theirs
			// during the fault.
			assertEveryRunGotItsOwn(t, runLoad(t, c, 10))
			px.set(tc.f)
			lift := time.AfterFunc(tc.dur, func() { px.set(faultNone) })
			defer lift.Stop()
			start := time.Now()
			res := runLoad(t, c, 20)
			t.Logf("%s for %s: every run ended %s after the fault began; %d requests faulted",
				tc.f, tc.dur, time.Since(start).Round(time.Millisecond), px.hits(tc.f))
			assertEveryRunGotItsOwn(t, res)
			if px.hits(tc.f) == 0 {
				t.Fatalf("no request met the %s fault: the test tested nothing", tc.f)
			}
		})
	}
}
