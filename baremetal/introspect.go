package baremetal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

// Defaults of the introspect workflow (Queens).
const (
	DefaultConcurrency      = 20
	DefaultMaxRetryAttempts = 2
	DefaultNodeTimeout      = 1200 * time.Second
)

// NoRetries asks IntrospectOpts for no retry round (max_retry_attempts 0).
const NoRetries = -1

// IntrospectOpts are the inputs of Introspect.
type IntrospectOpts struct {
	// NodeUUIDs are the nodes to introspect (required; Ironic uuids, each once).
	// They must be manageable.
	NodeUUIDs []string
	// RunValidations runs the pre-introspection validations first.
	RunValidations bool
	// Concurrency is how many nodes are introspected at once (default 20).
	Concurrency int
	// MaxRetryAttempts is how many more rounds failed nodes get (default 2;
	// NoRetries for none).
	MaxRetryAttempts int
	// NodeTimeout bounds the introspection of one node (default 20 minutes;
	// whole seconds, rounded up).
	NodeTimeout time.Duration
	// Queue is the Zaqar queue the workflow posts to (empty: the Client's).
	Queue string
	// SkipNodeWatch turns off the watch of the nodes in Ironic while the run
	// lasts (see the package doc).
	SkipNodeWatch bool
	// StopOnNodeFailure ends the run as soon as the watch sees a node enter
	// "inspect failed" (by default the run goes on: the workflow retries
	// failed nodes).
	StopOnNodeFailure bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o IntrospectOpts) Validate() error {
	errs := []error{checkUUIDs("node_uuids", o.NodeUUIDs), validateQueue(o.Queue)}
	if o.Concurrency < 0 {
		errs = append(errs, tripleo.Invalid("concurrency", "must not be negative, got %d", o.Concurrency))
	}
	if o.MaxRetryAttempts < NoRetries {
		errs = append(errs, tripleo.Invalid("max_retry_attempts", "must not be negative (NoRetries for none), got %d", o.MaxRetryAttempts))
	}
	errs = append(errs, checkSeconds("node_timeout", o.NodeTimeout))
	return errors.Join(errs...)
}

// input is the workflow input: node_uuids always; run_validations when true;
// the Queens inputs (concurrency, max_retry_attempts, node_timeout) only when
// they differ from the workflow's defaults, so Pike's introspect (which has
// none of them) works with the defaults.
func (o IntrospectOpts) input() map[string]any {
	in := map[string]any{"node_uuids": stringsAny(o.NodeUUIDs)}
	if o.RunValidations {
		in["run_validations"] = true
	}
	if o.Concurrency != 0 && o.Concurrency != DefaultConcurrency {
		in["concurrency"] = o.Concurrency
	}
	switch {
	case o.MaxRetryAttempts == NoRetries:
		in["max_retry_attempts"] = 0
	case o.MaxRetryAttempts != 0 && o.MaxRetryAttempts != DefaultMaxRetryAttempts:
		in["max_retry_attempts"] = o.MaxRetryAttempts
	}
	if s := seconds(o.NodeTimeout); s != 0 && s != int(DefaultNodeTimeout/time.Second) {
		in["node_timeout"] = s
	}
	return in
}

// NodeIntrospection is the introspection status of one node, as
// ironic-inspector reports it (the introspected_nodes values of the workflow).
type NodeIntrospection struct {
	// UUID is the node's Ironic uuid.
	UUID string `json:"uuid"`
	// Finished is false while inspector is still at it (or it timed out).
	Finished bool `json:"finished"`
	// Error is inspector's error ("Introspection timeout", ...); empty on success.
	Error string `json:"error"`
	// State is inspector's (or Ironic's) state, when reported.
	State string `json:"state,omitempty"`
	// StartedAt is when inspector started, as it renders it.
	StartedAt string `json:"started_at,omitempty"`
	// FinishedAt is when inspector finished, as it renders it (empty while it
	// runs).
	FinishedAt string `json:"finished_at,omitempty"`
}

// Failed reports whether the node did not finish or finished with an error.
func (n NodeIntrospection) Failed() bool { return !n.Finished || n.Error != "" }

// Reason is why the node failed ("" when it did not).
func (n NodeIntrospection) Reason() string {
	switch {
	case n.Error != "":
		return n.Error
	case !n.Finished:
		return "introspection did not finish"
	}
	return ""
}

