// Package tripleo is the core of tripleo-go: the Client of one TripleO
// undercloud, the Mistral calls the SDK needs (workflows with their parsed
// inputs, executions, synchronous actions, environments, tasks), and the run
// engine that every typed package (plan, parameters, baremetal, deployment)
// builds on.
//
// # Clients
//
// NewClient takes any authenticated gophercloud ProviderClient and finds
// Mistral, Zaqar, Swift, Heat and Ironic in its catalog; NewClientFromCloud
// reads clouds.yaml (or OS_* variables) through gophercloud's config packages
// and turns re-authentication on; NewNoAuthClient uses fixed endpoints of a
// Keystone-less undercloud (or of the embedded undercloud in package
// tripleotest). Give the client a Notifier (package messaging) so runs are
// followed through Zaqar; without one, runs are followed by polling Mistral.
//
// # HTTP
//
// Every constructor installs one guard on the ProviderClient's HTTP client, so
// every request of every package goes through it: a redirect to another
// scheme, host or port is refused (*RedirectError: neither the token nor the
// body leaves the origin); a successful response's body is read through a
// bound (WithMaxResponseBytes, 32 MiB; *BodyTooLargeError), an error
// response's through ErrorBodyBytes; each request has a deadline of its own
// (WithRequestTimeout, 60 s; WithLongRequestTimeout, 10 min, for uploads to
// Swift and RunAction; *TimeoutError), whatever the caller's ctx allows.
// Idempotent calls (every read, puts and deletes by name, and what a caller
// wraps in Client.Idempotent) retry 5xx, 429 (honouring Retry-After),
// connection errors and timeouts with backoff for at most WithMaxRetryTime;
// POSTs retry only when surely not processed, or with a client-chosen id.
//
// # Runs
//
// Start runs a workflow and returns a *Run[T]:
//
//  1. it subscribes to the run's Zaqar queue before the execution exists, so no
//     message is missed;
//  2. it creates the execution with a client-chosen id, so a POST retried after
//     a 5xx or a dropped connection never starts the workflow twice (4xx are not
//     retried);
//  3. it follows the messages whose execution_id (or root_execution_id, for
//     sub-workflows, or legacy execution.id) is the run's, and the Client's one
//     execution watcher checks every active run's Mistral state in one list
//     request per tick (GET /v2/executions?id=in:...; one GET per run where a
//     server does not filter by id): every 50 ms while a run is young, then
//     every age/200 up to 5 s, and at once when a message of the run arrives,
//     so a run whose final message never comes still ends within a tick;
//     Client.Close releases the watcher (and the Notifier);
//  4. one function decides the outcome: the Mistral state when it is terminal,
//     else the final message's status. Success is decoded into T (from the final
//     payload, or the execution output); failure is a *WorkflowError with the
//     workflow, execution id, state, state_info and last message.
//
// The error returned by Start covers starting only. The ctx given to Start
// bounds the following: cancelling it releases every goroutine of the run and
// ends it with ctx's error, but does not stop the workflow on the server.
// Run.Wait(ctx) bounds only that wait. Only Run.Cancel stops the workflow.
//
// Events are kept in an in-memory log: Run.Events delivers every event in order,
// ending with an EventDone, then closes; the outcome is stored and Done closed
// before that. A host that never reads Events loses nothing and blocks nothing.
// Wait can be called from any number of goroutines. Attach follows an execution
// started elsewhere; Go and Join compose several runs into one.
//
// Synchronous actions (tripleo.plan.create_container, tripleo.parameters.*)
// are one call: Client.RunAction.
//
// # Errors and secrets
//
// Bad input is a *ValidationError (errors.Is ErrInvalidInput) returned before
// any request, every problem at once (Problems lists them); HTTP errors are *APIError carrying the server's own message
// (and gophercloud's error underneath); an answer that is not the JSON
// expected is a *DecodeError (errors.Is ErrMalformedResponse); failed actions
// are *ActionError.
// Passwords are Secret values: every way of printing them shows "***", and the
// SDK reveals them only on the wire, redacting them from any error text and
// from the messages, events and logs of the run or request that sent them.
package tripleo
