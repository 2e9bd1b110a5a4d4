package baremetal_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const (
	listFieldsQuery = "fields=uuid%2Cname%2Cprovision_state%2Ctarget_provision_state%2Cpower_state%2Clast_error%2Cmaintenance%2Cmaintenance_reason%2Cprovision_updated_at%2Cinstance_uuid"
	uuid4           = "44444444-4444-4444-8444-444444444444"
)

// ironicMock is an Ironic behind httpmock that answers node lists from
// pages: a request whose query is a key of pages gets that page.
type ironicMock struct {
	t     *testing.T
	c     *tripleo.Client
	pages map[string]map[string]any
	reqs  []string // "GET <raw query>"
	// busy is the number of requests answered 503 before the pages are served
	busy int
}

func newIronicMock(t *testing.T, pages map[string]map[string]any) *ironicMock {
	mt := httpmock.NewMockTransport()
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: mistralURL, Ironic: "http://ironic.test"},
		tripleo.WithHTTPClient(&http.Client{Transport: mt}))
	require.NoError(t, err)
	m := &ironicMock{t: t, c: c, pages: pages}
	mt.RegisterResponder("GET", ironicURL+"/nodes", func(r *http.Request) (*http.Response, error) {
		m.reqs = append(m.reqs, r.Method+" "+r.URL.RawQuery)
		assert.Equal(t, tripleo.IronicAPIVersion, r.Header.Get("X-OpenStack-Ironic-API-Version"))
		if m.busy > 0 {
			m.busy--
			return tripleotest.JSONResponse(r, 503, map[string]any{"error_message": `{"faultstring": "busy"}`}), nil
		}
		page, ok := m.pages[r.URL.RawQuery]
		if !ok {
			return tripleotest.JSONResponse(r, 400, map[string]any{"error_message": `{"faultstring": "unexpected query ` + r.URL.RawQuery + `"}`}), nil
		}
		return tripleotest.JSONResponse(r, 200, page), nil
	})
	return m
}

func node(id, name, state string, maintenance bool, instance string) map[string]any {
	n := map[string]any{"uuid": id, "name": name, "provision_state": state, "maintenance": maintenance,
		"power_state": "power off", "target_provision_state": nil, "last_error": nil, "maintenance_reason": nil,
		"provision_updated_at": nil, "instance_uuid": nil}
	if name == "" {
		n["name"] = nil
	}
	if instance != "" {
		n["instance_uuid"] = instance
	}
	return n
}

// A "next" link back to a page already read ends the listing with an error
// instead of reading the same pages forever.
func TestListNodesStopsAtANextLinkBackToAReadPage(t *testing.T) {
	first := listFieldsQuery + "&limit=2"
	next := "fields=uuid&limit=2&marker=" + uuid2
	m := newIronicMock(t, map[string]map[string]any{
		first: {"nodes": []any{node(uuid1, "controller-0", "manageable", false, ""), node(uuid2, "compute-0", "manageable", false, "")},
			"next": ironicURL + "/nodes?" + next},
		next: {"nodes": []any{node(uuid3, "compute-1", "manageable", false, ""), node(uuid4, "compute-2", "available", true, "")},
			"next": ironicURL + "/nodes?" + first},
	})
	_, err := baremetal.ListNodes(context.Background(), m.c, baremetal.ListNodesOpts{Limit: 2})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ironic: list nodes: ")
	assert.Contains(t, err.Error(), "leads back to a page already read")
	assert.Equal(t, []string{"GET " + first, "GET " + next}, m.reqs)
}

// ListNodes reads both pages: it follows Ironic's top-level "next" (which
// keeps the fields but drops provision_state and maintenance=false, as
// Ironic's does) and filters the later pages itself.
func TestListNodesFollowsNextAndFiltersEveryPage(t *testing.T) {
	first := listFieldsQuery + "&limit=2&maintenance=false&provision_state=manageable"
	next := "fields=uuid,name,provision_state,target_provision_state,power_state,last_error,maintenance,maintenance_reason,provision_updated_at,instance_uuid&limit=2&marker=" + uuid2
	m := newIronicMock(t, map[string]map[string]any{
		first: {"nodes": []any{node(uuid1, "controller-0", "manageable", false, ""), node(uuid2, "compute-0", "manageable", false, "")},
			"next": ironicURL + "/nodes?" + next},
		next: {"nodes": []any{node(uuid3, "compute-1", "manageable", false, ""), node(uuid4, "compute-2", "available", true, "")}},
	})
	ns, err := baremetal.ListNodes(context.Background(), m.c, baremetal.ListNodesOpts{
		ProvisionState: baremetal.StateManageable, Maintenance: baremetal.Without, Limit: 2})
	require.NoError(t, err)
	assert.Equal(t, []string{"GET " + first, "GET " + next}, m.reqs, "two pages, the second from the next link")
	assert.Equal(t, []baremetal.NodeState{
		{UUID: uuid1, Name: "controller-0", ProvisionState: "manageable", PowerState: "power off"},
		{UUID: uuid2, Name: "compute-0", ProvisionState: "manageable", PowerState: "power off"},
		{UUID: uuid3, Name: "compute-1", ProvisionState: "manageable", PowerState: "power off"},
	}, ns, "compute-2 (available, in maintenance) came unfiltered on page 2 and is left out")
}

