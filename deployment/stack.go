package deployment

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stackevents"
	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stackresources"
	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stacks"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/tripleo-go/sdk/tripleo"
)

// Stack is a Heat stack as read at the end of a watch (GET /stacks/{name}/{id}).
type Stack struct {
	// Name is the stack's name (the plan's).
	Name string
	// ID is the stack's id.
	ID string
	// Status is the stack's status, e.g. CREATE_COMPLETE.
	Status string
	// StatusReason is Heat's explanation of the status.
	StatusReason string
	// Outputs maps output_key to output_value.
	Outputs map[string]any
	// CreationTime is when the stack was created.
	CreationTime time.Time
	// UpdatedTime is when the stack was last updated (zero if never).
	UpdatedTime time.Time
}

// Action is the Heat action of the stack's status ("UPDATE" for UPDATE_IN_PROGRESS).
func (s *Stack) Action() string { return statusAction(s.Status) }

// StackEvent is one Heat event of the followed stack or of one of its nested
// stacks (up to FollowOpts.NestedDepth).
type StackEvent struct {
	// ID is the event's id.
	ID string
	// Time is the event's Heat time.
	Time time.Time
	// ResourceName is the resource the event is about (the stack's own name for
	// the stack's events).
	ResourceName string
	// LogicalResourceID is the resource's name in its template.
	LogicalResourceID string
	// PhysicalResourceID is the id of what the resource made (a server, a
	// nested stack, ...).
	PhysicalResourceID string
	// Status is the resource status, e.g. CREATE_IN_PROGRESS.
	Status string
	// StatusReason is Heat's explanation of the status.
	StatusReason string
	// Stack is the name of the stack the event belongs to (a nested stack's
	// own name for events of nested stacks).
	Stack string
	// StackID is the id of that stack.
	StackID string
	// Top is true for an event of the followed stack itself (not of a resource).
	Top bool
	// Nested is true for an event of a nested stack.
	Nested bool
	// Progress is the resource counters after this event.
	Progress tripleo.Progress
}

// StackError is the error of a watch whose stack ended in a *_FAILED status (or
// was rolled back or deleted instead of reaching the awaited action).
type StackError struct {
	// Stack is the stack's name.
	Stack string
	// ID is the stack's id.
	ID string
	// Status is the stack's status, e.g. CREATE_FAILED.
	Status string
	// Reason is the stack's status reason.
	Reason string
	// Failed lists the resources in a *_FAILED status (nested ones included, to
	// the watch's nested depth), with Heat's reasons.
	Failed []ResourceFailure
}

// ResourceFailure is one failed resource of a StackError.
type ResourceFailure struct {
	// Name is the resource's name.
	Name string
	// Type is the resource type, e.g. OS::Heat::TestResource (empty when only
	// known from events).
	Type string
	// Status is the resource's status, e.g. CREATE_FAILED.
	Status string
	// Reason is Heat's reason for the failure.
	Reason string
	// Stack is the name of the (possibly nested) stack holding the resource.
	Stack string
}

// ErrStackFailed is matched by every *StackError.
var ErrStackFailed = errors.New("heat stack failed")

// ErrStopped is the cause of a watch ended by StackWatch.Stop.
var ErrStopped = errors.New("stack watch stopped")

// Error implements the error interface.
func (e *StackError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "heat stack %s (%s) %s", e.Stack, e.ID, e.Status)
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if len(e.Failed) > 0 {
		b.WriteString("; failed resources:")
		for i, f := range e.Failed {
			if i > 0 {
				b.WriteString(";")
			}
			fmt.Fprintf(&b, " %s", f.Name)
			if f.Type != "" {
				fmt.Fprintf(&b, " (%s)", f.Type)
			}
			fmt.Fprintf(&b, " %s", f.Status)
			if f.Reason != "" {
				fmt.Fprintf(&b, ": %s", f.Reason)
			}
		}
	}
	return b.String()
}

// Is makes errors.Is(err, ErrStackFailed) true.
func (e *StackError) Is(target error) bool { return target == ErrStackFailed }

