//go:build integration

package messaging

// Tests against a real Zaqar (REST and websocket), e.g. the one scripts/undercloud starts:
//
//	ZAQAR_URL=http://127.0.0.1:8888 ZAQAR_WS_URL=ws://127.0.0.1:9000 [ZAQAR_PROJECT_ID=admin] \
//	  go test -tags integration -run Real ./messaging/
//
// Skipped unless ZAQAR_URL (and ZAQAR_WS_URL for the websocket tests) are set.
// Every test uses its own queues (random names), created Ephemeral or
// deleted at the end; the shared "tripleo" queue is never touched.
// ZAQAR_SLOW=1 also runs the subscription renewal test (about 50 s: Zaqar's
// minimum subscription TTL is 60 s).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"
	"github.com/gophercloud/gophercloud/v2/pagination"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

func realEnv(t *testing.T, ws bool) (zaqarURL, wsURL, project string) {
	t.Helper()
	zaqarURL = os.Getenv("ZAQAR_URL")
	wsURL = os.Getenv("ZAQAR_WS_URL")
	if zaqarURL == "" || (ws && wsURL == "") {
		t.Skip("set ZAQAR_URL (and ZAQAR_WS_URL) to run against a real Zaqar")
	}
	project = os.Getenv("ZAQAR_PROJECT_ID")
	if project == "" {
		project = "admin"
	}
	return
}

// recorder records the listing queries the client sends.
type recorder struct {
	mu      sync.Mutex
	rt      http.RoundTripper
	queries []url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/messages") {
		r.mu.Lock()
		r.queries = append(r.queries, req.URL.Query())
		r.mu.Unlock()
	}
	return r.rt.RoundTrip(req)
}

func (r *recorder) markers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, q := range r.queries {
		out = append(out, q.Get("marker"))
	}
	return out
}

// realClient returns a noauth client on the real Zaqar with its own Client-ID.
//
// Keep-alives are off: the lab's Zaqar is wsgiref's single-threaded server
// (HTTP/1.0, one connection at a time), and a connection Go's transport
// dials for a request that is cancelled meanwhile (a poller stopped by Close)
// is kept as idle; the server then blocks reading it and every other client
// waits until it is closed (seen here as 30 s stalls of the next request).
func realClient(t *testing.T, zaqarURL, project string, rec *recorder) *tripleo.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	var rt http.RoundTripper = tr
	if rec != nil {
		rec.rt = tr
		rt = rec
	}
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://127.0.0.1:1", Zaqar: zaqarURL, ProjectID: project},
		tripleo.WithHTTPClient(&http.Client{Transport: rt, Timeout: 30 * time.Second}))
	require.NoError(t, err)
	return c
}

func realQueue(t *testing.T, sc *gophercloud.ServiceClient) string {
	q := "sdktest-" + strings.ReplaceAll(uuid.NewString()[:13], "-", "")
	t.Cleanup(func() { _ = queues.Delete(context.Background(), sc, q).ExtractErr() })
	return q
}

func postReal(t *testing.T, sc *gophercloud.ServiceClient, q string, bodies ...map[string]any) {
	t.Helper()
	for len(bodies) > 0 {
		n := min(len(bodies), 10)
		var batch messages.BatchCreateOpts
		for _, b := range bodies[:n] {
			batch = append(batch, messages.CreateOpts{TTL: 300, Body: b})
		}
		_, err := messages.Create(context.Background(), sc, q, batch).Extract()
		require.NoError(t, err)
		bodies = bodies[n:]
	}
}

func tripleoBody(exec, status, text string) map[string]any {
	return map[string]any{"type": "tripleo.sdktest.v1.wf", "payload": map[string]any{
		"status": status, "message": text, "execution_id": exec, "root_execution_id": nil}}
}

func queueExists(t *testing.T, sc *gophercloud.ServiceClient, q string) bool {
	found := false
	err := queues.List(sc, queues.ListOpts{Limit: 20}).EachPage(context.Background(), func(_ context.Context, p pagination.Page) (bool, error) {
		qs, err := queues.ExtractQueues(p)
		for _, x := range qs {
			if x.Name == q {
				found = true
			}
		}
		return !found, err
	})
	require.NoError(t, err)
	return found
}

