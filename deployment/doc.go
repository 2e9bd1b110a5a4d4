// Package deployment deploys TripleO plans and follows their Heat stacks.
//
// # Operations
//
//   - DeployPlan runs tripleo.deployment.v1.deploy_plan. Its success means Heat
//     accepted the create or update of the plan's stack, not that the stack is
//     complete; DeployResult says which stack to follow, whether it was a create
//     or an update, and (for an update) the newest event before it.
//   - FollowStack follows a Heat stack operation until it ends: a StackWatch.
//   - Deploy is DeployPlan then FollowStack as one run: its events are the
//     workflow's messages, then the stack's events; its result is the final Stack.
//   - DeployOnServers runs tripleo.deployment.v1.deploy_on_servers; its result
//     lists each server's status code, stdout and stderr.
//   - Status reads a plan's deployment status: from the
//     tripleo.deployment.v1.get_deployment_status workflow where the undercloud
//     has it (Queens 8.7.0 and later) and it has a status recorded for the
//     plan, else from the Heat stack (Pike, Queens before 8.7.0, or nothing
//     recorded: DeploymentStatus.NotRecorded).
//
// Every Opts has a Validate method; the operations call it first and report
// bad input as *tripleo.ValidationError before any request.
//
// # Runs, contexts and cancellation
//
// The workflow operations return a *tripleo.Run. The error returned by the
// starting call covers starting only (validation, the POST of the execution).
// The ctx given to it bounds the following: cancelling it releases every
// goroutine and ends the run with ctx's error, but stops nothing on the
// server. Run.Wait(ctx) bounds only that wait. Run.Cancel cancels the Mistral
// execution running at the time (for Deploy, deploy_plan while it runs); no
// operation of this package cancels a Heat stack operation.
//
// # Following a stack
//
// A StackWatch is a run of the tripleo engine (tripleo.Go): StackWatch.Run
// returns it, so that it composes with tripleo.Join (Deploy does that) and
// shares the engine's guarantees: every event is kept in an in-memory log, a
// host that never reads the events blocks nothing, the outcome is stored before
// the events end, and Wait answers the same to every caller. Its events are
// tripleo.Events of Kind EventProgress and Source "heat" (Subject the resource
// name, Status its status, Progress the counters, Data a StackEvent), plus an
// EventWarning for each retried error. StackWatch.Events is a typed view of the
// same log: a channel of StackEvent, closed when the watch ends.
//
// The watch reads the stack first (a missing stack is an error of FollowStack
// itself), lists its resources to the nested depth to seed the counters, then
// polls GET /stacks/{name}/{id}/events?sort_dir=asc&marker=<last event
// id>&nested_depth=N&limit=M, reading pages until one is short (one request per
// page, marker = the previous page's last event, through gophercloud's pager).
// Events are de-duplicated by id (the last 8192 ids). The interval is PollMin
// while events flow and backs off (×1.5) to PollMax while none come. HTTP 429,
// 502, 503, 504 and connection errors are retried on a backoff (×2, at most
// MaxRetries in a row); any other error ends the watch (a *tripleo.APIError,
// errors.Is(err, tripleo.ErrNotFound) for a 404).
//
// The watch awaits one Heat action: FollowOpts.Action, else the action of the
// stack's status when the watch starts (Deploy passes CREATE or UPDATE). It
// ends when an event of the top stack itself (resource_name = the stack's name,
// physical_resource_id = its id) reports <ACTION>_COMPLETE (success: Wait
// returns the Stack, read again for its outputs) or <ACTION>_FAILED (a
// *StackError with the stack's reason and the failed resources, nested ones
// included, from Heat's resource list). Statuses are classified by suffix
// (ClassifyStatus): *_IN_PROGRESS keeps waiting, never a bare "IN_PROGRESS";
// UPDATE_COMPLETE after an update is success. ROLLBACK_COMPLETE or _FAILED, or
// DELETE_*, while awaiting another action are failures (the operation was undone
// or the stack went away); following a DELETE, a stack that is gone is
// DELETE_COMPLETE. The final events of earlier operations, replayed when no
// Since marker is given, never end the watch: within each poll the last
// *_IN_PROGRESS of the awaited action resets the verdict. After two empty polls
// in a row the stack itself is read (tripleoclient's fallback for a missing
// final event); with a Since marker its status is believed only once an event
// after the marker has been seen, so the status of the previous operation is
// never mistaken for this one's.
//
// Resource counters (StackWatch.Counts, StackEvent.Progress) count the
// resources listed at the start and those seen in events since, by their last
// status: Done (*_COMPLETE except INIT_COMPLETE), InProgress, Failed, of Total.
// With a Since marker the listed statuses are the baseline (an update's
// unchanged resources count as done); without one the statuses come from the
// replayed events alone, so a create's counters only rise. Nested stacks' own
// events are not counted (their parent resource is).
//
// No goroutine outlives a watch: it ends at its outcome, on Stop (Wait then
// returns an error matching ErrStopped) or when FollowStack's ctx ends.
package deployment