// IntrospectResult is the outcome of an introspection, per node.
type IntrospectResult struct {
	// Nodes are the nodes' statuses, in the order they were asked for (sorted
	// by uuid for IntrospectManageableNodes).
	Nodes []NodeIntrospection
	// Message is the workflow's final message.
	Message string
}

// Failed returns the nodes whose introspection failed, with their error.
func (r IntrospectResult) Failed() []NodeIntrospection {
	var out []NodeIntrospection
	for _, n := range r.Nodes {
		if n.Failed() {
			out = append(out, n)
		}
	}
	return out
}

// Node returns the status of one node.
func (r IntrospectResult) Node(uuid string) (NodeIntrospection, bool) {
	for _, n := range r.Nodes {
		if n.UUID == uuid {
			return n, true
		}
	}
	return NodeIntrospection{}, false
}

// IntrospectError is the error of an introspection run that failed: the
// per-node statuses the workflow reported (Result) and the run's error (Err:
// the *tripleo.WorkflowError, e.g. "Retry limit reached with 1 nodes still
// failing introspection", or a *NodeError when StopOnNodeFailure ended it).
// It matches errors.Is(err, ErrNodeFailed) when some node failed, and
// whatever Err matches.
type IntrospectError struct {
	// Result holds the per-node statuses the workflow reported.
	Result IntrospectResult
	// Err is the run's error.
	Err error
}

// Error renders the error as one line.
func (e *IntrospectError) Error() string {
	failed := e.Result.Failed()
	if len(failed) == 0 {
		return "introspection failed: " + e.Err.Error()
	}
	parts := make([]string, len(failed))
	for i, n := range failed {
		parts[i] = n.UUID + ": " + n.Reason()
	}
	return fmt.Sprintf("introspection failed for %d of %d node(s) (%s): %v",
		len(failed), len(e.Result.Nodes), strings.Join(parts, "; "), e.Err)
}

// Unwrap returns the run's error.
func (e *IntrospectError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNodeFailed) true when some node failed.
func (e *IntrospectError) Is(target error) bool {
	return target == ErrNodeFailed && len(e.Result.Failed()) > 0
}

