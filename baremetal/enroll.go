package baremetal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo"
)

// EnrollOpts are the inputs of Enroll.
type EnrollOpts struct {
	// Nodes is the inventory (required, validated locally first).
	Nodes *instackenv.Inventory
	// SkipIntrospection leaves out the introspection of the registered
	// manageable nodes.
	SkipIntrospection bool
	// SkipProvide leaves out the last stage, provide: the goal is then
	// "manageable" instead of "available".
	SkipProvide bool
	// KernelName is as in RegisterOpts.
	KernelName string
	// RamdiskName is as in RegisterOpts.
	RamdiskName string
	// InstanceBootOption is as in RegisterOpts.
	InstanceBootOption string
	// RunValidations is as in IntrospectOpts.
	RunValidations bool
	// Concurrency is as in IntrospectOpts.
	Concurrency int
	// MaxRetryAttempts is as in IntrospectOpts.
	MaxRetryAttempts int
	// NodeTimeout is as in IntrospectOpts.
	NodeTimeout time.Duration
	// Queue is the Zaqar queue of every step (empty: the Client's).
	Queue string
	// SkipNodeWatch turns off the watch of the nodes in Ironic during
	// introspection and provide.
	SkipNodeWatch bool
}

func (o EnrollOpts) register() RegisterOpts {
	return RegisterOpts{Nodes: o.Nodes, KernelName: o.KernelName, RamdiskName: o.RamdiskName,
		InstanceBootOption: o.InstanceBootOption, Queue: o.Queue} // initial_state: the default, manageable
}

func (o EnrollOpts) introspect(uuids []string) IntrospectOpts {
	return IntrospectOpts{NodeUUIDs: uuids, RunValidations: o.RunValidations, Concurrency: o.Concurrency,
		MaxRetryAttempts: o.MaxRetryAttempts, NodeTimeout: o.NodeTimeout, Queue: o.Queue, SkipNodeWatch: o.SkipNodeWatch}
}

// Validate reports every problem with the options, joined (the inventory's
// *instackenv.Problem values and *tripleo.ValidationError for the other fields).
func (o EnrollOpts) Validate() error {
	in := o.introspect([]string{"00000000-0000-0000-0000-000000000000"})
	return errors.Join(o.register().Validate(), in.Validate())
}

// EnrollNode is the outcome of Enroll for one node of the inventory.
type EnrollNode struct {
	// Index is the node's position in the inventory.
	Index int
	// Name is the node's name in the inventory, if it has one.
	Name string
	// UUID is the Ironic uuid ("" when the node was not registered).
	UUID string
	// OK is true when the node reached the goal (EnrollResult.Goal).
	OK bool
	// ProvisionState is the node's final state (read from Ironic at the end
	// when the client has Ironic).
	ProvisionState string
	// Stage is the stage that stopped the node (StageRegister,
	// StageIntrospect, StageProvide); "" when OK.
	Stage string
	// Reason says why the node did not reach the goal.
	Reason string
	// LastError is Ironic's last_error for the node, at the end.
	LastError string
	// Maintenance is Ironic's maintenance flag for the node, at the end.
	Maintenance bool
	// Introspection is the node's introspection status, when it was introspected.
	Introspection *NodeIntrospection
}

func (n EnrollNode) label() string {
	if n.Name == "" && n.UUID == "" {
		return fmt.Sprintf("node #%d", n.Index)
	}
	return label(n.Name, n.UUID)
}

// EnrollResult is the outcome of Enroll, per inventory node.
type EnrollResult struct {
	// Goal is "available", or "manageable" when Provide was off.
	Goal string
	// Nodes are the inventory's nodes, in inventory order.
	Nodes []EnrollNode
}

// Succeeded returns the nodes that reached the goal.
func (r EnrollResult) Succeeded() []EnrollNode { return r.filter(true) }

// Failed returns the nodes that did not, each with its Stage and Reason.
func (r EnrollResult) Failed() []EnrollNode { return r.filter(false) }

