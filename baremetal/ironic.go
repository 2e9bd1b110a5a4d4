package baremetal

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/tripleo-go/sdk/internal/httpx"
	"github.com/tripleo-go/sdk/tripleo"
)

// Reading node states from Ironic: up to perNodeMax known nodes are read with
// one GET each, at most fanOut at a time; more nodes (or "every node") with
// one paged list of the few fields NodeState holds.
const (
	perNodeMax = 8
	fanOut     = 4
)

// listFields are the node fields the list asks for (all exist at microversion 1.36).
var listFields = []string{
	"uuid", "name", "provision_state", "target_provision_state", "power_state", "last_error",
	"maintenance", "maintenance_reason", "provision_updated_at", "instance_uuid",
}

// nodePage is one page of GET /v1/nodes. Ironic links the following page with
// a top-level "next" URL (sent only when the page is full); gophercloud's
// nodes.NodePage reads "nodes_links", which Ironic never sends, so its pagers
// stop after the first page (Ironic's api.max_limit, 1000 nodes by default).
type nodePage struct {
	pagination.LinkedPageBase
	// read holds the URLs of the pages read so far by the pager.
	read map[string]bool
}

// NextPageURL is Ironic's "next" link; a link to a page already read is an
// error (following it would read the same pages forever), and one to another
// origin a *tripleo.RedirectError (the token is never sent there).
func (p nodePage) NextPageURL() (string, error) {
	next, err := p.LinkedPageBase.NextPageURL()
	if err != nil || next == "" {
		return next, err
	}
	u, err := url.Parse(next)
	if err != nil {
		return "", fmt.Errorf("%w: the next link %q is not a URL", tripleo.ErrMalformedResponse, next)
	}
	if from, to := httpx.Origin(&p.URL), httpx.Origin(u); from != to {
		return "", &tripleo.RedirectError{From: from, To: to} // the token stays with Ironic
	}
	if p.read[u.String()] {
		return "", fmt.Errorf("the next link %q leads back to a page already read", next)
	}
	return next, nil
}

// IsEmpty reports a page without nodes.
func (p nodePage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	var s []NodeState
	err := p.ExtractIntoSlicePtr(&s, "nodes")
	return len(s) == 0, err
}

// listPager lists nodes with the query q (fields and filters), following
// Ironic's "next" links.
func listPager(sc *gophercloud.ServiceClient, q url.Values) pagination.Pager {
	u := sc.ServiceURL("nodes")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	read := map[string]bool{}
	return pagination.NewPager(sc, u, func(r pagination.PageResult) pagination.Page {
		read[r.URL.String()] = true
		return nodePage{LinkedPageBase: pagination.LinkedPageBase{PageResult: r, LinkPath: []string{"next"}}, read: read}
	})
}

// listStates reads every page of GET /v1/nodes?fields=...&<q> and passes each
// node to each, in Ironic's order.
func listStates(ctx context.Context, c *tripleo.Client, q url.Values, each func(NodeState)) error {
	if err := c.Need("baremetal"); err != nil {
		return err
	}
	if q == nil {
		q = url.Values{}
	}
	q.Set("fields", strings.Join(listFields, ","))
	err := listPager(c.Baremetal, q).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		var page []NodeState
		if err := p.(nodePage).ExtractIntoSlicePtr(&page, "nodes"); err != nil {
			return false, err
		}
		for _, n := range page {
			each(n)
		}
		return true, nil
	})
	return tripleo.WrapHTTP("ironic: list nodes", err)
}

// readNodes reads the states of the nodes uuids (every node when uuids is
// nil). Nodes Ironic does not know are left out of states and listed in missing.
func readNodes(ctx context.Context, c *tripleo.Client, uuids []string) (states map[string]NodeState, missing []string, err error) {
	if c.Baremetal == nil {
		return nil, nil, c.Need("baremetal")
	}
	if uuids != nil && len(uuids) <= perNodeMax {
		return getNodes(ctx, c, uuids)
	}
	states = make(map[string]NodeState, len(uuids))
	if err := listStates(ctx, c, nil, func(n NodeState) { states[n.UUID] = n }); err != nil {
		return nil, nil, err
	}
	if uuids == nil {
		return states, nil, nil
	}
	want := make(map[string]NodeState, len(uuids))
	for _, id := range uuids {
		if s, ok := states[id]; ok {
			want[id] = s
		} else {
			missing = append(missing, id)
		}
	}
	return want, missing, nil
}

// getNodes GETs each node, at most fanOut at a time.
func getNodes(ctx context.Context, c *tripleo.Client, uuids []string) (map[string]NodeState, []string, error) {
	type answer struct {
		id  string
		s   NodeState
		err error
	}
	out := make([]answer, len(uuids))
	sem := make(chan struct{}, fanOut)
	var wg sync.WaitGroup
	for i, id := range uuids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var s NodeState
			err := nodes.Get(ctx, c.Baremetal, id).ExtractInto(&s)
			out[i] = answer{id: id, s: s, err: err}
		}()
	}
	wg.Wait()
	states := make(map[string]NodeState, len(uuids))
	var missing []string
	var errs []error
	for _, a := range out {
		switch {
		case a.err == nil:
			if a.s.UUID == "" {
				a.s.UUID = a.id
			}
			states[a.id] = a.s
		case tripleo.IsNotFound(a.err):
			missing = append(missing, a.id)
		default:
			errs = append(errs, tripleo.WrapHTTP("ironic: get node "+a.id, a.err))
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return states, missing, nil
}