// Introspect starts tripleo.baremetal.v1.introspect on manageable nodes: each
// node is introspected (at most Concurrency at once), nodes that failed are
// retried up to MaxRetryAttempts more rounds, and the result holds every
// node's status.
//
// Each per-node _introspect message is one EventMessage (Source
// WorkflowIntrospectNode, Status SUCCESS or FAILED, Text the message)
// enriched with Subject the node uuid, Progress the counts so far and Data a
// NodeIntrospection; the Ironic node watch adds its own events (see the
// package doc). A failed run ends with an *IntrospectError holding the
// per-node statuses, with failed_introspection normalised (it mixes uuids and
// status dicts upstream).
func Introspect(ctx context.Context, c *tripleo.Client, opts IntrospectOpts) (*tripleo.Run[IntrospectResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	w := newWatch(c, WorkflowIntrospect, opts.SkipNodeWatch, opts.StopOnNodeFailure, StateManageable, opts.NodeUUIDs)
	return introspect(ctx, c, WorkflowIntrospect, opts.input(), opts.Queue, opts.NodeUUIDs, w)
}

// IntrospectManageableOpts are the inputs of IntrospectManageableNodes.
type IntrospectManageableOpts struct {
	// RunValidations runs the pre-introspection validations first.
	RunValidations bool
	// Queue is the Zaqar queue the workflow posts to (empty: the Client's).
	Queue string
	// SkipNodeWatch as in IntrospectOpts; the watch follows the nodes that are
	// manageable and not in maintenance when the run starts.
	SkipNodeWatch bool
	// StopOnNodeFailure as in IntrospectOpts.
	StopOnNodeFailure bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o IntrospectManageableOpts) Validate() error { return validateQueue(o.Queue) }

// IntrospectManageableNodes starts
// tripleo.baremetal.v1.introspect_manageable_nodes: every node that is
// manageable, not in maintenance and not associated with an instance is
// introspected as by Introspect. With no such node the workflow fails ("No
// manageable nodes to introspect. Check node states and maintenance.").
func IntrospectManageableNodes(ctx context.Context, c *tripleo.Client, opts IntrospectManageableOpts) (*tripleo.Run[IntrospectResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	w := newWatch(c, WorkflowIntrospectManageable, opts.SkipNodeWatch, opts.StopOnNodeFailure, StateManageable, nil).selecting(isManageable)
	return introspect(ctx, c, WorkflowIntrospectManageable, runValidations(opts.RunValidations), opts.Queue, nil, w)
}

// isManageable is how the *_manageable_nodes workflows pick their nodes.
func isManageable(s NodeState) bool {
	return s.ProvisionState == StateManageable && !s.Maintenance && s.InstanceUUID == ""
}

func introspect(ctx context.Context, c *tripleo.Client, workflow string, in map[string]any, queue string, uuids []string, w *nodeWatch) (*tripleo.Run[IntrospectResult], error) {
	id := uuid.NewString()
	w.prime(ctx)
	t := newIntroTracker(id, uuids, w.selected())
	sub, err := tripleo.Start(ctx, c, workflow, in, decodeIntrospection, tripleo.StartOpts{Queue: queue, ExecutionID: id, Watchers: w.watchers(id)})
	if err != nil {
		return nil, err
	}
	return tripleo.Then(ctx, sub, t.annotate, func(_ context.Context, _ *tripleo.Scope, raw introspection, err error) (IntrospectResult, error) {
		if err == nil {
			return t.result(raw, true), nil
		}
		var we *tripleo.WorkflowError
		if errors.As(err, &we) && we.LastMessage != nil {
			p := &we.LastMessage.Payload
			raw = introspection{nodes: p.Extra["introspected_nodes"], failed: p.Extra["failed_introspection"], message: p.Message}
		}
		return IntrospectResult{}, &IntrospectError{Result: t.result(raw, false), Err: err}
	}), nil
}

// introTracker keeps the per-node status from the _introspect messages (the
// run's EventMessage events), for their annotation and for the nodes the
// final payload leaves out: on a retry round upstream re-publishes
// introspected_nodes for the retried nodes only. tripleo.Then calls annotate
// and then the result check from one goroutine, so it needs no lock.
type introTracker struct {
	execID string   // the introspection's execution
	asked  []string // uuids asked for (nil for the manageable variant)
	nodes  map[string]NodeIntrospection
	order  []string
	total  int
}

func newIntroTracker(execID string, asked, selected []string) *introTracker {
	t := &introTracker{execID: execID, asked: asked, nodes: map[string]NodeIntrospection{}}
	t.total = len(asked)
	if t.total == 0 {
		t.total = len(selected)
	}
	return t
}

// annotate enriches, in place, the EventMessage of a _introspect message of
// the run: Subject the node uuid and, once the node's introspection ended
// (SUCCESS or FAILED), Progress the counts so far and Data the node's
// NodeIntrospection. Other events pass unchanged.
func (t *introTracker) annotate(ev *tripleo.Event) {
	if ev.Kind != tripleo.EventMessage || ev.Message == nil {
		return
	}
	m := ev.Message
	p := &m.Payload
	if p.RootExecutionID != t.execID || p.ExecutionID == t.execID {
		return
	}
	_, hasNode := p.Extra["node_uuid"]
	if !hasNode && !strings.HasSuffix(m.Type, "._introspect") {
		return
	}
	var st NodeIntrospection
	if _, err := p.Decode("introspected_node", &st); err != nil {
		st = NodeIntrospection{}
	}
	var node string
	if _, err := p.Decode("node_uuid", &node); err != nil || node == "" {
		node = st.UUID
	}
	if node == "" {
		return
	}
	ev.Subject = node
	if ev.Source == "" {
		ev.Source = WorkflowIntrospectNode
	}
	st.UUID = node
	switch tripleo.Classify(m.Status()) {
	case tripleo.Pending:
		return
	case tripleo.Succeeded:
		st.Finished = true
		st.Error = ""
	default:
		if st.Error == "" {
			st.Error = p.Message
		}
	}
	if _, ok := t.nodes[node]; !ok {
		t.order = append(t.order, node)
	}
	t.nodes[node] = st
	prog := tripleo.Progress{Total: max(t.total, len(t.nodes))}
	for _, n := range t.nodes {
		if n.Failed() {
			prog.Failed++
		} else {
			prog.Done++
		}
	}
	prog.InProgress = prog.Total - prog.Done - prog.Failed
	ev.Progress, ev.Data = &prog, st
}

// introspection is the raw outcome of an introspection workflow.
type introspection struct {
	nodes, failed json.RawMessage
	message       string
}

// decodeIntrospection is the Decoder of a successful introspection; the
// result is built once the run's messages are all seen (introTracker.result).
func decodeIntrospection(f *tripleo.Final) (introspection, error) {
	var raw introspection
	if _, err := f.Field("introspected_nodes", &raw.nodes); err != nil {
		return raw, err
	}
	if _, err := f.Field("failed_introspection", &raw.failed); err != nil {
		return raw, err
	}
	raw.message = f.Text()
	return raw, nil
}

// result builds the per-node statuses from introspected_nodes (a dict uuid →
// status; a list on some error paths), failed_introspection (uuids, status
// dicts, or both) and the _introspect messages seen. Nodes asked for but
// reported nowhere succeeded in an earlier round when the run succeeded.
func (t *introTracker) result(in introspection, succeeded bool) IntrospectResult {
	raw, failed := in.nodes, in.failed
	statuses := map[string]NodeIntrospection{}
	var order []string
	add := func(s NodeIntrospection) {
		if s.UUID == "" {
			return
		}
		if _, ok := statuses[s.UUID]; !ok {
			order = append(order, s.UUID)
		}
		statuses[s.UUID] = s
	}
	for _, id := range t.order {
		add(t.nodes[id])
	}
	var dict map[string]NodeIntrospection
	var list []NodeIntrospection
	reported := false
	switch trimmed := bytes.TrimSpace(raw); {
	case len(trimmed) > 0 && trimmed[0] == '{':
		if json.Unmarshal(trimmed, &dict) == nil {
			reported = true
			keys := make([]string, 0, len(dict))
			for k := range dict {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				s := dict[k]
				if s.UUID == "" {
					s.UUID = k
				}
				add(s)
			}
		}
	case len(trimmed) > 0 && trimmed[0] == '[':
		if json.Unmarshal(trimmed, &list) == nil {
			reported = len(list) > 0
			for _, s := range list {
				add(s)
			}
		}
	}
	for _, f := range normaliseFailed(failed) {
		s, ok := statuses[f.UUID]
		switch {
		case !ok:
			s = f
		case f.Error != "" && s.Error == "":
			s.Error = f.Error
		}
		if !s.Failed() {
			s.Error = "reported as failed by the workflow"
			if s.State != "" {
				s.Error += " (state " + strconv.Quote(s.State) + ")"
			}
		}
		add(s)
	}
	res := IntrospectResult{Message: in.message}
	ids := t.asked
	if ids == nil {
		ids = order
		sort.Strings(ids)
	}
	for _, id := range ids {
		s, ok := statuses[id]
		if !ok {
			// Not in the last round's report: it succeeded in an earlier round
			// (when there was a report); otherwise its fate is unknown.
			s = NodeIntrospection{UUID: id, Finished: succeeded || reported}
		}
		res.Nodes = append(res.Nodes, s)
	}
	if t.asked != nil {
		for _, id := range order {
			if !slices.Contains(t.asked, id) {
				res.Nodes = append(res.Nodes, statuses[id])
			}
		}
	}
	return res
}

// normaliseFailed reads failed_introspection: a list of uuids, status dicts, or both.
func normaliseFailed(raw json.RawMessage) []NodeIntrospection {
	var items []json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 || json.Unmarshal(raw, &items) != nil {
		return nil
	}
	var out []NodeIntrospection
	for _, it := range items {
		var id string
		if json.Unmarshal(it, &id) == nil {
			if id != "" {
				out = append(out, NodeIntrospection{UUID: id})
			}
			continue
		}
		var s NodeIntrospection
		if json.Unmarshal(it, &s) == nil && s.UUID != "" {
			out = append(out, s)
		}
	}
	return out
}

// runValidations is the input of a workflow whose only option is
// run_validations: sent when true, else the workflow's default (false).
func runValidations(on bool) map[string]any {
	if on {
		return map[string]any{"run_validations": true}
	}
	return map[string]any{}
}
