package messaging

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tripleo-go/sdk/tripleo"
)

// noLeaks verifies, after every other cleanup (the fake server's included),
// that no goroutine is left.
func noLeaks(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

// collect takes from sub until it holds n messages or the time runs out.
func collect(t *testing.T, sub tripleo.Subscription, n int, within time.Duration) []tripleo.Message {
	t.Helper()
	var got []tripleo.Message
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for len(got) < n {
		select {
		case <-sub.Ready():
			got = append(got, sub.Take()...)
		case <-deadline.C:
			t.Fatalf("got %d messages, want %d: %v", len(got), n, texts(got))
		}
	}
	return got
}

// quiet asserts that nothing more arrives on sub for a while.
func quiet(t *testing.T, sub tripleo.Subscription, d time.Duration) {
	t.Helper()
	select {
	case <-sub.Ready():
		if extra := sub.Take(); len(extra) > 0 {
			t.Fatalf("unexpected messages: %v %v", ids(extra), texts(extra))
		}
	case <-time.After(d):
	}
}

func fastWS(o WebsocketOpts) WebsocketOpts {
	if o.ReconnectMin == 0 {
		o.ReconnectMin = 20 * time.Millisecond
	}
	if o.ReconnectMax == 0 {
		o.ReconnectMax = 200 * time.Millisecond
	}
	return o
}

func TestWebsocketFramesPushAndCatchUp(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	c := f.client(t, "")
	w := NewWebsocket(f.wsURL(), c.Messaging, fastWS(WebsocketOpts{}))
	defer w.Close()

	sub := subscribe(t, w, "tripleo", tripleo.SubscribeOpts{})
	// Subscribe returned after Zaqar answered subscription_create.
	assert.Equal(t, []string{"queue_create", "subscription_create"}, f.actions(), "no authenticate without a token")
	for _, action := range []string{"queue_create", "subscription_create"} {
		fr := f.framesOf(action)[0]
		assert.Equal(t, map[string]string{"Client-ID": testClientID, "X-Project-ID": testProject}, fr.Headers)
		assert.Equal(t, "tripleo", fr.Body["queue_name"])
	}
	assert.EqualValues(t, 3600, f.framesOf("subscription_create")[0].Body["ttl"])
	require.NoError(t, w.Flush(context.Background(), "tripleo")) // the initial catch-up is done

	f.post(t, "tripleo", "e1", "RUNNING", "pushed")
	got := collect(t, sub, 1, 5*time.Second)
	assert.Equal(t, "pushed", got[0].Payload.Message)
	assert.Equal(t, "tripleo", got[0].Queue)
	assert.Equal(t, 3600, got[0].TTL)
	assert.True(t, strings.HasPrefix(got[0].ID, "push-"), got[0].ID)

	// The REST catch-up lists the same message: it is not delivered twice.
	require.NoError(t, w.Flush(context.Background(), "tripleo"))
	quiet(t, sub, 100*time.Millisecond)
	listings := len(f.z.listings("tripleo"))
	assert.LessOrEqual(t, listings, 3, "no polling while the socket works")
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, listings, len(f.z.listings("tripleo")), "no polling while the socket works")

	// Two distinct messages with identical bodies are both delivered.
	f.post(t, "tripleo", "e1", "RUNNING", "same")
	f.post(t, "tripleo", "e1", "RUNNING", "same")
	got = collect(t, sub, 2, 5*time.Second)
	assert.Equal(t, []string{"same", "same"}, texts(got))
	assert.NotEqual(t, got[0].ID, got[1].ID)
	require.NoError(t, w.Flush(context.Background(), "tripleo"))
	quiet(t, sub, 100*time.Millisecond)

	require.NoError(t, sub.Close())
	require.Eventually(t, func() bool { return f.peerCount() == 0 }, 5*time.Second, 10*time.Millisecond,
		"the last Close closes the socket")
	require.NoError(t, w.Close())
}

