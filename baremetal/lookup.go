package baremetal

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

// Filter keeps the nodes with or without a yes/no property; the zero value,
// Either, keeps them all.
type Filter int

// The values of a Filter.
const (
	// Either keeps every node.
	Either Filter = iota
	// Only keeps the nodes that have the property.
	Only
	// Without keeps the nodes that have not.
	Without
)

// ListNodesOpts filters ListNodes. The zero value lists every node.
type ListNodesOpts struct {
	// ProvisionState keeps the nodes in this provision state, e.g.
	// StateManageable ("" for any).
	ProvisionState string
	// Maintenance keeps the nodes in maintenance (Only) or not in maintenance
	// (Without); Either keeps both.
	Maintenance Filter
	// Associated keeps the nodes with (Only) or without (Without) an instance;
	// Either keeps both.
	Associated Filter
	// Limit is the page size asked of Ironic (0: Ironic's own, api.max_limit,
	// 1000 by default). Every page is read whatever the size.
	Limit int
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o ListNodesOpts) Validate() error {
	var errs []error
	if o.Maintenance < Either || o.Maintenance > Without {
		errs = append(errs, tripleo.Invalid("maintenance", "%d is not a Filter", o.Maintenance))
	}
	if o.Associated < Either || o.Associated > Without {
		errs = append(errs, tripleo.Invalid("associated", "%d is not a Filter", o.Associated))
	}
	if o.Limit < 0 {
		errs = append(errs, tripleo.Invalid("limit", "must not be negative, got %d", o.Limit))
	}
	return errors.Join(errs...)
}

// query is the filter as Ironic's query value ("" for Either).
func (f Filter) query() string {
	switch f {
	case Only:
		return "true"
	case Without:
		return "false"
	}
	return ""
}

// keeps reports whether a node with (has) or without the property passes.
func (f Filter) keeps(has bool) bool { return f == Either || has == (f == Only) }