// getStack reads a stack: by name and id when id is known, else by name or id
// (Heat answers 302 to /stacks/{name}/{id}, which the HTTP client follows).
func getStack(ctx context.Context, c *tripleo.Client, name, id string) (*Stack, error) {
	var r stacks.GetResult
	if id != "" && name != "" {
		r = stacks.Get(ctx, c.Orchestration, name, id)
	} else {
		r = stacks.Find(ctx, c.Orchestration, name+id)
	}
	// Decoded into our own shape rather than stacks.RetrievedStack, which fails
	// on parameters that are not strings.
	var body struct {
		Stack struct {
			ID           string           `json:"id"`
			Name         string           `json:"stack_name"`
			Status       string           `json:"stack_status"`
			StatusReason string           `json:"stack_status_reason"`
			Outputs      []map[string]any `json:"outputs"`
			CreationTime string           `json:"creation_time"`
			UpdatedTime  string           `json:"updated_time"`
		} `json:"stack"`
	}
	if err := r.ExtractInto(&body); err != nil {
		return nil, tripleo.WrapHTTP("heat: get stack "+name+id, err)
	}
	st := body.Stack
	out := &Stack{
		Name: st.Name, ID: st.ID, Status: st.Status, StatusReason: st.StatusReason,
		CreationTime: heatTime(st.CreationTime), UpdatedTime: heatTime(st.UpdatedTime),
	}
	for _, o := range st.Outputs {
		if k, ok := o["output_key"].(string); ok {
			if out.Outputs == nil {
				out.Outputs = map[string]any{}
			}
			out.Outputs[k] = o["output_value"]
		}
	}
	return out, nil
}

// heatTime parses Heat's times (RFC 3339, with or without the zone); the zero
// time when absent or unreadable.
func heatTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339, gophercloud.RFC3339NoZ} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// eventQuery is stackevents.ListOptsBuilder plus nested_depth, which
// gophercloud's ListOpts lacks.
type eventQuery struct {
	SortDir     string `q:"sort_dir"`
	Marker      string `q:"marker"`
	Limit       int    `q:"limit"`
	NestedDepth int    `q:"nested_depth"`
}

// ToStackEventListQuery implements stackevents.ListOptsBuilder.
func (q eventQuery) ToStackEventListQuery() (string, error) {
	u, err := gophercloud.BuildQueryString(q)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// eventPage is a page of Heat events, paged by marker (the last event id).
// Unlike stackevents.EventPage it answers IsEmpty and LastMarker from the
// decoded body without extracting every event again.
type eventPage struct {
	pagination.MarkerPageBase
}

func newEventPage(r pagination.PageResult) pagination.Page {
	p := eventPage{pagination.MarkerPageBase{PageResult: r}}
	p.Owner = p
	return p
}

func (p eventPage) items() []any {
	m, _ := p.Body.(map[string]any)
	items, _ := m["events"].([]any)
	return items
}

// IsEmpty implements pagination.Page.
func (p eventPage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	m, _ := p.Body.(map[string]any)
	if _, ok := m["events"].([]any); !ok {
		return false, nil // not a list of events: events() reports it
	}
	return len(p.items()) == 0, nil
}

// LastMarker implements pagination.MarkerPage.
func (p eventPage) LastMarker() (string, error) {
	items := p.items()
	if len(items) == 0 {
		return "", nil
	}
	m, _ := items[len(items)-1].(map[string]any)
	id, _ := m["id"].(string)
	return id, nil
}

// events reads the page's events from the body gophercloud has already
// decoded (into map[string]any), rather than re-marshalling it for
// ExtractIntoSlicePtr: that round trip doubled the cost of following a stack.
// Only the fields the watch uses are read.
func (p eventPage) events() ([]stackevents.Event, error) {
	m, _ := p.Body.(map[string]any)
	items, ok := m["events"].([]any)
	if !ok {
		return nil, fmt.Errorf("heat: events page has no \"events\" list")
	}
	evs := make([]stackevents.Event, 0, len(items))
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("heat: event is a %T, not an object", it)
		}
		ev := stackevents.Event{
			ID: str(m, "id"), ResourceName: str(m, "resource_name"), LogicalResourceID: str(m, "logical_resource_id"),
			PhysicalResourceID: str(m, "physical_resource_id"), ResourceStatus: str(m, "resource_status"),
			ResourceStatusReason: str(m, "resource_status_reason"), Time: heatTime(str(m, "event_time")),
		}
		links, _ := m["links"].([]any)
		for _, l := range links {
			if lm, ok := l.(map[string]any); ok {
				ev.Links = append(ev.Links, gophercloud.Link{Href: str(lm, "href"), Rel: str(lm, "rel")})
			}
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// eachEventPage lists events of stack name/id with q, one request per page,
// marker = the last event id of the previous page, until a page holds fewer
// than q.Limit events (or fn returns false). A full page ending at a marker
// already used is an error: asking again would get the same page forever.
func eachEventPage(ctx context.Context, c *tripleo.Client, name, id string, q eventQuery, fn func([]stackevents.Event) bool) error {
	pager := stackevents.List(c.Orchestration, name, id, q).WithPageCreator(newEventPage)
	markers := map[string]bool{q.Marker: true}
	err := pager.EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		evs, err := p.(eventPage).events()
		if err != nil {
			return false, err
		}
		if !fn(evs) {
			return false, nil
		}
		if q.Limit <= 0 || len(evs) < q.Limit {
			return false, nil
		}
		last := evs[len(evs)-1].ID
		if markers[last] {
			return false, fmt.Errorf("heat: a page of events ends at marker %q again (the marker is not honoured)", last)
		}
		markers[last] = true
		return true, nil
	})
	return tripleo.WrapHTTP("heat: list events of stack "+name, err)
}

