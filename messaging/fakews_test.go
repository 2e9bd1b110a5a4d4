package messaging

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// fakeWS is an in-process Zaqar websocket transport over fakeZaqar: the
// frames, replies and pushed notifications of the real server, on
// the same httptest server as the REST API (path /ws).
type fakeWS struct {
	z   *fakeZaqar
	srv *httptest.Server

	mu       sync.Mutex
	peers    map[*wsPeer]struct{}
	frames   []recFrame
	token    string // when set, frames before a good authenticate are refused
	refuse   bool   // answer handshakes with 503
	noPush   bool   // lose every notification
	subReply int    // status answered to subscription_create (0 = normal)
	accepted int
	wg       sync.WaitGroup
}

type recFrame struct {
	Action  string
	Headers map[string]string
	Body    map[string]any
	Peer    int
}

type wsPeer struct {
	n      int
	c      *websocket.Conn
	wmu    sync.Mutex
	authed bool
	subs   map[string]string // queue -> subscription id
}

func newFakeWS(t *testing.T) *fakeWS {
	f := &fakeWS{z: newFakeZaqar(), peers: map[*wsPeer]struct{}{}}
	f.z.posted = f.push
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ws" {
			f.z.ServeHTTP(w, r)
			return
		}
		f.mu.Lock()
		refuse := f.refuse
		f.mu.Unlock()
		if refuse {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		f.wg.Add(1)
		defer f.wg.Done()
		f.serve(c)
	}))
	t.Cleanup(func() {
		f.dropAll(websocket.StatusGoingAway, "")
		f.srv.Close()
		f.wg.Wait()
	})
	return f
}

func (f *fakeWS) wsURL() string { return "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws" }

// client returns a noauth client on the fake (token: sent as X-Auth-Token when set).
func (f *fakeWS) client(t *testing.T, token string) *tripleo.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: f.srv.URL, Zaqar: f.srv.URL, ProjectID: testProject, Token: token},
		tripleo.WithHTTPClient(&http.Client{Transport: tr}), tripleo.WithClientID(testClientID))
	require.NoError(t, err)
	return c
}

func (f *fakeWS) serve(c *websocket.Conn) {
	f.mu.Lock()
	f.accepted++
	p := &wsPeer{n: f.accepted, c: c, subs: map[string]string{}}
	f.peers[p] = struct{}{}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.peers, p) // the server drops the socket's subscriptions
		f.mu.Unlock()
		c.CloseNow()
	}()
	for {
		_, data, err := c.Read(context.Background())
		if err != nil {
			return
		}
		var req struct {
			Action  string            `json:"action"`
			Headers map[string]string `json:"headers"`
			Body    map[string]any    `json:"body"`
		}
		if json.Unmarshal(data, &req) != nil {
			continue
		}
		f.mu.Lock()
		f.frames = append(f.frames, recFrame{Action: req.Action, Headers: req.Headers, Body: req.Body, Peer: p.n})
		status, body := f.answer(p, req.Action, req.Headers, req.Body)
		f.mu.Unlock()
		p.write(map[string]any{
			"request": map[string]any{"action": req.Action, "body": req.Body, "headers": req.Headers, "api": "v2"},
			"body":    body, "headers": map[string]any{"status": status},
		})
	}
}

// answer computes a reply; f.mu is held.
func (f *fakeWS) answer(p *wsPeer, action string, h map[string]string, b map[string]any) (int, any) {
	if h["Client-ID"] == "" || h["X-Project-ID"] == "" {
		return 400, map[string]any{"error": "missing headers"}
	}
	if action == "authenticate" {
		if f.token != "" && h["X-Auth-Token"] == f.token {
			p.authed = true
			return 200, map[string]any{"message": "Authentified."}
		}
		return 401, map[string]any{"error": "Authentication failed."}
	}
	if f.token != "" && !p.authed {
		return 403, map[string]any{"error": "Not authentified."}
	}
	q, _ := b["queue_name"].(string)
	switch action {
	case "queue_create":
		f.z.mu.Lock()
		defer f.z.mu.Unlock()
		if _, ok := f.z.queues[q]; ok {
			return 204, nil
		}
		f.z.queues[q] = &fakeQueue{}
		return 201, "Queue " + q + " created."
	case "subscription_create":
		if f.subReply != 0 {
			return f.subReply, map[string]any{"error": "refused by test"}
		}
		if _, ok := p.subs[q]; ok {
			return 409, "Subscription " + q + " not created."
		}
		id := uuid.NewString()
		p.subs[q] = id
		return 201, map[string]any{"subscription_id": id, "message": "Subscription " + q + " created."}
	case "subscription_delete":
		if p.subs[q] == b["subscription_id"] {
			delete(p.subs, q)
		}
		return 204, nil
	}
	return 400, map[string]any{"error": action + " is not a valid action"}
}

func (p *wsPeer) write(v any) {
	b, _ := json.Marshal(v)
	p.wmu.Lock()
	defer p.wmu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.c.Write(ctx, websocket.MessageText, b)
}

// push notifies every socket subscribed to queue, as Zaqar's notifier does.
func (f *fakeWS) push(queue string, m fakeMsg) {
	f.mu.Lock()
	var to []*wsPeer
	if !f.noPush {
		for p := range f.peers {
			if _, ok := p.subs[queue]; ok {
				to = append(to, p)
			}
		}
	}
	f.mu.Unlock()
	for _, p := range to {
		p.write(map[string]any{"body": m.body, "ttl": m.ttl, "queue_name": queue, "Message_Type": "Notification"})
	}
}

// dropAll closes every socket with code (StatusAuthExpired for 4003).
func (f *fakeWS) dropAll(code websocket.StatusCode, reason string) {
	f.mu.Lock()
	peers := make([]*wsPeer, 0, len(f.peers))
	for p := range f.peers {
		peers = append(peers, p)
	}
	f.mu.Unlock()
	for _, p := range peers {
		if code == 0 {
			p.c.CloseNow()
		} else {
			p.c.Close(code, reason)
		}
	}
}

func (f *fakeWS) set(fn func(f *fakeWS)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// actions returns the actions received, in order.
func (f *fakeWS) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.frames))
	for i, fr := range f.frames {
		out[i] = fr.Action
	}
	return out
}

func (f *fakeWS) framesOf(action string) []recFrame {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recFrame
	for _, fr := range f.frames {
		if fr.Action == action {
			out = append(out, fr)
		}
	}
	return out
}

func (f *fakeWS) peerCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.peers)
}

// post posts a message over REST as another client (Mistral) would.
func (f *fakeWS) post(t *testing.T, queue, execID, status, text string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"messages": []any{map[string]any{"ttl": 3600, "body": map[string]any{
		"type": "tripleo.test.v1.wf", "payload": map[string]any{"status": status, "message": text, "execution_id": execID}}}}})
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/v2/queues/"+queue+"/messages", strings.NewReader(string(b)))
	req.Header.Set("Client-ID", "0b0e1e6a-5a89-4b2d-8c7e-3f4c1d2e9a00")
	req.Header.Set("X-Project-ID", testProject)
	req.Header.Set("Content-Type", "application/json")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode)
}
