// Package baremetal registers and prepares the bare metal nodes of a TripleO
// undercloud: the tripleo.baremetal.v1 workflows with typed results, a watch
// on the nodes in Ironic that reports failures the workflows miss, Enroll, the
// common path from an instackenv to nodes ready to deploy, and node lookup by
// name. The instackenv file format (model, reading, validation) is package
// baremetal/instackenv; the operations take its *instackenv.Inventory.
//
// RegisterOrUpdate and Enroll send the inventory's passwords to Mistral in
// nodes_json and nowhere else, and redact them from the errors and events of
// their runs.
//
// # Workflows
//
// Each function validates its options (Validate, all problems joined, before
// any request), starts a workflow with a client-chosen execution id and
// returns a *tripleo.Run whose events and outcome are typed. The run is the
// workflow's own run seen through the package's result check (tripleo.Then):
// it has the workflow's name, its execution id from the start and exactly one
// EventStarted.
//
//   - RegisterOrUpdate: register_or_update → RegisterResult (registered and new
//     nodes). The result falls back to the execution output when the final
//     message is lost, and to the execution's tasks when Zaqar refused the
//     final message (too big: Queens' message reaches Zaqar's 256 KiB limit
//     around 100 nodes) although the nodes were registered. Failures are a
//     *RegisterError holding the nodes registered before the failure.
//   - Introspect, IntrospectManageableNodes: introspect,
//     introspect_manageable_nodes → IntrospectResult, one status per node; a
//     failure is an *IntrospectError with the same per-node statuses
//     (failed_introspection, which mixes uuids and status dicts upstream, is
//     normalised). Each per-node _introspect message is one EventMessage
//     enriched with Subject the node uuid, Progress counters and Data a
//     NodeIntrospection, when the client has a Notifier.
//   - ManualClean: manual_cleaning with typed CleanSteps (EraseDevicesMetadata,
//     EraseDevices, ApplyBIOSSettings, ... or any CleanStep).
//   - Provide, ProvideManageableNodes: provide, provide_manageable_nodes.
//   - SetNodeState: set_node_state (no queue: followed by polling Mistral),
//     for a node uuid or name. It posts no message and ends with a bare
//     fail, so its reason (Ironic's refusal, the state reached) comes from the
//     execution's output or failed task (tripleo.WorkflowError.Reason).
//
// The runs that move nodes read them back from Ironic when the workflow
// reports success and end with a *NodeError for a node that is not where it
// should be: upstream workflows have reported success without it (bugs
// 1667776, 1755754, 1796293). The results say whether that check happened
// (Verified).
//
// The error returned by a starting function covers validation and starting
// only. The ctx given to it bounds the following of the run and the node
// watch; Run.Wait(ctx) bounds only that wait; only Run.Cancel stops the
// workflow on the server.
//
// # The node watch
//
// manual_cleaning polls Ironic until the node is manageable again and does not
// notice "clean failed": a failed clean step burns the workflow's whole
// timeout (2 hours by default) before it reports "Cleaning of node ... timed
// out", without Ironic's last_error. So while ManualClean, Introspect,
// IntrospectManageableNodes, Provide, ProvideManageableNodes and SetNodeState
// run, the package watches the nodes involved in Ironic:
//
//   - The nodes are read before the execution is created (the baseline: a node
//     already in a failure state is not this run's failure), then 2 s after it
//     starts, backing off by 1.5 to every 10 s, and back to 2 s whenever
//     something changed. Up to 8 nodes are read with one GET
//     /v1/nodes/{uuid} each, 4 at a time; more with one node list per poll
//     (GET /v1/nodes?fields=..., following Ironic's "next" links past its
//     1000-node pages), so the request rate does not grow with the number of
//     nodes.
//   - Each provision state change is an EventProgress (Source SourceIronic,
//     Subject the node uuid, Status the new state, Progress: done = back in the
//     target state, failed, in progress, total; Data the NodeState).
//   - A node entering a failure state ("clean failed", "inspect failed", ...)
//     is an EventWarning at once, with Ironic's last_error (and maintenance,
//     which a failed clean step turns on) and a *NodeError in Event.Err.
//   - ManualClean by default (unless ContinueOnNodeFailure), and the other
//     operations with StopOnNodeFailure (Introspect's workflow retries failed
//     nodes, Provide's notices them itself), the run then ends with that
//     *NodeError (errors.Is ErrNodeFailed), after an EventWarning saying that
//     the Mistral execution is still running: the SDK does not cancel it
//     behind the host's back; Run.Cancel does.
//   - Ironic errors do not end the run: after 3 failed polls in a row an
//     EventWarning says so, and the watch keeps trying.
//
// The watch is on by default (SkipNodeWatch turns it off) and stops
// when the run ends. A client without Ironic (Client.Baremetal nil) runs the
// workflows without the watch and without the final state check: a failed
// cleaning then ends only when manual_cleaning times out, and ManualClean
// reads the node's "clean failed", last_error and maintenance from the
// workflow's wait_for_provision_state task in Mistral (a *NodeError joined
// with the *tripleo.WorkflowError) instead of from Ironic.
// Introspection through ironic-inspector (Queens) leaves the nodes
// "manageable" in Ironic: there the watch mostly sees nothing, and the
// per-node progress comes from the _introspect messages.
//
// # Finding nodes
//
// ListNodes lists the nodes' states (NodeState), filtered by provision state,
// maintenance and instance, reading every page of Ironic's list (it follows
// Ironic's "next" links, which gophercloud's node pager misses). ResolveNodes
// turns the names or uuids operators give into nodes, in order, for the
// NodeUUIDs of the operations; a name or uuid that matches no node, or a name
// that matches several, is a *NodeLookupError (bad input, and
// tripleo.ErrNotFound when nothing matched). Both need Ironic on the client
// (tripleo.ErrNoService otherwise).
//
// # The pipeline
//
// Enroll runs RegisterOrUpdate (new nodes to manageable), Introspect of the
// manageable nodes and Provide of those introspected as one composite run
// (tripleo.Go), with every step's events and an EventProgress per node and
// stage. Its result says, for every node of the inventory, whether it reached
// "available" and, if not, at which stage and why: the registration error,
// the introspection error, Ironic's last_error read at the end. Some nodes
// failing does not stop the others; the run then ends with the result and an
// *EnrollError.
package baremetal
