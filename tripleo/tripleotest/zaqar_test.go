package tripleotest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/tripleo-go/sdk/tripleo"
)

// Zaqar conformance with gophercloud's queues and messages packages.

func TestZaqarQueuesAndMessages(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)
	sc := c.Messaging

	r := queues.Create(ctx, sc, queues.CreateOpts{QueueName: "q1", DefaultMessageTTL: 3600})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if r := queues.Create(ctx, sc, queues.CreateOpts{QueueName: "q1", DefaultMessageTTL: 3600}); r.Err != nil {
		t.Fatalf("second create (204): %v", r.Err)
	}
	for i := range 25 {
		if _, err := messages.Create(ctx, sc, "q1", messages.BatchCreateOpts{{Body: map[string]any{"n": i}}}).Extract(); err != nil {
			t.Fatal(err)
		}
	}
	// messages posted with our own Client-ID are hidden unless echo
	var n int
	messages.List(sc, "q1", messages.ListOpts{Limit: 10}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		ms, err := messages.ExtractMessages(p)
		n += len(ms)
		return true, err
	})
	if n != 0 {
		t.Errorf("echo=false listed %d of our own messages", n)
	}
	var bodies []float64
	pages := 0
	err := messages.List(sc, "q1", messages.ListOpts{Limit: 10, Echo: true}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		ms, err := messages.ExtractMessages(p)
		pages++
		for _, m := range ms {
			bodies = append(bodies, m.Body["n"].(float64))
			if m.TTL != 3600 || m.ID == "" {
				t.Errorf("message %+v", m)
			}
		}
		return true, err
	})
	if err != nil || len(bodies) != 25 || bodies[24] != 24 || pages != 3 {
		t.Fatalf("paged %d messages in %d pages: %v", len(bodies), pages, err)
	}
	stats, err := queues.GetStats(ctx, sc, "q1").Extract()
	if err != nil || stats.Total != 25 {
		t.Errorf("stats %+v %v", stats, err)
	}
	// TTL bounds and the 20-message page limit, with Zaqar's texts
	_, err = messages.Create(ctx, sc, "q1", messages.BatchCreateOpts{{TTL: 30, Body: map[string]any{"x": 1}}}).Extract()
	if ae := tripleo.WrapHTTP("zaqar: post", err).(*tripleo.APIError); ae.StatusCode != 400 ||
		ae.Message != "Invalid API request: The TTL for a message may not exceed 1209600 seconds, and must be at least 60 seconds long." {
		t.Errorf("ttl: %v", ae)
	}
	err = messages.List(sc, "q1", messages.ListOpts{Limit: 21, Echo: true}).EachPage(ctx, func(context.Context, pagination.Page) (bool, error) { return true, nil })
	if !strings.Contains(tripleo.WrapHTTP("zaqar: list", err).Error(), "Limit must be at least 1 and may not be greater than 20.") {
		t.Errorf("limit: %v", err)
	}
	if _, err := messages.Get(ctx, sc, "q1", uuid.NewString()).Extract(); !gophercloud.ResponseCodeIs(err, 404) {
		t.Errorf("missing message: %v", err)
	}
	if err := queues.Delete(ctx, sc, "q1").ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if len(u.Messages("q1")) != 0 {
		t.Error("deleted queue still has messages")
	}
}

func TestZaqarHeaders(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	base := u.URL() + "/zaqar/v2/queues/q/messages"
	cases := []struct {
		name string
		hdr  map[string]string
		code int
		want string
	}{
		{"no client id", map[string]string{"X-Project-ID": "admin"}, 400, `Missing header value: The "Client-ID" header is required.`},
		{"bad client id", map[string]string{"Client-ID": "nope", "X-Project-ID": "admin"}, 400, "Wrong UUID value: Malformed hexadecimal UUID."},
		{"no project", map[string]string{"Client-ID": uuid.NewString()}, 400, "Project-Id Missing: The header X-PROJECT-ID was missing"},
		{"not json", map[string]string{"Client-ID": uuid.NewString(), "X-Project-ID": "admin", "Accept": "text/html"}, 406, ""},
	}
	for _, tc := range cases {
		code, _, body := doJSON(t, "GET", base, nil, tc.hdr)
		if code != tc.code || tripleo.ServerMessage(body) != tc.want {
			t.Errorf("%s: %d %q", tc.name, code, tripleo.ServerMessage(body))
		}
	}
	code, _, body := doJSON(t, "GET", u.URL()+"/zaqar/v2/queues/bad%20name/messages", nil, map[string]string{"Client-ID": uuid.NewString(), "X-Project-ID": "admin"})
	if code != 400 || !strings.Contains(string(body), "Invalid queue identification") {
		t.Errorf("bad queue name: %d %s", code, body)
	}
	// queues are per project
	u.postMessage("tripleo", map[string]any{"type": "x", "payload": map[string]any{}})
	code, _, body = doJSON(t, "GET", u.URL()+"/zaqar/v2/queues/tripleo/messages", nil, map[string]string{"Client-ID": uuid.NewString(), "X-Project-ID": "other"})
	if code != 200 || string(body) != `{"links":[],"messages":[]}` {
		t.Errorf("other project: %d %s", code, body)
	}
	var ae *tripleo.APIError
	if !errors.As(tripleo.WrapHTTP("x", gophercloud.ErrUnexpectedResponseCode{Actual: 400, Body: []byte(`{"title": "T", "description": "D"}`)}), &ae) || ae.Message != "T: D" {
		t.Error("WrapHTTP on a Zaqar body")
	}
}

func TestZaqarMessagesExpire(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)
	if _, err := messages.Create(ctx, c.Messaging, "q", messages.BatchCreateOpts{{TTL: 60, Body: map[string]any{"a": 1}}, {Body: map[string]any{"b": 2}}}).Extract(); err != nil {
		t.Fatal(err)
	}
	// age the messages by 61 s: the one posted with ttl 60 is gone, the default 3600 s stays
	u.mu.Lock()
	for _, m := range u.queues[qkey(u.project, "q")].msgs {
		m.created = m.created.Add(-61 * time.Second)
	}
	u.mu.Unlock()
	msgs := u.Messages("q")
	if len(msgs) != 1 || msgs[0].TTL != 3600 || msgs[0].Age < 61 {
		t.Errorf("after 61 s: %+v", msgs)
	}
}
