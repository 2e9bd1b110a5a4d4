//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

// rawClientID is the Zaqar Client-ID of the suite's own (non-SDK) requests.
var rawClientID = uuid.NewString()

// rawDo is a bare net/http request through the suite's transport (what the SDK
// is compared with, and how tests look at the services behind the SDK's back).
func rawDo(ctx context.Context, method, u string, h http.Header, body []byte) (int, []byte, error) {
	st, _, b, err := rawDoH(ctx, method, u, h, body)
	return st, b, err
}

// rawDoH is rawDo that also returns the response headers.
func rawDoH(ctx context.Context, method, u string, h http.Header, body []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, vs := range h {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// rawJSON does a request with a JSON body (nil for none) and decodes a JSON
// answer into out (nil to ignore it); it fails t unless the status is one of ok.
func rawJSON(t testing.TB, ctx context.Context, method, u string, h http.Header, in, out any, ok ...int) int {
	t.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	}
	if h == nil {
		h = http.Header{}
	}
	h.Set("Accept", "application/json")
	st, b, err := rawDo(ctx, method, u, h, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	if len(ok) > 0 && !slices.Contains(ok, st) {
		t.Fatalf("%s %s: HTTP %d: %s", method, u, st, truncate(string(b), 500))
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 && st < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, u, truncate(string(b), 200), err)
		}
	}
	return st
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// eventually polls cond every 50 ms until it holds or d passes (then fails t
// with what). For servers that act asynchronously: never sleep-and-hope.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ---------------------------------------------------------------- Zaqar

func zaqarHeaders() http.Header {
	return http.Header{"Client-ID": {rawClientID}, "X-Project-ID": {env.Project}}
}

// zaqarMessage is one message as Zaqar's REST API lists it.
type zaqarMessage struct {
	ID   string `json:"id"`
	Age  int    `json:"age"`
	Body struct {
		Type    string         `json:"type"`
		Payload map[string]any `json:"payload"`
	} `json:"body"`
}

// queueMessages lists every message of queue (echo=true), oldest first.
func queueMessages(t testing.TB, ctx context.Context, queue string) []zaqarMessage {
	t.Helper()
	var all []zaqarMessage
	seen := map[string]bool{}
	marker := ""
	for {
		u := env.Zaqar + "/v2/queues/" + queue + "/messages?echo=true&limit=20"
		if marker != "" {
			u += "&marker=" + marker
		}
		var page struct {
			Messages []zaqarMessage `json:"messages"`
			Links    []struct{ Rel, Href string }
		}
		if st := rawJSON(t, ctx, http.MethodGet, u, zaqarHeaders(), nil, &page, 200, 204); st == 204 {
			return all
		}
		fresh := 0
		for _, m := range page.Messages {
			if !seen[m.ID] {
				seen[m.ID] = true
				all = append(all, m)
				fresh++
			}
		}
		next := ""
		for _, l := range page.Links {
			if l.Rel == "next" {
				if u, err := url.Parse(l.Href); err == nil {
					next = u.Query().Get("marker")
				}
			}
		}
		// Zaqar's redis driver treats a marker naming the queue's first message
		// as no marker: stop when a page brings nothing new.
		if fresh == 0 || next == "" || len(page.Messages) < 20 {
			return all
		}
		marker = next
	}
}

// messagesOf returns the messages of queue that belong to execution id
// (own or sub-workflow, either envelope).
func messagesOf(t testing.TB, ctx context.Context, queue, id string) []zaqarMessage {
	t.Helper()
	var out []zaqarMessage
	for _, m := range queueMessages(t, ctx, queue) {
		p := m.Body.Payload
		own, root := p["execution_id"], p["root_execution_id"]
		if ex, ok := p["execution"].(map[string]any); ok {
			own, root = ex["id"], ex["root_execution_id"]
		}
		if own == id || root == id {
			out = append(out, m)
		}
	}
	return out
}

// queueNames lists the Zaqar queues of the project.
func queueNames(t testing.TB, ctx context.Context) []string {
	t.Helper()
	var names []string
	marker := ""
	for {
		u := env.Zaqar + "/v2/queues?limit=20"
		if marker != "" {
			u += "&marker=" + url.QueryEscape(marker)
		}
		var page struct {
			Queues []struct{ Name string } `json:"queues"`
		}
		if st := rawJSON(t, ctx, http.MethodGet, u, zaqarHeaders(), nil, &page, 200, 204); st == 204 || len(page.Queues) == 0 {
			return names
		}
		for _, q := range page.Queues {
			names = append(names, q.Name)
		}
		if len(page.Queues) < 20 {
			return names
		}
		marker = page.Queues[len(page.Queues)-1].Name
	}
}

// deleteQueue removes a queue a test used (its messages with it).
func deleteQueue(ctx context.Context, queue string) {
	_, _, _ = rawDo(ctx, http.MethodDelete, env.Zaqar+"/v2/queues/"+queue, zaqarHeaders(), nil)
}

// testQueue returns a fresh queue name for t, deleted when t ends.
func testQueue(t testing.TB, what string) string {
	q := name(what)
	t.Cleanup(func() { deleteQueue(context.Background(), q) })
	return q
}

// ---------------------------------------------------------------- Swift

// swiftObjects lists a container: name → etag (nil when the container is missing).
func swiftObjects(t testing.TB, ctx context.Context, container string) map[string]string {
	t.Helper()
	var list []struct {
		Name string `json:"name"`
		Hash string `json:"hash"`
	}
	if st := rawJSON(t, ctx, http.MethodGet, env.Swift+"/"+container+"?format=json", nil, nil, &list, 200, 204, 404); st == 404 {
		return nil
	}
	out := map[string]string{}
	for _, o := range list {
		out[o.Name] = o.Hash
	}
	return out
}

// swiftGet reads one object (status, headers, body).
func swiftGet(t testing.TB, ctx context.Context, container, object string) (int, http.Header, []byte) {
	t.Helper()
	st, h, b, err := rawDoH(ctx, http.MethodGet, env.Swift+"/"+container+"/"+object, nil, nil)
	if err != nil {
		t.Fatalf("GET %s/%s: %v", container, object, err)
	}
	return st, h, b
}

// swiftHead reads a container's headers (status, headers).
func swiftHead(t testing.TB, ctx context.Context, container string) (int, http.Header) {
	t.Helper()
	st, h, _, err := rawDoH(ctx, http.MethodHead, env.Swift+"/"+container, nil, nil)
	if err != nil {
		t.Fatalf("HEAD %s: %v", container, err)
	}
	return st, h
}

// swiftDeleteContainer empties and deletes a container (cleanup; errors ignored).
func swiftDeleteContainer(ctx context.Context, container string) {
	st, b, err := rawDo(ctx, http.MethodGet, env.Swift+"/"+container+"?format=json", nil, nil)
	if err != nil || st != 200 {
		return
	}
	var list []struct{ Name string }
	_ = json.Unmarshal(b, &list)
	for _, o := range list {
		_, _, _ = rawDo(ctx, http.MethodDelete, env.Swift+"/"+container+"/"+o.Name, nil, nil)
	}
	_, _, _ = rawDo(ctx, http.MethodDelete, env.Swift+"/"+container, nil, nil)
}

// ---------------------------------------------------------------- Ironic

func ironicHeaders() http.Header {
	return http.Header{"X-OpenStack-Ironic-API-Version": {"1.82"}}
}

// ironicNode is what tests read of a node behind the SDK's back.
type ironicNode struct {
	UUID                 string         `json:"uuid"`
	Name                 string         `json:"name"`
	ProvisionState       string         `json:"provision_state"`
	TargetProvisionState *string        `json:"target_provision_state"`
	PowerState           string         `json:"power_state"`
	LastError            string         `json:"last_error"`
	Maintenance          bool           `json:"maintenance"`
	Driver               string         `json:"driver"`
	DriverInfo           map[string]any `json:"driver_info"`
	InspectInterface     string         `json:"inspect_interface"`
	Properties           map[string]any `json:"properties"`
}

func ironicGet(t testing.TB, ctx context.Context, ident string) ironicNode {
	t.Helper()
	var n ironicNode
	rawJSON(t, ctx, http.MethodGet, env.Ironic+"/v1/nodes/"+ident, ironicHeaders(), nil, &n, 200)
	return n
}

// ironicPorts returns the MAC addresses of a node's ports, sorted.
func ironicPorts(t testing.TB, ctx context.Context, uuid string) []string {
	t.Helper()
	var ports struct {
		Ports []struct{ Address string } `json:"ports"`
	}
	rawJSON(t, ctx, http.MethodGet, env.Ironic+"/v1/ports?node_uuid="+uuid, ironicHeaders(), nil, &ports, 200)
	var out []string
	for _, p := range ports.Ports {
		out = append(out, p.Address)
	}
	slices.Sort(out)
	return out
}

// ironicPatch replaces fields of a node (e.g. /inspect_interface).
func ironicPatch(t testing.TB, ctx context.Context, uuid string, path string, value any) {
	t.Helper()
	rawJSON(t, ctx, http.MethodPatch, env.Ironic+"/v1/nodes/"+uuid, ironicHeaders(),
		[]map[string]any{{"op": "replace", "path": path, "value": value}}, nil, 200)
}

// ironicDeleteNodesNamed deletes every node whose name starts with prefix
// (maintenance first, so that any state may be deleted).
func ironicDeleteNodesNamed(ctx context.Context, prefix string) {
	st, b, err := rawDo(ctx, http.MethodGet, env.Ironic+"/v1/nodes?fields=uuid,name", ironicHeaders(), nil)
	if err != nil || st != 200 {
		return
	}
	var list struct{ Nodes []struct{ UUID, Name string } }
	_ = json.Unmarshal(b, &list)
	for _, n := range list.Nodes {
		if strings.HasPrefix(n.Name, prefix) {
			_, _, _ = rawDo(ctx, http.MethodPut, env.Ironic+"/v1/nodes/"+n.UUID+"/maintenance", ironicHeaders(), []byte(`{"reason":"integration cleanup"}`))
			_, _, _ = rawDo(ctx, http.MethodDelete, env.Ironic+"/v1/nodes/"+n.UUID, ironicHeaders(), nil)
		}
	}
}

// randMAC returns a locally administered MAC unique enough for one run.
func randMAC() string {
	b := randHex(3)
	return fmt.Sprintf("52:54:00:%s:%s:%s", b[0:2], b[2:4], b[4:6])
}

// ---------------------------------------------------------------- Heat

// heatStack returns the stack named name (nil when there is none).
func heatStack(t testing.TB, ctx context.Context, stackName string) map[string]any {
	t.Helper()
	var list struct {
		Stacks []map[string]any `json:"stacks"`
	}
	rawJSON(t, ctx, http.MethodGet, env.Heat+"/stacks?name="+url.QueryEscape(stackName), nil, nil, &list, 200)
	for _, s := range list.Stacks {
		if s["stack_name"] == stackName {
			return s
		}
	}
	return nil
}

// heatDeleteStack deletes a stack and waits until it is gone (cleanup).
func heatDeleteStack(t testing.TB, stackName string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := heatStack(t, ctx, stackName)
	if s == nil {
		return
	}
	_, _, _ = rawDo(ctx, http.MethodDelete, fmt.Sprintf("%s/stacks/%s/%s", env.Heat, stackName, s["id"]), nil, nil)
	eventually(t, time.Minute, "stack "+stackName+" deleted", func() bool { return heatStack(t, ctx, stackName) == nil })
}

// ---------------------------------------------------------------- events

// ofKind filters events by kind (and source, when not empty).
func ofKind(evs []tripleo.Event, kind tripleo.EventKind, source string) []tripleo.Event {
	var out []tripleo.Event
	for _, ev := range evs {
		if ev.Kind == kind && (source == "" || ev.Source == source) {
			out = append(out, ev)
		}
	}
	return out
}

// statuses lists "kind:status" of the events, for order assertions.
func statuses(evs []tripleo.Event, kinds ...tripleo.EventKind) []string {
	var out []string
	for _, ev := range evs {
		if len(kinds) == 0 || slices.Contains(kinds, ev.Kind) {
			out = append(out, string(ev.Kind)+":"+ev.Status)
		}
	}
	return out
}

// logEvents writes a run's events to the test log (they print secrets masked).
func logEvents(t testing.TB, evs []tripleo.Event) {
	t.Helper()
	for _, ev := range evs {
		t.Log(ev.String())
	}
}

// logEventsOnFailure logs a run's events when t has failed by its end.
func logEventsOnFailure[T any](t testing.TB, run *tripleo.Run[T]) {
	t.Cleanup(func() {
		if t.Failed() {
			logEvents(t, run.Snapshot())
		}
	})
}

// checkEnvelope asserts what every run's event log must look like: an
// EventStarted first (the only one of the run itself: a composite run also
// logs its steps' own started events) and exactly one EventDone last. (Event
// times are not checked for order: a composite run forwards its steps' events
// with their own times, and Enroll starts its first step before the composite
// logs its own EventStarted.)
func checkEnvelope(t testing.TB, evs []tripleo.Event) {
	t.Helper()
	if len(evs) < 2 {
		t.Fatalf("%d events: want at least started and done", len(evs))
	}
	if evs[0].Kind != tripleo.EventStarted {
		t.Errorf("first event is %s, want started", evs[0].Kind)
	}
	if evs[len(evs)-1].Kind != tripleo.EventDone {
		t.Errorf("last event is %s, want done", evs[len(evs)-1].Kind)
	}
	if n := len(ofKind(evs, tripleo.EventStarted, evs[0].Source)); n != 1 {
		t.Errorf("%d started events of %s, want 1", n, evs[0].Source)
	}
	if n := len(ofKind(evs, tripleo.EventDone, "")); n != 1 {
		t.Errorf("%d done events, want 1", n)
	}
}

// checkNoSecret fails t when any of the texts contains the secret's value.
func checkNoSecret(t testing.TB, s tripleo.Secret, texts ...string) {
	t.Helper()
	for i, text := range texts {
		if strings.Contains(text, s.Reveal()) {
			t.Errorf("text %d contains a secret value", i)
		}
	}
}

// eventTexts renders every event (String, Text and error) for secret checks.
func eventTexts(evs []tripleo.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.String(), ev.Text, fmt.Sprintf("%v %+v", ev.Data, ev.Message))
		if ev.Err != nil {
			out = append(out, ev.Err.Error())
		}
	}
	return out
}

// ---------------------------------------------------------------- shapes

// onProduction reports whether the undercloud is scripts/undercloud's
// production shape (Mistral's api, engine and executor in separate processes
// over RabbitMQ and MariaDB) rather than its test shape (one process, sqlite,
// oslo.messaging's in-process fake transport).
func onProduction() bool { return envShape() == "production" }

// mistralTyped is the HTTP status Mistral 15 answers for an error its engine
// raises with a typed exception (an unknown workflow: 404, an action's missing
// input: 400) on the production shape, where the API reaches the engine over
// RabbitMQ; the one-process test shape (in-process fake transport) answers 500
// for the same requests, as seen on Debian's Mistral 15.
func mistralTyped(status int) int {
	if onProduction() {
		return status
	}
	return http.StatusInternalServerError
}