func TestRealRESTPollerEchoAndDelivery(t *testing.T) {
	zaqarURL, _, project := realEnv(t, false)
	c := realClient(t, zaqarURL, project, nil)
	q := realQueue(t, c.Messaging)
	z := NewZaqar(c.Messaging, ZaqarOpts{MinInterval: 50 * time.Millisecond, MaxInterval: 500 * time.Millisecond})
	defer z.Close()
	sub, err := z.Subscribe(context.Background(), q, tripleo.SubscribeOpts{Ephemeral: true})
	require.NoError(t, err)
	assert.True(t, queueExists(t, c.Messaging, q), "created by the Ephemeral subscription")

	// Posted with our own Client-ID: only listed because of echo=true.
	t0 := time.Now()
	postReal(t, c.Messaging, q, tripleoBody("e1", "RUNNING", "echoed"))
	got := collect(t, sub, 1, 10*time.Second)
	t.Logf("REST poller: message delivered %v after the POST", time.Since(t0))
	assert.Equal(t, "echoed", got[0].Payload.Message)
	assert.Equal(t, "e1", got[0].Payload.ExecutionID)
	assert.Equal(t, q, got[0].Queue)
	assert.Equal(t, 300, got[0].TTL)
	assert.NotEmpty(t, got[0].ID)

	// A body that is not an object is skipped; the next message still arrives.
	_, err = messages.Create(context.Background(), c.Messaging, q, rawBatch{`"plain string"`}).Extract()
	require.NoError(t, err)
	postReal(t, c.Messaging, q, tripleoBody("e1", "SUCCESS", "after the string"))
	got = collect(t, sub, 1, 10*time.Second)
	assert.Equal(t, []string{"after the string"}, texts(got))

	require.NoError(t, sub.Close())
	assert.False(t, queueExists(t, c.Messaging, q), "deleted when the subscription closed")
}

// rawBatch posts raw JSON bodies (gophercloud's CreateOpts only takes objects).
type rawBatch []string

func (r rawBatch) ToMessageCreateMap() (map[string]any, error) {
	var msgs []any
	for _, b := range r {
		msgs = append(msgs, map[string]any{"ttl": 300, "body": json.RawMessage(b)})
	}
	return map[string]any{"messages": msgs}, nil
}

func TestRealRESTPollerMarkersAcrossPages(t *testing.T) {
	zaqarURL, _, project := realEnv(t, false)
	rec := &recorder{}
	c := realClient(t, zaqarURL, project, rec)
	q := realQueue(t, c.Messaging)
	var bodies []map[string]any
	var want []string
	for i := range 47 {
		text := fmt.Sprintf("m%02d", i)
		bodies = append(bodies, tripleoBody("e-pages", "RUNNING", text))
		want = append(want, text)
	}
	postReal(t, c.Messaging, q, bodies...)
	z := NewZaqar(c.Messaging, ZaqarOpts{})
	defer z.Close()
	sub, err := z.Subscribe(context.Background(), q, tripleo.SubscribeOpts{Replay: true})
	require.NoError(t, err)
	defer sub.Close()
	got := collect(t, sub, 47, 10*time.Second)
	assert.Equal(t, want, texts(got), "every message once, in order, across three pages")
	markers := rec.markers()
	require.GreaterOrEqual(t, len(markers), 3)
	assert.Empty(t, markers[0])
	assert.Equal(t, got[19].ID, markers[1], "the marker of links.next (the redis driver's: the last id of the page)")
	assert.Equal(t, got[39].ID, markers[2])

	// More messages later: read from the kept marker, and a second Replay subscriber gets everything.
	postReal(t, c.Messaging, q, tripleoBody("e-pages", "SUCCESS", "last"))
	require.NoError(t, z.Flush(context.Background(), q))
	assert.Equal(t, []string{"last"}, texts(sub.Take()))
	late, err := z.Subscribe(context.Background(), q, tripleo.SubscribeOpts{Replay: true})
	require.NoError(t, err)
	defer late.Close()
	require.NoError(t, z.Flush(context.Background(), q))
	assert.Len(t, late.Take(), 48)
	assert.Empty(t, sub.Take(), "no duplicates for the first subscriber")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, v := range rec.queries {
		assert.Equal(t, "true", v.Get("echo"))
		assert.Equal(t, "20", v.Get("limit"))
	}
}

func TestRealWebsocketPush(t *testing.T) {
	zaqarURL, wsURL, project := realEnv(t, true)
	c := realClient(t, zaqarURL, project, nil)
	poster := realClient(t, zaqarURL, project, nil) // another client, as Mistral would be
	q := realQueue(t, c.Messaging)
	w := NewWebsocket(wsURL, c.Messaging, WebsocketOpts{})
	defer w.Close()
	sub, err := w.Subscribe(context.Background(), q, tripleo.SubscribeOpts{})
	require.NoError(t, err)
	defer sub.Close()
	require.NoError(t, w.Flush(context.Background(), q))
	t0 := time.Now()
	postReal(t, poster.Messaging, q, tripleoBody("e-ws", "RUNNING", "pushed over the socket"))
	got := collect(t, sub, 1, 10*time.Second)
	t.Logf("websocket: message delivered %v after the POST (id %s)", time.Since(t0), got[0].ID)
	assert.Equal(t, "pushed over the socket", got[0].Payload.Message)
	assert.True(t, strings.HasPrefix(got[0].ID, "push-"), "delivered by the push, not by a listing: %s", got[0].ID)
	assert.Equal(t, 300, got[0].TTL)
	// The REST catch-up lists the same message: paired by body hash, not delivered again.
	require.NoError(t, w.Flush(context.Background(), q))
	quiet(t, sub, 300*time.Millisecond)
	postReal(t, poster.Messaging, q, tripleoBody("e-ws", "RUNNING", "twin"), tripleoBody("e-ws", "RUNNING", "twin"))
	got = collect(t, sub, 2, 10*time.Second)
	assert.Equal(t, []string{"twin", "twin"}, texts(got), "identical bodies are two messages")
	require.NoError(t, w.Flush(context.Background(), q))
	quiet(t, sub, 300*time.Millisecond)
}