func (o ListNodesOpts) query() url.Values {
	q := url.Values{}
	if o.ProvisionState != "" {
		q.Set("provision_state", o.ProvisionState)
	}
	if v := o.Maintenance.query(); v != "" {
		q.Set("maintenance", v)
	}
	if v := o.Associated.query(); v != "" {
		q.Set("associated", v)
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	return q
}

// keeps reports whether s passes the filters.
func (o ListNodesOpts) keeps(s NodeState) bool {
	return (o.ProvisionState == "" || s.ProvisionState == o.ProvisionState) &&
		o.Maintenance.keeps(s.Maintenance) && o.Associated.keeps(s.InstanceUUID != "")
}

// ListNodes lists the Ironic nodes (GET /v1/nodes with the fields NodeState
// holds), in Ironic's order (by creation), reading every page: it follows
// the "next" link Ironic puts in a full page (gophercloud's own node pager
// stops after the first page, as it looks for "nodes_links").
//
// The filters are sent to Ironic and applied again to what comes back:
// Ironic's "next" links keep neither provision_state nor maintenance=false,
// so the pages after the first come unfiltered. A client without Ironic gets
// an error matching tripleo.ErrNoService.
func ListNodes(ctx context.Context, c *tripleo.Client, opts ListNodesOpts) ([]NodeState, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	var out []NodeState
	// an idempotent read: a transient failure reads the list again (the node
	// watch, which counts its own failures, reads without these retries)
	err := c.Idempotent(ctx, "ironic: list nodes", func() error {
		out = []NodeState{}
		return listStates(ctx, c, opts.query(), func(s NodeState) {
			if opts.keeps(s) {
				out = append(out, s)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NodeLookupError is a name or uuid given to ResolveNodes that does not pick
// exactly one Ironic node: no node has it (Candidates is empty; errors.Is(err,
// tripleo.ErrNotFound)), or it is a name that several nodes answer to
// (Candidates; names that differ only in case, which a case-sensitive Ironic
// database allows). Either way it is bad input: it matches errors.Is(err,
// tripleo.ErrInvalidInput), and errors.As finds a *tripleo.ValidationError
// whose Field is "nodes[<index>]" (so tripleo.Problems lists it).
type NodeLookupError struct {
	// Index is the position of Ident in the list given to ResolveNodes.
	Index int
	// Ident is the name or uuid as given.
	Ident string
	// Candidates are the nodes an ambiguous name matches (nil when none does).
	Candidates []NodeState
}

// Error renders the problem as one line.
func (e *NodeLookupError) Error() string { return "node " + strconv.Quote(e.Ident) + ": " + e.reason() }

func (e *NodeLookupError) reason() string {
	if len(e.Candidates) == 0 {
		return "no node has this name or uuid in Ironic"
	}
	labels := make([]string, len(e.Candidates))
	for i, s := range e.Candidates {
		labels[i] = s.Label()
	}
	return fmt.Sprintf("the name is ambiguous: it matches %d nodes (%s); give a uuid",
		len(e.Candidates), strings.Join(labels, ", "))
}

// Unwrap returns the problem as a *tripleo.ValidationError.
func (e *NodeLookupError) Unwrap() error {
	return &tripleo.ValidationError{Field: "nodes[" + strconv.Itoa(e.Index) + "]", Reason: e.Error()}
}

// Is makes errors.Is(err, tripleo.ErrNotFound) true when no node matched.
func (e *NodeLookupError) Is(target error) bool {
	return target == tripleo.ErrNotFound && len(e.Candidates) == 0
}

// ResolveNodesOpts are the inputs of ResolveNodes.
type ResolveNodesOpts struct {
	// Nodes are the node names or uuids to find (at least one).
	Nodes []string
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o ResolveNodesOpts) Validate() error {
	if len(o.Nodes) == 0 {
		return tripleo.Invalid("nodes", "at least one node name or uuid is required")
	}
	var errs []error
	for i, id := range o.Nodes {
		if strings.TrimSpace(id) == "" {
			errs = append(errs, tripleo.Invalid("nodes["+strconv.Itoa(i)+"]", "a node name or uuid is required"))
		}
	}
	return errors.Join(errs...)
}

// ResolveNodes finds the Ironic nodes that operators name by name or by uuid,
// with one node list (ListNodes) whatever their number, and returns their
// states in the order given, for the NodeUUIDs of the operations (Introspect,
// Provide, ...).
//
// A uuid matches the node with that uuid; a name matches the node with that
// name, or else the one whose name differs only in case (as Ironic's default
// MySQL database compares them). Every name or uuid that matches no node or
// several is a *NodeLookupError; the same node given twice (e.g. by name and
// by uuid) and empty strings are *tripleo.ValidationError. All problems are
// reported at once, joined, after the one list request (or before any request
// for an empty list or string). A client without Ironic gets an error
// matching tripleo.ErrNoService.
func ResolveNodes(ctx context.Context, c *tripleo.Client, opts ResolveNodesOpts) ([]NodeState, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	namesOrUUIDs := opts.Nodes
	var errs []error
	all, err := ListNodes(ctx, c, ListNodesOpts{})
	if err != nil {
		return nil, err
	}
	out := make([]NodeState, 0, len(namesOrUUIDs))
	given := map[string]int{} // uuid → index of the first ident that named it
	for i, id := range namesOrUUIDs {
		matches := match(all, id)
		if len(matches) != 1 {
			errs = append(errs, &NodeLookupError{Index: i, Ident: id, Candidates: matches})
			continue
		}
		s := matches[0]
		if j, dup := given[s.UUID]; dup {
			errs = append(errs, tripleo.Invalid("nodes["+strconv.Itoa(i)+"]", "%q is node %s, given already as %q", id, s.Label(), namesOrUUIDs[j]))
			continue
		}
		given[s.UUID] = i
		out = append(out, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// match returns the nodes id names: the node with uuid id, or with name id,
// or else those whose name equals id but for case.
func match(all []NodeState, id string) []NodeState {
	if _, err := uuid.Parse(id); err == nil && len(id) == 36 {
		for _, s := range all {
			if strings.EqualFold(s.UUID, id) {
				return []NodeState{s}
			}
		}
	}
	var exact, folded []NodeState
	for _, s := range all {
		switch {
		case s.Name == "":
		case s.Name == id:
			exact = append(exact, s)
		case strings.EqualFold(s.Name, id):
			folded = append(folded, s)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return folded
}