func TestWebsocketSharedSocket(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	ignore := goleak.IgnoreCurrent()
	tr := &http.Transport{}
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: f.srv.URL, Zaqar: f.srv.URL, ProjectID: testProject},
		tripleo.WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	w := NewWebsocket(f.wsURL(), c.Messaging, fastWS(WebsocketOpts{}))
	a := subscribe(t, w, "q1", tripleo.SubscribeOpts{})
	b := subscribe(t, w, "q1", tripleo.SubscribeOpts{})
	d := subscribe(t, w, "q2", tripleo.SubscribeOpts{})
	f.mu.Lock()
	accepted := f.accepted
	f.mu.Unlock()
	assert.Equal(t, 1, accepted, "one socket per Notifier")
	assert.Len(t, f.framesOf("subscription_create"), 2, "one subscription per queue")
	f.post(t, "q1", "e", "RUNNING", "to q1")
	f.post(t, "q2", "e", "RUNNING", "to q2")
	assert.Equal(t, []string{"to q1"}, texts(collect(t, a, 1, 5*time.Second)))
	assert.Equal(t, []string{"to q1"}, texts(collect(t, b, 1, 5*time.Second)))
	assert.Equal(t, []string{"to q2"}, texts(collect(t, d, 1, 5*time.Second)))
	a.Close()
	b.Close()
	require.Eventually(t, func() bool { return len(f.framesOf("subscription_delete")) == 1 }, 5*time.Second, 10*time.Millisecond)
	del := f.framesOf("subscription_delete")[0]
	assert.Equal(t, "q1", del.Body["queue_name"])
	assert.NotEmpty(t, del.Body["subscription_id"])
	assert.Equal(t, 1, f.peerCount(), "q2 still uses the socket")
	d.Close()
	// The last subscription's Close alone leaves no goroutine (w.Close not called).
	require.Eventually(t, func() bool { return f.peerCount() == 0 }, 5*time.Second, 10*time.Millisecond)
	tr.CloseIdleConnections()
	goleak.VerifyNone(t, ignore, goleak.IgnoreTopFunction("net/http.(*conn).serve"))
}

