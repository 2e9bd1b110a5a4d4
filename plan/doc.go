// Package plan manages TripleO deployment plans: the Swift container that
// holds a plan's heat templates and its plan-environment.yaml, created and
// processed through the tripleo.plan_management.v1 workflows and the
// tripleo.plan.* actions of the undercloud's Mistral.
//
// Synchronous actions return (result, error):
//
//   - CreateContainer: tripleo.plan.create_container (a container marked as a plan);
//   - List: tripleo.plan.list;
//   - Delete: tripleo.plan.delete (see Delete for why the action, not the workflow);
//   - UploadTemplates: a templates tree (any fs.FS, e.g. os.DirFS) to the
//     container, resumable, bounded-concurrent or bulk (extract-archive);
//   - GetEnvironment: plan-environment.yaml, typed, passwords as tripleo.Secret.
//
// Workflows return a *tripleo.Run:
//
//   - CreateDefault: create_default_deployment_plan (Queens and older; removed in Rocky);
//   - Create: create_deployment_plan;
//   - CreateFromTemplates: create_container, UploadTemplates and
//     create_deployment_plan as one composite run, with each step's progress
//     on the run's events and a *StepError saying what a failure left behind;
//   - Export: export_deployment_plan, whose result is a temporary URL.
//
// Every function validates its input locally first (plan names follow Swift's
// container rules and TripleO's ^[a-zA-Z0-9-]+$; every Opts has Validate) and
// returns *tripleo.ValidationError before any request. Server errors come back
// typed: *tripleo.ActionError with the action's own text, *tripleo.APIError
// (errors.Is(err, tripleo.ErrNotFound) for a missing container),
// *tripleo.WorkflowError for a failed workflow.
//
// # Runs
//
// The error returned by a function that starts a run covers starting only.
// The ctx given to it bounds the following of the run (and, for
// CreateFromTemplates, the upload itself); Run.Wait(ctx) bounds only that
// wait; only Run.Cancel stops the workflow on the server. Run.Events delivers
// every event in order and is closed after the last; a host that calls it must
// drain it or cancel the run's ctx.
//
// # Upload progress
//
// UploadTemplates reports progress through UploadOpts.OnProgress, a callback
// called after each file (per-object mode) or archive (bulk mode) with the
// counters so far; calls never overlap. CreateFromTemplates turns these into
// EventProgress events of its run (Subject "upload_templates", Progress
// counters), so a host following the run needs no callback.
//
// # Bulk uploads
//
// With UploadAuto (the default) UploadTemplates asks Swift's GET /info whether
// the bulk middleware offers bulk_upload and, if so, sends gzip tar archives to
// PUT /{container}?extract-archive=tar.gz (as tripleo-common does), checking
// the JSON report ("Errors", "Response Status") and naming failed files in an
// *UploadError; otherwise, or with UploadPerObject, it puts objects one by one,
// opts.Concurrency at a time. Either way objects Swift already holds with the
// same MD5 are skipped (one container listing), so an upload is resumable.
package plan
