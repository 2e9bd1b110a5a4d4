package messaging

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// splitTransport answers Mistral (host mistral.test) with a fakeMistral and
// sends everything else (Zaqar REST, the websocket handshake) to the network.
type splitTransport struct {
	m  *fakeMistral
	rt http.RoundTripper
}

func (s splitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "mistral.test" {
		return s.m.respond(r)
	}
	return s.rt.RoundTrip(r)
}

// The websocket killed mid-run: runs under way when the socket dies (their
// final messages are posted while it is down or reconnecting, pushed to
// nobody) still receive every message once: the reconnection's catch-up
// listing delivers what the pushes missed, the matcher and the engine drop
// what arrives both ways.
func TestEngineOverWebsocketKilledMidRun(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	m := &fakeMistral{z: f.z, states: map[string]string{}, finals: true}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test", Zaqar: f.srv.URL, ProjectID: testProject},
		tripleo.WithHTTPClient(&http.Client{Transport: splitTransport{m: m, rt: tr}}), tripleo.WithClientID(testClientID),
		UseWebsocket(f.wsURL(), fastWS(WebsocketOpts{})))
	require.NoError(t, err)
	w := c.Notifier.(*Websocket)
	defer w.Close()
	ctx := context.Background()
	var runs []*tripleo.Run[*tripleo.Final]
	for range 20 {
		r, err := tripleo.Start(ctx, c, "tripleo.test.v1.wf", nil, tripleo.DecodeFinal, tripleo.StartOpts{})
		require.NoError(t, err)
		runs = append(runs, r)
	}
	// Mid-run (each run's final message comes 300 ms after its start): the
	// socket dies and cannot be re-opened for a while.
	f.set(func(f *fakeWS) { f.refuse = true })
	f.dropAll(0, "")
	back := time.AfterFunc(400*time.Millisecond, func() { f.set(func(f *fakeWS) { f.refuse = false }) })
	defer back.Stop()
	for _, r := range runs {
		fin, err := r.Wait(ctx)
		require.NoError(t, err)
		require.NotNil(t, fin.Message, "decided with its final message")
		var msgs []string
		for _, ev := range r.Snapshot() {
			if ev.Kind == tripleo.EventMessage {
				assert.Equal(t, r.ExecutionID(), ev.ExecutionID, "only its own messages")
				msgs = append(msgs, ev.Text)
			}
		}
		assert.Equal(t, []string{"step 1", "done"}, msgs, "every message, once")
	}
	m.wg.Wait()
	require.NoError(t, w.Close())
}