func TestWebsocketReconnectAndCatchUp(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	c := f.client(t, "")
	w := NewWebsocket(f.wsURL(), c.Messaging, fastWS(WebsocketOpts{}))
	defer w.Close()
	sub := subscribe(t, w, "tripleo", tripleo.SubscribeOpts{})
	f.post(t, "tripleo", "e1", "RUNNING", "before the drop")
	collect(t, sub, 1, 5*time.Second)

	// The socket drops and cannot be re-opened for a while; a message posted
	// meanwhile is pushed to nobody.
	f.set(func(f *fakeWS) { f.refuse = true })
	f.dropAll(0, "")
	require.Eventually(t, func() bool { return f.peerCount() == 0 }, 5*time.Second, 10*time.Millisecond)
	f.post(t, "tripleo", "e1", "RUNNING", "while down")
	time.Sleep(100 * time.Millisecond)
	f.set(func(f *fakeWS) { f.refuse = false })

	got := collect(t, sub, 1, 5*time.Second)
	assert.Equal(t, []string{"while down"}, texts(got), "caught up over REST")
	require.Eventually(t, func() bool { return len(f.framesOf("subscription_create")) == 2 }, 5*time.Second, 10*time.Millisecond,
		"resubscribed after reconnecting")
	require.Eventually(t, func() bool { return w.Reconnects() >= 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, 2, f.framesOf("subscription_create")[1].Peer, "on the new socket")

	f.post(t, "tripleo", "e1", "SUCCESS", "after")
	assert.Equal(t, []string{"after"}, texts(collect(t, sub, 1, 5*time.Second)))
	require.NoError(t, w.Flush(context.Background(), "tripleo"))
	quiet(t, sub, 100*time.Millisecond)
	sub.Close()
	require.NoError(t, w.Close())
}

func TestWebsocketLostPushesCaughtUpAfterReconnect(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	c := f.client(t, "")
	w := NewWebsocket(f.wsURL(), c.Messaging, fastWS(WebsocketOpts{}))
	defer w.Close()
	sub := subscribe(t, w, "tripleo", tripleo.SubscribeOpts{})
	require.NoError(t, w.Flush(context.Background(), "tripleo")) // the initial catch-up is done
	// Zaqar's notifier loses the push (at most once): the next reconnection's catch-up finds it.
	f.set(func(f *fakeWS) { f.noPush = true })
	f.post(t, "tripleo", "e1", "RUNNING", "lost push")
	quiet(t, sub, 100*time.Millisecond)
	f.set(func(f *fakeWS) { f.noPush = false })
	f.dropAll(0, "")
	assert.Equal(t, []string{"lost push"}, texts(collect(t, sub, 1, 5*time.Second)))
	sub.Close()
	require.NoError(t, w.Close())
}

func TestWebsocketAuthenticateAnd4003(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	f.token = "tok-1"
	c := f.client(t, "tok-1")
	pc := c.Messaging.ProviderClient
	var reauths int
	var mu sync.Mutex
	pc.ReauthFunc = func(context.Context) error {
		mu.Lock()
		reauths++
		mu.Unlock()
		pc.SetToken("tok-2")
		return nil
	}
	w := NewWebsocket(f.wsURL(), c.Messaging, fastWS(WebsocketOpts{}))
	defer w.Close()
	sub := subscribe(t, w, "tripleo", tripleo.SubscribeOpts{})
	assert.Equal(t, []string{"authenticate", "queue_create", "subscription_create"}, f.actions())
	auth := f.framesOf("authenticate")[0]
	assert.Equal(t, "tok-1", auth.Headers["X-Auth-Token"])
	assert.Equal(t, testClientID, auth.Headers["Client-ID"])
	assert.Equal(t, testProject, auth.Headers["X-Project-ID"])
	for _, fr := range f.framesOf("subscription_create") {
		assert.NotContains(t, fr.Headers, "X-Auth-Token", "the token goes in authenticate only")
	}

	// The token expires: Zaqar closes with 4003; the client re-authenticates and resubscribes.
	f.set(func(f *fakeWS) { f.token = "tok-2" })
	f.dropAll(StatusAuthExpired, "Authentication expired.")
	require.Eventually(t, func() bool { return len(f.framesOf("subscription_create")) == 2 }, 5*time.Second, 10*time.Millisecond)
	auths := f.framesOf("authenticate")
	require.Len(t, auths, 2)
	assert.Equal(t, "tok-2", auths[1].Headers["X-Auth-Token"])
	mu.Lock()
	assert.Equal(t, 1, reauths)
	mu.Unlock()
	f.post(t, "tripleo", "e", "RUNNING", "after re-auth")
	assert.Equal(t, []string{"after re-auth"}, texts(collect(t, sub, 1, 5*time.Second)))
	sub.Close()
	require.NoError(t, w.Close())
}

func TestWebsocketFallsBackToREST(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	f.refuse = true
	c := f.client(t, "")
	w := NewWebsocket(f.wsURL(), c.Messaging, fastWS(WebsocketOpts{Zaqar: ZaqarOpts{MinInterval: 10 * time.Millisecond, MaxInterval: 50 * time.Millisecond}}))
	defer w.Close()
	sub := subscribe(t, w, "tripleo", tripleo.SubscribeOpts{})
	f.post(t, "tripleo", "e", "RUNNING", "polled")
	got := collect(t, sub, 1, 5*time.Second)
	assert.Equal(t, "id-001", got[0].ID, "delivered by REST polling")
	assert.Empty(t, f.actions())
	require.Eventually(t, func() bool { return len(f.z.listings("tripleo")) > 3 }, 5*time.Second, 10*time.Millisecond, "polling")
	require.NoError(t, w.Flush(context.Background(), "tripleo"))
	sub.Close()
	require.NoError(t, w.Close())

	// No websocket endpoint at all; nothing listens there.
	for _, url := range []string{"", "ws://127.0.0.1:1/"} {
		w = NewWebsocket(url, c.Messaging, WebsocketOpts{})
		sub = subscribe(t, w, "tripleo", tripleo.SubscribeOpts{Replay: true})
		assert.Equal(t, []string{"polled"}, texts(collect(t, sub, 1, 5*time.Second)), url)
		sub.Close()
		require.NoError(t, w.Close())
	}
}

func TestWebsocketSubscriptionRefused(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	f.subReply = 503
	c := f.client(t, "")
	w := NewWebsocket(f.wsURL(), c.Messaging, fastWS(WebsocketOpts{}))
	defer w.Close()
	_, err := w.Subscribe(context.Background(), "tripleo", tripleo.SubscribeOpts{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "status 503")
	require.Eventually(t, func() bool { return f.peerCount() == 0 }, 5*time.Second, 10*time.Millisecond, "socket released")
	require.NoError(t, w.Close())
}

func TestWebsocketRenewsSubscription(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	c := f.client(t, "")
	w := NewWebsocket(f.wsURL(), c.Messaging, fastWS(WebsocketOpts{SubscriptionTTL: 400 * time.Millisecond}))
	defer w.Close()
	sub := subscribe(t, w, "tripleo", tripleo.SubscribeOpts{})
	first := f.framesOf("subscription_create")[0]
	assert.EqualValues(t, 60, first.Body["ttl"], "seconds, at least Zaqar's minimum")
	require.Eventually(t, func() bool { return len(f.framesOf("subscription_create")) >= 2 }, 5*time.Second, 10*time.Millisecond)
	acts := f.actions()
	assert.Equal(t, []string{"queue_create", "subscription_create", "subscription_delete", "subscription_create"}, acts[:4])
	assert.Equal(t, 1, f.framesOf("subscription_delete")[0].Peer, "renewed on the same socket")
	f.post(t, "tripleo", "e", "RUNNING", "after renewal")
	assert.Equal(t, []string{"after renewal"}, texts(collect(t, sub, 1, 5*time.Second)))
	sub.Close()
	require.NoError(t, w.Close())
}

func TestWebsocketReplayAndEphemeral(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	c := f.client(t, "")
	f.post(t, "tripleo", "e0", "SUCCESS", "retained")
	time.Sleep(10 * time.Millisecond)
	w := NewWebsocket(f.wsURL(), c.Messaging, fastWS(WebsocketOpts{}))
	defer w.Close()
	live := subscribe(t, w, "tripleo", tripleo.SubscribeOpts{})
	replay := subscribe(t, w, "tripleo", tripleo.SubscribeOpts{Replay: true})
	assert.Equal(t, []string{"retained"}, texts(collect(t, replay, 1, 5*time.Second)))
	f.post(t, "tripleo", "e1", "RUNNING", "new")
	assert.Equal(t, []string{"new"}, texts(collect(t, replay, 1, 5*time.Second)))
	got := collect(t, live, 1, 5*time.Second)
	// The retained message is young (age 0): a live subscriber may see it too.
	assert.Contains(t, texts(got), "new")
	live.Close()
	replay.Close()

	eph := subscribe(t, w, "run-7", tripleo.SubscribeOpts{Ephemeral: true})
	assert.Len(t, f.z.requests(http.MethodPut, "/v2/queues/run-7"), 1)
	eph.Close()
	assert.Len(t, f.z.requests(http.MethodDelete, "/v2/queues/run-7"), 1, "created by us: deleted")
	require.NoError(t, w.Close())
	_, err := w.Subscribe(context.Background(), "tripleo", tripleo.SubscribeOpts{})
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, w.Flush(context.Background(), "tripleo"), ErrClosed)
}

func TestWebsocketCloseWhileSubscribed(t *testing.T) {
	noLeaks(t)
	f := newFakeWS(t)
	c := f.client(t, "")
	w := NewWebsocket(f.wsURL(), c.Messaging, fastWS(WebsocketOpts{PingInterval: 20 * time.Millisecond}))
	a := subscribe(t, w, "a", tripleo.SubscribeOpts{})
	b := subscribe(t, w, "b", tripleo.SubscribeOpts{})
	time.Sleep(100 * time.Millisecond) // a few pings
	require.NoError(t, w.Close())
	require.Eventually(t, func() bool { return f.peerCount() == 0 }, 5*time.Second, 10*time.Millisecond)
	a.Close()
	b.Close()
	require.NoError(t, w.Close())
}

func TestUseWebsocket(t *testing.T) {
	f := newFakeWS(t)
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: f.srv.URL, Zaqar: f.srv.URL}, UseWebsocket(f.wsURL(), WebsocketOpts{}))
	require.NoError(t, err)
	w, ok := c.Notifier.(*Websocket)
	require.True(t, ok)
	assert.Equal(t, f.wsURL(), w.url)
	assert.Equal(t, "admin", w.projectID())
	_, err = tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: f.srv.URL}, UseWebsocket("", WebsocketOpts{}))
	assert.ErrorIs(t, err, tripleo.ErrNoService)
	// Without a websocket URL nor catalog entry it polls.
	c, err = tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: f.srv.URL, Zaqar: f.srv.URL}, UseWebsocket("", WebsocketOpts{}))
	require.NoError(t, err)
	assert.Equal(t, "", c.Notifier.(*Websocket).url)
	_ = websocket.StatusNormalClosure
}