// proxy is a TCP proxy to the real websocket server that the test can cut.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target}
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			p.mu.Unlock()
			if down {
				c.Close()
				continue
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			p.wg.Go(func() { io.Copy(u, c); u.Close() })
			p.wg.Go(func() { io.Copy(c, u); c.Close() })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		p.cut(true)
		p.wg.Wait()
	})
	return p
}

// cut closes every proxied connection; down refuses new ones until cut(false).
func (p *proxy) cut(down bool) {
	p.mu.Lock()
	p.down = down
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// realWS is a websocket test on a real Zaqar: a Websocket built with opts,
// subscribed to a fresh queue q, and another client to post with; proxied, the
// socket goes through px, which the test can cut. Everything is closed (the
// subscription first) when the test ends.
type realWS struct {
	w      *Websocket
	sub    tripleo.Subscription
	q      string
	poster *tripleo.Client
	px     *proxy
}

func newRealWS(t *testing.T, proxied bool, opts WebsocketOpts) *realWS {
	t.Helper()
	zaqarURL, wsURL, project := realEnv(t, true)
	r := &realWS{}
	if proxied {
		u, err := url.Parse(wsURL)
		require.NoError(t, err)
		r.px = newProxy(t, u.Host)
		wsURL = "ws://" + r.px.ln.Addr().String()
	}
	c := realClient(t, zaqarURL, project, nil)
	r.poster = realClient(t, zaqarURL, project, nil)
	r.q = realQueue(t, c.Messaging)
	r.w = NewWebsocket(wsURL, c.Messaging, opts)
	t.Cleanup(func() { r.w.Close() })
	sub, err := r.w.Subscribe(context.Background(), r.q, tripleo.SubscribeOpts{})
	require.NoError(t, err)
	t.Cleanup(func() { sub.Close() })
	r.sub = sub
	return r
}

func TestRealWebsocketReconnectCatchUp(t *testing.T) {
	r := newRealWS(t, true, WebsocketOpts{ReconnectMin: 100 * time.Millisecond, ReconnectMax: 500 * time.Millisecond})
	w, sub, q, poster, px := r.w, r.sub, r.q, r.poster, r.px
	require.NoError(t, w.Flush(context.Background(), q))
	postReal(t, poster.Messaging, q, tripleoBody("e-rc", "RUNNING", "before"))
	got := collect(t, sub, 1, 10*time.Second)
	assert.True(t, strings.HasPrefix(got[0].ID, "push-"))

	// The socket drops; Zaqar drops its subscription. A message posted while
	// the socket is down is pushed to nobody.
	px.cut(true)
	time.Sleep(200 * time.Millisecond)
	postReal(t, poster.Messaging, q, tripleoBody("e-rc", "RUNNING", "while down"))
	got = collect(t, sub, 1, 10*time.Second)
	assert.Equal(t, []string{"while down"}, texts(got), "listed over REST while reconnecting")
	assert.False(t, strings.HasPrefix(got[0].ID, "push-"))

	px.cut(false)
	require.Eventually(t, func() bool { return w.Reconnects() >= 1 }, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, w.Flush(context.Background(), q))
	// Resubscribed on the new socket: pushes flow again.
	require.Eventually(t, func() bool {
		postReal(t, poster.Messaging, q, tripleoBody("e-rc", "RUNNING", "after"))
		select {
		case <-sub.Ready():
		case <-time.After(2 * time.Second):
			return false
		}
		for _, m := range sub.Take() {
			if strings.HasPrefix(m.ID, "push-") && m.Payload.Message == "after" {
				return true
			}
		}
		return false
	}, 20*time.Second, 10*time.Millisecond)
	require.NoError(t, w.Flush(context.Background(), q))
	quiet(t, sub, 300*time.Millisecond)
}

func TestRealWebsocketDropCatchUpWithoutRESTInBetween(t *testing.T) {
	// The socket drops and comes back at once: the message posted in the gap
	// comes from the catch-up listing after the resubscription.
	r := newRealWS(t, true, WebsocketOpts{ReconnectMin: 300 * time.Millisecond, ReconnectMax: time.Second})
	w, sub, q, poster, px := r.w, r.sub, r.q, r.poster, r.px
	require.NoError(t, w.Flush(context.Background(), q))
	px.cut(false)
	postReal(t, poster.Messaging, q, tripleoBody("e-gap", "SUCCESS", "in the gap"))
	got := collect(t, sub, 1, 10*time.Second)
	assert.Equal(t, []string{"in the gap"}, texts(got))
	require.Eventually(t, func() bool { return w.Reconnects() >= 1 }, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, w.Flush(context.Background(), q))
	quiet(t, sub, 300*time.Millisecond)
}

func TestRealWebsocketRenewal(t *testing.T) {
	if os.Getenv("ZAQAR_SLOW") == "" {
		t.Skip("set ZAQAR_SLOW=1 (about 50 s)")
	}
	r := newRealWS(t, false, WebsocketOpts{SubscriptionTTL: 60 * time.Second})
	w, sub, q, poster := r.w, r.sub, r.q, r.poster
	time.Sleep(48 * time.Second) // renewed at 45 s: subscription_delete + subscription_create
	postReal(t, poster.Messaging, q, tripleoBody("e-renew", "RUNNING", "after renewal"))
	got := collect(t, sub, 1, 10*time.Second)
	assert.True(t, strings.HasPrefix(got[0].ID, "push-"), "still pushed: %s", got[0].ID)
	assert.Equal(t, 0, w.Reconnects(), "renewed on the same socket")
}

func TestRealWebsocketFallbackWhenRefused(t *testing.T) {
	zaqarURL, _, project := realEnv(t, false)
	c := realClient(t, zaqarURL, project, nil)
	q := realQueue(t, c.Messaging)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	w := NewWebsocket("ws://"+addr, c.Messaging, WebsocketOpts{Zaqar: ZaqarOpts{MinInterval: 50 * time.Millisecond}})
	defer w.Close()
	sub, err := w.Subscribe(context.Background(), q, tripleo.SubscribeOpts{})
	require.NoError(t, err)
	defer sub.Close()
	postReal(t, c.Messaging, q, tripleoBody("e-fb", "RUNNING", "polled"))
	got := collect(t, sub, 1, 10*time.Second)
	assert.False(t, strings.HasPrefix(got[0].ID, "push-"))
}

// TestRealEngineRun runs a workflow on the real Mistral of the lab (its
// test-double tripleo.plan_management.v1.create_default_deployment_plan posts
// its final message to Zaqar with std.http) and follows it through each
// Notifier. Needs MISTRAL_URL too.
func TestRealEngineRun(t *testing.T) {
	zaqarURL, wsURL, project := realEnv(t, false)
	mistralURL := os.Getenv("MISTRAL_URL")
	if mistralURL == "" {
		t.Skip("set MISTRAL_URL to run a workflow")
	}
	notifiers := map[string]tripleo.Option{"rest": UseZaqar(ZaqarOpts{})}
	if wsURL != "" {
		notifiers["websocket"] = UseWebsocket(wsURL, WebsocketOpts{})
	}
	for name, opt := range notifiers {
		t.Run(name, func(t *testing.T) {
			tr := &http.Transport{DisableKeepAlives: true}
			t.Cleanup(tr.CloseIdleConnections)
			c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: mistralURL, Zaqar: zaqarURL, ProjectID: project},
				tripleo.WithHTTPClient(&http.Client{Transport: tr, Timeout: 30 * time.Second}), opt)
			require.NoError(t, err)
			defer c.Notifier.(interface{ Close() error }).Close()
			q := realQueue(t, c.Messaging)
			container := "sdk-" + name
			t0 := time.Now()
			r, err := tripleo.Start(context.Background(), c, "tripleo.plan_management.v1.create_default_deployment_plan",
				map[string]any{"container": container, "zaqar_url": zaqarURL, "zaqar_project_id": project},
				tripleo.DecodeFinal, tripleo.StartOpts{Queue: q})
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			fin, err := r.Wait(ctx)
			require.NoError(t, err)
			t.Logf("%s: run ended %v after Start", name, time.Since(t0))
			require.NotNil(t, fin.Message, "the final message came through the %s notifier", name)
			assert.Equal(t, "Plan "+container+" created.", fin.Message.Payload.Message)
			assert.Equal(t, r.ExecutionID(), fin.Message.Payload.ExecutionID, "legacy envelope: payload.execution.id")
			assert.Equal(t, q, fin.Message.Queue)
			if name == "websocket" {
				assert.True(t, strings.HasPrefix(fin.Message.ID, "push-"), "pushed: %s", fin.Message.ID)
			}
		})
	}
}