// LatestEventIDOpts are the inputs of LatestEventID.
type LatestEventIDOpts struct {
	// Stack is the stack: "name", "name/id" or an id (required).
	Stack string
	// NestedDepth is how deep nested stacks' events count, as in FollowOpts:
	// 0 means DefaultNestedDepth, a negative value the top stack only.
	NestedDepth int
}

// Validate checks the options locally (*tripleo.ValidationError, joined).
func (o LatestEventIDOpts) Validate() error {
	_, _, err := parseStackRef(o.Stack)
	return err
}

// LatestEventID returns the id of the newest event of opts.Stack (nested
// stacks to opts.NestedDepth included), "" when it has none: GET
// /stacks/{name}/{id}/events?sort_dir=desc&limit=1. Take it before starting an
// update and pass it as FollowOpts.Since to see only the update's events (what
// tripleoclient does).
func LatestEventID(ctx context.Context, c *tripleo.Client, opts LatestEventIDOpts) (string, error) {
	if err := opts.Validate(); err != nil {
		return "", err
	}
	if err := c.Need("orchestration"); err != nil {
		return "", err
	}
	name, id, err := parseStackRef(opts.Stack)
	if err != nil {
		return "", err
	}
	nestedDepth := opts.NestedDepth
	switch {
	case nestedDepth == 0:
		nestedDepth = DefaultNestedDepth
	case nestedDepth < 0:
		nestedDepth = 0
	}
	// idempotent reads: transient failures are retried
	if id == "" || name == "" {
		var st *Stack
		err := c.Idempotent(ctx, "heat: get stack "+name+id, func() (err error) {
			st, err = getStack(ctx, c, name, id)
			return err
		})
		if err != nil {
			return "", err
		}
		name, id = st.Name, st.ID
	}
	var latest string
	q := eventQuery{SortDir: "desc", Limit: 1, NestedDepth: nestedDepth}
	err = c.Idempotent(ctx, "heat: latest event of stack "+name, func() error {
		latest = ""
		return eachEventPage(ctx, c, name, id, q, func(evs []stackevents.Event) bool {
			if len(evs) > 0 {
				latest = evs[0].ID
			}
			return false
		})
	})
	return latest, err
}

// listResources lists the resources of stack name/id, nested stacks to depth included.
func listResources(ctx context.Context, c *tripleo.Client, name, id string, depth int) ([]stackresources.Resource, error) {
	pages, err := stackresources.List(c.Orchestration, name, id, stackresources.ListOpts{Depth: max(depth, 0)}).AllPages(ctx)
	if err != nil {
		return nil, tripleo.WrapHTTP("heat: list resources of stack "+name, err)
	}
	res, err := stackresources.ExtractResources(pages)
	if err != nil {
		return nil, fmt.Errorf("heat: list resources of stack %s: %w", name, err)
	}
	return res, nil
}

// linkStack returns the stack name and id of a Heat "stack" link
// (…/stacks/{name}/{id}).
func linkStack(links []gophercloud.Link) (name, id string) {
	for _, l := range links {
		if l.Rel != "stack" {
			continue
		}
		u, err := url.Parse(l.Href)
		if err != nil {
			return "", ""
		}
		parts := strings.Split(strings.TrimRight(u.Path, "/"), "/")
		if n := len(parts); n >= 3 && parts[n-3] == "stacks" {
			return parts[n-2], parts[n-1]
		}
		return "", ""
	}
	return "", ""
}