func (r EnrollResult) filter(ok bool) []EnrollNode {
	var out []EnrollNode
	for _, n := range r.Nodes {
		if n.OK == ok {
			out = append(out, n)
		}
	}
	return out
}

// EnrollError is the error of an Enroll run in which some node did not reach
// the goal. It matches errors.Is(err, ErrNodeFailed), and what the failed
// steps' errors match (Errs: *RegisterError, *IntrospectError, ...).
type EnrollError struct {
	// Goal is the state the nodes were to reach: "available", or "manageable"
	// with SkipProvide.
	Goal string
	// Failed are the nodes that did not reach the goal, each with its Stage and
	// Reason.
	Failed []EnrollNode
	// Errs are the errors of the steps that failed (*RegisterError,
	// *IntrospectError, ...).
	Errs []error
}

// Error renders the error as one line.
func (e *EnrollError) Error() string {
	parts := make([]string, len(e.Failed))
	for i, n := range e.Failed {
		parts[i] = fmt.Sprintf("%s: %s: %s", n.label(), n.Stage, n.Reason)
	}
	return fmt.Sprintf("%d node(s) did not reach %q: %s", len(e.Failed), e.Goal, strings.Join(parts, "; "))
}

// Unwrap returns the steps' errors.
func (e *EnrollError) Unwrap() []error { return e.Errs }

// Is makes errors.Is(err, ErrNodeFailed) true.
func (e *EnrollError) Is(target error) bool { return target == ErrNodeFailed }

