package tripleo_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

const (
	mistralURL = "http://mistral.test/v2"
	zaqarURL   = "http://zaqar.test"
)

// newMockClient returns a noauth Client whose HTTP goes to a per-test httpmock transport.
func newMockClient(t testing.TB, opts ...tripleo.Option) (*tripleo.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	opts = append([]tripleo.Option{tripleo.WithHTTPClient(&http.Client{Transport: mt})}, opts...)
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{
		Mistral: mistralURL, Zaqar: zaqarURL,
		Swift: "http://swift.test/v1/AUTH_x", Heat: "http://heat.test/v1/admin", Ironic: "http://ironic.test",
	}, opts...)
	require.NoError(t, err)
	return c, mt
}

// readJSON decodes a request body.
func readJSON(t testing.TB, r *http.Request) map[string]any {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return m
}

// jsonResp is a JSON response to req (gophercloud's pager needs resp.Request).
func jsonResp(req *http.Request, status int, body any) *http.Response {
	r, _ := httpmock.NewJsonResponse(status, body)
	r.Request = req
	return r
}

// execJSON is an execution as Mistral renders it (JSON-string input/output).
func execJSON(id, wf, state, stateInfo string, input, output map[string]any) map[string]any {
	enc := func(v map[string]any) any {
		if v == nil {
			return nil
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	var si any
	if stateInfo != "" {
		si = stateInfo
	}
	return map[string]any{
		"id": id, "workflow_name": wf, "state": state, "state_info": si,
		"input": enc(input), "output": enc(output), "params": "{}",
		"created_at": "2026-11-24 10:00:00", "updated_at": "2026-11-24 10:00:01",
	}
}

// fakeNotifier is an in-process Notifier built on tripleo.Mailbox.
type fakeNotifier struct {
	mu       sync.Mutex
	subs     map[string][]*tripleo.Mailbox
	retained map[string][]tripleo.Message
	opts     []tripleo.SubscribeOpts
	flushes  int
	seq      int
}

func newFakeNotifier() *fakeNotifier {
	return &fakeNotifier{subs: map[string][]*tripleo.Mailbox{}, retained: map[string][]tripleo.Message{}}
}

func (n *fakeNotifier) Subscribe(_ context.Context, queue string, o tripleo.SubscribeOpts) (tripleo.Subscription, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var mb *tripleo.Mailbox
	mb = tripleo.NewMailbox(func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		subs := n.subs[queue]
		for i, s := range subs {
			if s == mb {
				n.subs[queue] = append(subs[:i:i], subs[i+1:]...)
				break
			}
		}
	})
	n.subs[queue] = append(n.subs[queue], mb)
	n.opts = append(n.opts, o)
	if o.Replay {
		mb.Put(n.retained[queue]...)
	}
	return mb, nil
}

func (n *fakeNotifier) Flush(context.Context, string) error {
	n.mu.Lock()
	n.flushes++
	n.mu.Unlock()
	return nil
}

// post publishes a message body {"type", "payload"} to queue.
func (n *fakeNotifier) post(t testing.TB, queue, typ string, payload map[string]any) tripleo.Message {
	t.Helper()
	body, err := json.Marshal(map[string]any{"type": typ, "payload": payload})
	require.NoError(t, err)
	n.mu.Lock()
	n.seq++
	m := tripleo.Message{ID: "m" + string(rune('0'+n.seq/100)) + string(rune('0'+n.seq/10%10)) + string(rune('0'+n.seq%10)), Queue: queue}
	n.mu.Unlock()
	require.NoError(t, m.ParseBody(body))
	n.deliver(queue, m)
	return m
}

func (n *fakeNotifier) deliver(queue string, m tripleo.Message) {
	n.mu.Lock()
	n.retained[queue] = append(n.retained[queue], m)
	subs := append([]*tripleo.Mailbox(nil), n.subs[queue]...)
	n.mu.Unlock()
	for _, s := range subs {
		s.Put(m)
	}
}

func (n *fakeNotifier) subscribers(queue string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.subs[queue])
}

func mustRe(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// bounded makes a hung bubble test fail loudly: fake time runs forever when a
// run never ends (its watchdog keeps ticking), so synctest cannot see a deadlock.
func bounded(t *testing.T) *testing.T {
	go func() {
		select {
		case <-time.After(6 * time.Hour):
			panic("test " + t.Name() + " still running after 6 h of fake time")
		case <-t.Context().Done():
		}
	}()
	return t
}