// ListNodes is an idempotent read: a 503 is retried.
func TestListNodesRetries503(t *testing.T) {
	m := newIronicMock(t, map[string]map[string]any{listFieldsQuery: {"nodes": []any{node(uuid1, "a", "manageable", false, "")}}})
	m.busy = 1
	ns, err := baremetal.ListNodes(context.Background(), m.c, baremetal.ListNodesOpts{})
	require.NoError(t, err)
	require.Len(t, ns, 1)
	assert.Equal(t, []string{"GET " + listFieldsQuery, "GET " + listFieldsQuery}, m.reqs)
}

func TestListNodesFilters(t *testing.T) {
	all := []any{node(uuid1, "a", "manageable", false, ""), node(uuid2, "b", "active", false, "inst-1"), node(uuid3, "c", "manageable", true, "")}
	m := newIronicMock(t, map[string]map[string]any{
		listFieldsQuery:                      {"nodes": all},
		"associated=true&" + listFieldsQuery: {"nodes": all[1:2]},
		"associated=false&" + listFieldsQuery + "&maintenance=true": {"nodes": all[2:]},
	})
	ctx := context.Background()
	ns, err := baremetal.ListNodes(ctx, m.c, baremetal.ListNodesOpts{})
	require.NoError(t, err)
	require.Len(t, ns, 3)
	assert.Equal(t, "inst-1", ns[1].InstanceUUID)
	assert.True(t, ns[2].Maintenance)
	ns, err = baremetal.ListNodes(ctx, m.c, baremetal.ListNodesOpts{Associated: baremetal.Only})
	require.NoError(t, err)
	require.Len(t, ns, 1)
	assert.Equal(t, uuid2, ns[0].UUID)
	ns, err = baremetal.ListNodes(ctx, m.c, baremetal.ListNodesOpts{Associated: baremetal.Without, Maintenance: baremetal.Only})
	require.NoError(t, err)
	require.Len(t, ns, 1)
	assert.Equal(t, uuid3, ns[0].UUID)

	m.pages[listFieldsQuery] = map[string]any{"nodes": []any{}}
	ns, err = baremetal.ListNodes(ctx, m.c, baremetal.ListNodesOpts{})
	require.NoError(t, err)
	assert.NotNil(t, ns, "an empty list, not nil")
	assert.Empty(t, ns)

	_, err = baremetal.ListNodes(ctx, m.c, baremetal.ListNodesOpts{Limit: -1, Maintenance: 7, Associated: -1})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	var fields []string
	for _, p := range tripleo.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"maintenance", "associated", "limit"}, fields, "every problem at once")
	assert.Len(t, m.reqs, 4, "no request for invalid options")
}

func TestListNodesErrors(t *testing.T) {
	m := newIronicMock(t, nil)
	_, err := baremetal.ListNodes(context.Background(), m.c, baremetal.ListNodesOpts{})
	var ae *tripleo.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 400, ae.StatusCode)
	assert.Equal(t, "ironic: list nodes", ae.Op)

	m.c.Baremetal = nil
	_, err = baremetal.ListNodes(context.Background(), m.c, baremetal.ListNodesOpts{})
	require.ErrorIs(t, err, tripleo.ErrNoService)
	_, err = baremetal.ResolveNodes(context.Background(), m.c, baremetal.ResolveNodesOpts{Nodes: []string{"a"}})
	require.ErrorIs(t, err, tripleo.ErrNoService)
}