// Enroll is the common path from an instackenv to nodes ready to deploy, as
// one composite run: RegisterOrUpdate (new nodes to manageable), Introspect
// of the nodes that are manageable, then Provide of those introspected.
// Nodes already available are left as they are (they count as done). Every
// step's events are the run's, plus an EventProgress per node and stage
// (Source OpEnroll, Subject the node uuid, Status "registered",
// "introspected", the goal state or "failed").
//
// At the end the nodes' states are read from Ironic (when the client has it).
// The result says, for every inventory node, whether it reached the goal and,
// if not, at which stage and why (the registration error, introspection's
// error text, the provide failure, Ironic's last_error). When some node
// failed the run ends with that result and an *EnrollError.
//
// The returned error covers validation and starting the registration.
func Enroll(ctx context.Context, c *tripleo.Client, opts EnrollOpts) (*tripleo.Run[EnrollResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	reg, err := RegisterOrUpdate(ctx, c, opts.register())
	if err != nil {
		return nil, err
	}
	return tripleo.Go(ctx, c, OpEnroll, func(ctx context.Context, s *tripleo.Scope) (EnrollResult, error) {
		p := newPipeline(c, s, opts)
		return p.run(ctx, reg)
	}), nil
}

// pipeline is the state of one Enroll run.
type pipeline struct {
	c    *tripleo.Client
	s    *tripleo.Scope
	opts EnrollOpts
	res  EnrollResult
	errs []error
}

func newPipeline(c *tripleo.Client, s *tripleo.Scope, opts EnrollOpts) *pipeline {
	p := &pipeline{c: c, s: s, opts: opts, res: EnrollResult{Goal: StateAvailable}}
	if opts.SkipProvide {
		p.res.Goal = StateManageable
	}
	for i, n := range opts.Nodes.Nodes {
		p.res.Nodes = append(p.res.Nodes, EnrollNode{Index: i, Name: n.Name})
	}
	return p
}

func (p *pipeline) run(ctx context.Context, reg *tripleo.Run[RegisterResult]) (EnrollResult, error) {
	res, err := tripleo.Join(ctx, p.s, reg)
	registered := res.Nodes
	if err != nil {
		p.errs = append(p.errs, err)
		var re *RegisterError
		if errors.As(err, &re) {
			registered = re.Registered
		}
		if len(registered) == 0 {
			for i := range p.res.Nodes {
				p.fail(i, StageRegister, "registration failed: "+err.Error())
			}
			return p.finish(ctx)
		}
	}
	p.match(registered)
	for i, n := range p.res.Nodes {
		if n.UUID != "" {
			p.progress(i, "registered", "registered")
		} else if !p.settled(i) {
			p.fail(i, StageRegister, "not among the registered nodes")
		}
	}

	// Where the registration left the nodes.
	states := p.read(ctx)
	var manageable []int
	for i, n := range p.res.Nodes {
		if p.settled(i) {
			continue
		}
		st, known := states[n.UUID]
		switch {
		case !known && err == nil:
			manageable = append(manageable, i) // no Ironic: trust the workflow
		case !known:
			p.fail(i, StageRegister, "registered, but the registration failed: "+err.Error())
		case st.ProvisionState == StateAvailable:
			p.done(i, st, "already available")
		case st.ProvisionState == StateManageable && !st.Maintenance:
			manageable = append(manageable, i)
		default:
			p.failState(i, StageRegister, st, "after registration")
		}
	}

	if !p.opts.SkipIntrospection && len(manageable) > 0 {
		manageable = p.introspect(ctx, manageable)
	}
	if !p.opts.SkipProvide && len(manageable) > 0 {
		p.provide(ctx, manageable)
	}
	return p.finish(ctx)
}

// introspect runs the introspection step; it returns the nodes that passed.
func (p *pipeline) introspect(ctx context.Context, idx []int) []int {
	uuids := p.uuids(idx)
	run, err := Introspect(ctx, p.c, p.opts.introspect(uuids))
	var ir IntrospectResult
	if err == nil {
		ir, err = tripleo.Join(ctx, p.s, run)
	}
	if err != nil {
		p.errs = append(p.errs, err)
		var ie *IntrospectError
		if errors.As(err, &ie) {
			ir = ie.Result
		}
	}
	var passed []int
	for _, i := range idx {
		ni, ok := ir.Node(p.res.Nodes[i].UUID)
		switch {
		case ok && !ni.Failed():
			p.res.Nodes[i].Introspection = &ni
			passed = append(passed, i)
			p.progress(i, "introspected", "introspected")
		case ok:
			p.res.Nodes[i].Introspection = &ni
			p.fail(i, StageIntrospect, "introspection failed: "+ni.Reason())
		case err != nil:
			p.fail(i, StageIntrospect, "introspection failed: "+err.Error())
		default:
			passed = append(passed, i) // succeeded without a per-node report
			p.progress(i, "introspected", "introspected")
		}
	}
	return passed
}

// provide runs the provide step; the final read decides each node's fate.
func (p *pipeline) provide(ctx context.Context, idx []int) {
	run, err := Provide(ctx, p.c, ProvideOpts{NodeUUIDs: p.uuids(idx), Queue: p.opts.Queue, SkipNodeWatch: p.opts.SkipNodeWatch})
	if err == nil {
		_, err = tripleo.Join(ctx, p.s, run)
	}
	if err == nil {
		return
	}
	p.errs = append(p.errs, err)
	if p.c.Baremetal != nil {
		return // finish reads the states and says why
	}
	for _, i := range idx {
		p.fail(i, StageProvide, "provide failed: "+err.Error())
	}
}

// finish reads the final states and decides the nodes not yet settled.
func (p *pipeline) finish(ctx context.Context) (EnrollResult, error) {
	states := p.read(ctx)
	stage := StageIntrospect
	if p.res.Goal == StateAvailable {
		stage = StageProvide
	}
	for i := range p.res.Nodes {
		n := &p.res.Nodes[i]
		st, known := states[n.UUID]
		if known {
			n.ProvisionState, n.LastError, n.Maintenance = st.ProvisionState, st.LastError, st.Maintenance
		}
		if p.settled(i) {
			continue
		}
		switch {
		case known && st.ProvisionState == p.res.Goal:
			p.done(i, st, "")
		case known:
			p.failState(i, stage, st, "at the end")
		default:
			// no Ironic: trust the workflows
			n.ProvisionState = p.res.Goal
			p.done(i, NodeState{UUID: n.UUID, ProvisionState: p.res.Goal}, "")
		}
	}
	failed := p.res.Failed()
	if len(failed) == 0 {
		return p.res, nil
	}
	return p.res, &EnrollError{Goal: p.res.Goal, Failed: failed, Errs: p.errs}
}

// match gives the inventory nodes their uuids: by name, then in order (the
// registration reports the nodes in the order of nodes_json).
func (p *pipeline) match(reg []RegisteredNode) {
	used := make([]bool, len(reg))
	byName := map[string]int{}
	for j, r := range reg {
		if r.Name != "" {
			byName[r.Name] = j
		}
	}
	for i := range p.res.Nodes {
		n := &p.res.Nodes[i]
		if j, ok := byName[n.Name]; ok && n.Name != "" && !used[j] {
			n.UUID, used[j] = reg[j].UUID, true
		}
	}
	j := 0
	for i := range p.res.Nodes {
		n := &p.res.Nodes[i]
		if n.UUID != "" {
			continue
		}
		for j < len(reg) && (used[j] || (reg[j].Name != "" && n.Name != "" && reg[j].Name != n.Name)) {
			j++
		}
		if j < len(reg) {
			n.UUID, used[j] = reg[j].UUID, true
			j++
		}
	}
}

// read returns the Ironic states of the registered nodes (none without Ironic).
func (p *pipeline) read(ctx context.Context) map[string]NodeState {
	if p.c.Baremetal == nil {
		return nil
	}
	var uuids []string
	for _, n := range p.res.Nodes {
		if n.UUID != "" {
			uuids = append(uuids, n.UUID)
		}
	}
	if len(uuids) == 0 {
		return nil
	}
	states, _, err := readNodes(ctx, p.c, uuids)
	if err != nil {
		p.s.Emit(tripleo.Event{Kind: tripleo.EventWarning, Source: OpEnroll, Text: "node states not read from Ironic: " + err.Error(), Err: err})
		return nil
	}
	return states
}

func (p *pipeline) uuids(idx []int) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = p.res.Nodes[i].UUID
	}
	return out
}

