// Package tripleotest is an embedded undercloud: the Mistral, Zaqar, Swift,
// Ironic and Heat APIs a TripleO (Queens) undercloud exposes, on one loopback
// HTTP server, with the behaviour of the tripleo.* workflows and actions —
// their Swift, Ironic and Heat effects, their Zaqar messages in the real
// envelopes and order, their Mistral states, outputs and failures. Programs
// that drive an undercloud through this SDK test their automation against it
// without one; it is also the engine of examples/quickstart.
//
// It is a test double of the real services, not a second TripleO: the wire
// (paths, status codes, headers, error bodies, paging) follows the real
// services as the SDK and its users touch them, while the workflows are a small table of names,
// inputs and defaults with one Go function each for their effects.
//
// # Use
//
//	u := tripleotest.NewT(t)          // or New(); Close() when done
//	c, err := u.Client()              // a tripleo.Client on u.Endpoints(), Zaqar REST Notifier included
//	run, err := tripleo.Start(ctx, c, "tripleo.baremetal.v1.register_or_update", input, decode, tripleo.StartOpts{})
//	...
//	u.Nodes(); u.Objects("overcloud"); u.Stack("overcloud"); u.Messages("tripleo"); u.Executions(); u.Requests()
//
// Every goroutine the undercloud starts (running workflows, Heat timelines,
// Notifiers of the Clients it built) ends on Close; Ironic transitions need
// none (a node's state is computed from the clock when it is read).
//
// # Routes
//
// One server, one path prefix per service; tripleo.NewNoAuthClient(u.Endpoints())
// finds them all:
//
//	/mistral/v2   workflows, actions (read-only), executions (client-chosen
//	              idempotent id, input as object or JSON string, 400 "Invalid
//	              input [...]", filters, sort_dirs, limit/marker/next, PUT state,
//	              DELETE), executions/{id}/tasks, tasks, action_executions
//	              (run_sync + save_result, or asynchronous), environments
//	/zaqar/v2     queues (PUT 201/204, GET, DELETE, list, stats), messages (POST
//	              with TTL 60..1209600, GET with echo, limit ≤ 20, opaque marker,
//	              links rel next; GET/DELETE by id and ids); Client-ID (a UUID)
//	              and X-Project-ID required; queues are per project
//	/swift/v1/AUTH_<project>
//	              account and container listings (plain or JSON; prefix,
//	              delimiter, marker, end_marker, limit), containers PUT/HEAD/
//	              GET/POST/DELETE (409 while not empty), objects PUT (Etag md5,
//	              422 on mismatch)/GET/HEAD/POST/DELETE with X-*-Meta-*,
//	              X-Delete-After, ?extract-archive=tar|tar.gz|tar.bz2,
//	              ?bulk-delete, temp URLs
//	/ironic/v1    nodes (create in enroll, list/detail with filters and "next"
//	              paging, get by uuid or name, JSON-patch, delete), ports,
//	              states/provision (enroll → verifying → manageable; inspect,
//	              clean ⇄ clean wait, provide (through cleaning), active
//	              (deploying, wait call-back), deleted, abort; 400 for invalid
//	              transitions, 409 while locked), states/power, maintenance,
//	              states, validate; microversions up to 1.82 ("fault" from 1.42)
//	/heat/v1/<project>
//	              stacks (create 201, list, GET by name → 302 to name/id, update
//	              PUT/PATCH 202, delete 204 → DELETE_COMPLETE), events (newest
//	              first; sort_dir, marker, limit, nested_depth with root_stack
//	              links, resource filters), resources (nested_depth), template,
//	              environment, POST /validate
//
// # Workflows and actions
//
// GET /v2/workflows lists the Queens tripleo.* workflows with their real names,
// inputs and defaults (YAML definitions, Python-rendered "input" strings).
// These have behaviour (the others end FAILED "tripleotest does not simulate
// workflow ..."):
//
//	tripleo.plan_management.v1  create_default_deployment_plan, create_deployment_plan,
//	                            delete_deployment_plan, export_deployment_plan
//	tripleo.baremetal.v1        register_or_update (validate_nodes, manage, provide),
//	                            introspect (_introspect per node, retries),
//	                            introspect_manageable_nodes, provide, provide_manageable_nodes,
//	                            manual_cleaning, set_node_state, set_power_state, cellv2_discovery
//	tripleo.deployment.v1       deploy_plan, deploy_on_servers (deploy_on_server), get_deployment_status
//	tripleo.validations.v1      run_groups, add_validation_ssh_key_parameter
//	tripleo.messaging.v1        send
//
// and these actions: tripleo.plan.create_container, .list, .delete, .export;
// tripleo.parameters.update, .reset, .get, .get_flatten, .generate_passwords,
// .get_passwords; tripleo.templates.process, .upload; tripleo.baremetal.validate_nodes,
// .register_or_update_nodes, .cell_v2_discover_hosts; tripleo.deployment.deploy,
// .config; tripleo.role.list; tripleo.swift.tempurl; tripleo.container_images.prepare;
// std.echo, std.noop, std.fail.
//
// Baremetal and plan workflows post the legacy envelope ({"type", "payload":
// {"status", "message", "execution": {...}, ...}}), deployment workflows the
// standard one of tripleo.messaging.v1.send (payload execution_id,
// root_execution_id, plan_name, deployment_status), to their queue_name
// (default "tripleo"). A failing workflow posts FAILED and then ends ERROR
// (legacy: state_info null; standard: "Failure caused by error in tasks:
// send_message ..."); outputs are the published context. deploy_plan ends
// SUCCESS once Heat accepted the stack; the stack then runs its timeline
// (about 23 simulated minutes and 127 resources in nested stacks for 3
// controllers and 2 computes; servers bound to available Ironic nodes, which
// go active; "No valid host was found" when there are too few).
//
// The default plan (DefaultTemplates) is a small stand-in for
// tripleo-heat-templates: overcloud.yaml, roles_data.yaml (Controller,
// Compute), network_data.yaml, plan-environment.yaml, a resource registry and
// two environments; templates.process renders one ResourceGroup per role, the
// role templates and the deploy steps. The TestFail parameter makes its
// Deployment resource fail.
//
// # Knobs
//
//	WithTimeScale(f)            simulated durations × f (DefaultTimeScale: the whole
//	                            plan → nodes → deploy flow in well under a second; 1.0 = human pace)
//	WithProject, WithSeed, WithNodes
//	WithLatency(d)              every response delayed by d
//	WithServerErrors(svc, rate) 503 before processing (seeded)
//	WithLostResponses(svc, rate) changes processed, then answered 502 (seeded)
//	DropMessages(wfs...)        the workflows' messages are not posted (none = all)
//	DuplicateMessages(wfs...)   each message posted twice (two ids)
//	WorkflowDiesSilently(wf)    the execution ends without its final message
//	FailIntrospection(node)     inspector reports an error for the node (name, uuid or MAC)
//	FailCleaning(node, err)     cleaning fails: clean failed, maintenance, fault, last_error
//	FailResource(name, reason)  a Heat resource fails its create or update
//
// # Unit-test doubles
//
// For a test that scripts each workflow itself rather than running the
// undercloud, two small doubles need no server (so they work inside
// testing/synctest bubbles, where sockets cannot be used):
//
//	NewMockClient(t, endpoints) a noauth Client on an httpmock transport of its own
//	NewMockMistral(mt, baseURL) Mistral's executions and action executions on that
//	                            transport: OnStart hooks per workflow, Set/Add
//	                            executions, FailPOSTs, OnGET, SetTasks, AddWorkflow,
//	                            OnAction; Posts, LastPost, GetTimes, Cancels and
//	                            ActionCalls record the requests
//	NewNotifier()               a messaging.Memory that records Subscriptions and
//	                            Flushes, with Post(t, queue, type, payload)
//	JSONResponse, RequestJSON   for responders of one's own
//
// Nothing here is safe to expose beyond a test: there is no authentication.
package tripleotest
