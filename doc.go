// Package sdk is tripleo-go, the Go SDK for driving a TripleO undercloud
// through its public API: Mistral (OpenStack Workflow v2) workflows and actions
// named tripleo.*, whose progress arrives as messages on a Zaqar (OpenStack
// Messaging v2) queue, plus the Swift, Ironic and Heat state they change.
//
// This package holds no code of its own: it is the map of the SDK.
//
// # Packages
//
//	tripleo              the Client (gophercloud service clients for Mistral, Zaqar,
//	                     Swift, Heat and Ironic), the Mistral calls, the run engine
//	                     (Start, Attach, Run[T], Event, Go/Join), Message/Notifier,
//	                     typed errors, Secret
//	tripleo/tripleotest  an embedded undercloud for tests and demos: Mistral, Zaqar,
//	                     Swift, Ironic and Heat subsets on one loopback server, with the
//	                     tripleo.* workflows' behaviour, messages, failures and fault knobs
//	messaging            Notifiers: Zaqar REST polling (one shared reader per queue),
//	                     Zaqar websocket (push, reconnect, REST catch-up), in-memory,
//	                     and a Mirror that copies every message to host sinks
//	plan                 create (default, custom from a templates tree), upload
//	                     templates, list, delete, export, read plan-environment.yaml
//	parameters           update (merge), reset, set, get (the flattened view)
//	baremetal            the instackenv model with full local validation; register,
//	                     introspect, clean, provide, set node state; Ironic node watch;
//	                     Enroll (register -> introspect -> provide)
//	deployment           deploy_plan, following a Heat stack (events, counters,
//	                     typed StackError), Deploy (both as one run), deploy_on_servers,
//	                     deployment status
//	examples/quickstart  the whole flow, on the embedded undercloud by default
//	examples/tripleo     a command-line tool built on the SDK alone
//
// # One shape for every operation
//
// Workflows are functions
//
//	func Verb(ctx context.Context, c *tripleo.Client, opts VerbOpts) (*tripleo.Run[VerbResult], error)
//
// whose Opts validate themselves before any request; synchronous actions
// return (Result, error). A Run delivers every event in order on Events (then
// closes it), and Wait returns the typed result or a typed error
// (*tripleo.WorkflowError, *deployment.StackError, *baremetal.NodeError, ...).
// The error returned by the starting call covers starting only; the ctx given
// to it bounds the following; only Run.Cancel stops the workflow on the server.
//
// # A complete example
//
// Against a real undercloud (clouds.yaml cloud "undercloud", messages through
// Zaqar):
//
//	c, err := tripleo.NewClientFromCloud(ctx, "undercloud", messaging.UseZaqar(messaging.ZaqarOpts{}))
//	if err != nil { ... }
//
//	r, err := plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Plan: "overcloud"})
//	if err != nil { ... }
//	if _, err := r.Wait(ctx); err != nil { ... }
//
//	_, err = parameters.Update(ctx, c, parameters.UpdateOpts{Plan: "overcloud", Parameters: map[string]any{"ComputeCount": 2}})
//
//	inv, err := instackenv.Load("instackenv.json") // validated locally by Enroll
//	nodes, err := baremetal.Enroll(ctx, c, baremetal.EnrollOpts{Nodes: inv})
//	for ev := range nodes.Events() {
//		fmt.Println(ev)
//	}
//	res, err := nodes.Wait(ctx) // res.Failed() says which nodes did not reach "available" and why
//
//	dep, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: "overcloud"})
//	stack, err := dep.Wait(ctx) // CREATE_COMPLETE, or a *deployment.StackError naming the failed resources
//
// The package example runs the same flow against the embedded undercloud.
package sdk