// settled reports whether node i's fate is decided: it reached the goal (done)
// or a stage stopped it (fail).
func (p *pipeline) settled(i int) bool { return p.res.Nodes[i].OK || p.res.Nodes[i].Stage != "" }

func (p *pipeline) done(i int, st NodeState, note string) {
	n := &p.res.Nodes[i]
	n.OK, n.Stage, n.Reason = true, "", ""
	n.ProvisionState = st.ProvisionState
	p.progress(i, st.ProvisionState, note)
}

func (p *pipeline) fail(i int, stage, reason string) {
	n := &p.res.Nodes[i]
	n.OK, n.Stage, n.Reason = false, stage, reason
	p.progress(i, "failed", stage+": "+reason)
}

// failState fails a node that is in the wrong state, with Ironic's last_error.
func (p *pipeline) failState(i int, stage string, st NodeState, when string) {
	n := &p.res.Nodes[i]
	n.ProvisionState, n.LastError, n.Maintenance = st.ProvisionState, st.LastError, st.Maintenance
	reason := fmt.Sprintf("node is %q %s", st.ProvisionState, when)
	if st.Maintenance {
		reason += " (in maintenance)"
	}
	if st.LastError != "" {
		reason += ": " + st.LastError
	}
	p.fail(i, stage, reason)
}

// progress emits the per-node EventProgress of the pipeline.
func (p *pipeline) progress(i int, status, note string) {
	n := p.res.Nodes[i]
	prog := tripleo.Progress{Total: len(p.res.Nodes)}
	for _, m := range p.res.Nodes {
		switch {
		case m.OK:
			prog.Done++
		case m.Stage != "":
			prog.Failed++
		}
	}
	prog.InProgress = prog.Total - prog.Done - prog.Failed
	text := n.label() + ": " + status
	if note != "" && note != status {
		text += " (" + note + ")"
	}
	subject := n.UUID
	if subject == "" {
		subject = n.label()
	}
	p.s.Emit(tripleo.Event{Kind: tripleo.EventProgress, Source: OpEnroll, Subject: subject, Status: status,
		Text: text, Progress: &prog, Data: n})
}