func TestResolveNodes(t *testing.T) {
	next := "fields=uuid,name,provision_state,target_provision_state,power_state,last_error,maintenance,maintenance_reason,provision_updated_at,instance_uuid&limit=2&marker=" + uuid2
	m := newIronicMock(t, map[string]map[string]any{
		listFieldsQuery: {"nodes": []any{node(uuid1, "controller-0", "manageable", false, ""), node(uuid2, "compute-0", "manageable", false, "")},
			"next": ironicURL + "/nodes?" + next},
		next: {"nodes": []any{node(uuid3, "Compute-0", "available", false, ""), node(uuid4, "", "enroll", false, "")}},
	})
	ctx := context.Background()

	// names and uuids, in the order given; a name or uuid on page 2
	ns, err := baremetal.ResolveNodes(ctx, m.c, baremetal.ResolveNodesOpts{Nodes: []string{"compute-0", uuid4, "CONTROLLER-0", "Compute-0"}})
	require.NoError(t, err)
	var got []string
	for _, n := range ns {
		got = append(got, n.UUID)
	}
	assert.Equal(t, []string{uuid2, uuid4, uuid1, uuid3}, got, "exact names first; a name equal but for case otherwise")
	assert.Equal(t, "enroll", ns[1].ProvisionState)
	assert.Equal(t, []string{"GET " + listFieldsQuery, "GET " + next}, m.reqs, "one list for every name")

	// uuids in upper case are uuids
	ns, err = baremetal.ResolveNodes(ctx, m.c, baremetal.ResolveNodesOpts{Nodes: []string{"33333333-3333-4333-8333-333333333333"}})
	require.NoError(t, err)
	assert.Equal(t, "Compute-0", ns[0].Name)

	// every problem at once: unknown, ambiguous, the same node twice
	_, err = baremetal.ResolveNodes(ctx, m.c, baremetal.ResolveNodesOpts{Nodes: []string{"compute-9", "COMPUTE-0", "controller-0", uuid1, "55555555-5555-4555-8555-555555555555"}})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	var fields []string
	for _, p := range tripleo.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"nodes[0]", "nodes[1]", "nodes[3]", "nodes[4]"}, fields)
	var lookups []*baremetal.NodeLookupError
	for e := range walk(err) {
		if le, ok := e.(*baremetal.NodeLookupError); ok {
			lookups = append(lookups, le)
		}
	}
	require.Len(t, lookups, 3)
	assert.Equal(t, &baremetal.NodeLookupError{Index: 0, Ident: "compute-9"}, lookups[0])
	assert.Equal(t, `node "compute-9": no node has this name or uuid in Ironic`, lookups[0].Error())
	assert.ErrorIs(t, lookups[0], tripleo.ErrNotFound)
	assert.Equal(t, 1, lookups[1].Index)
	require.Len(t, lookups[1].Candidates, 2)
	assert.NotErrorIs(t, lookups[1], tripleo.ErrNotFound)
	assert.ErrorIs(t, lookups[1], tripleo.ErrInvalidInput)
	assert.Equal(t, `node "COMPUTE-0": the name is ambiguous: it matches 2 nodes (compute-0 (`+uuid2+`), Compute-0 (`+uuid3+`)); give a uuid`, lookups[1].Error())
	assert.Equal(t, "55555555-5555-4555-8555-555555555555", lookups[2].Ident)
	assert.Contains(t, err.Error(), `invalid nodes[3]: "`+uuid1+`" is node controller-0 (`+uuid1+`), given already as "controller-0"`)
	var ve *tripleo.ValidationError
	require.ErrorAs(t, lookups[0], &ve)
	assert.Equal(t, "nodes[0]", ve.Field)

	// empty input: no request
	n := len(m.reqs)
	_, err = baremetal.ResolveNodes(ctx, m.c, baremetal.ResolveNodesOpts{Nodes: nil})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	_, err = baremetal.ResolveNodes(ctx, m.c, baremetal.ResolveNodesOpts{Nodes: []string{"compute-0", " "}})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	assert.Equal(t, []string{"nodes[1]"}, []string{tripleo.Problems(err)[0].Field})
	assert.Len(t, m.reqs, n)
}

// walk yields err and every error it wraps (trees built with errors.Join too).
func walk(err error) func(func(error) bool) {
	return func(yield func(error) bool) {
		var rec func(error) bool
		rec = func(e error) bool {
			if e == nil {
				return true
			}
			if !yield(e) {
				return false
			}
			switch u := e.(type) {
			case interface{ Unwrap() []error }:
				for _, x := range u.Unwrap() {
					if !rec(x) {
						return false
					}
				}
			case interface{ Unwrap() error }:
				return rec(u.Unwrap())
			}
			return true
		}
		rec(err)
	}
}

// A "next" link to another origin ends the listing with a
// *tripleo.RedirectError: the token never goes there.
func TestListNodesRefusesANextLinkToAnotherOrigin(t *testing.T) {
	first := listFieldsQuery + "&limit=2"
	m := newIronicMock(t, map[string]map[string]any{
		first: {"nodes": []any{node(uuid1, "controller-0", "manageable", false, ""), node(uuid2, "compute-0", "manageable", false, "")},
			"next": "http://elsewhere.test:6385/v1/nodes?marker=" + uuid2},
	})
	_, err := baremetal.ListNodes(context.Background(), m.c, baremetal.ListNodesOpts{Limit: 2})
	var re *tripleo.RedirectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "http://elsewhere.test:6385", re.To)
	assert.Equal(t, []string{"GET " + first}, m.reqs)
}
