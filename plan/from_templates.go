package plan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/gophercloud/gophercloud/v2/openstack/objectstorage/v1/containers"

	"github.com/tripleo-go/sdk/tripleo"
)

// CreateFromTemplatesOpts are the inputs of CreateFromTemplates.
type CreateFromTemplatesOpts struct {
	// Plan is the plan to create (required; see ValidateName).
	Plan string
	// Templates is the templates tree (required), with plan-environment.yaml
	// at its root, e.g. os.DirFS("/usr/share/openstack-tripleo-heat-templates").
	Templates fs.FS
	// Queue is the Zaqar queue of the create_deployment_plan step (empty: the Client's).
	Queue string
	// SkipPasswordGeneration is passed to Create.
	SkipPasswordGeneration bool
	// SkipStackValidation is passed to Create.
	SkipStackValidation bool
	// Upload tunes the upload step; its OnProgress, if set, is called too.
	Upload UploadOpts
	// Resume reuses a plan container that already exists (left by an earlier
	// attempt) instead of failing at create_container: the upload then sends
	// only the files it lacks.
	Resume bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o CreateFromTemplatesOpts) Validate() error {
	errs := []error{checkName("plan", o.Plan), needFS(o.Templates), validateQueue(o.Queue), o.Upload.Validate()}
	if o.Templates != nil {
		if _, err := fs.Stat(o.Templates, EnvironmentObject); err != nil {
			errs = append(errs, tripleo.Invalid("templates", "%s is missing at the root of the templates tree", EnvironmentObject))
		}
	}
	return errors.Join(errs...)
}

// StepError is the error of a CreateFromTemplates run that failed: which step
// failed, why (Err, which errors.As reaches: *tripleo.ActionError,
// *UploadError, *tripleo.WorkflowError, ...) and what the failure left on the
// server.
type StepError struct {
	// Plan is the plan.
	Plan string
	// Step is StepCreateContainer, StepUploadTemplates or StepCreatePlan.
	Step string
	// LeftBehind says what the failed run left on the server and how to
	// clean up or go on ("" when nothing was left).
	LeftBehind string
	// Uploaded and Total count the template files in the container (upload step and later).
	Uploaded, Total int
	// Err is the step's error.
	Err error
}

// Error says which step failed, why, and what was left behind.
func (e *StepError) Error() string {
	s := fmt.Sprintf("%s %s: step %s failed: %v", OpCreateFromTemplates, e.Plan, e.Step, e.Err)
	if e.LeftBehind != "" {
		s += "; left behind: " + e.LeftBehind
	} else {
		s += "; nothing was left behind"
	}
	return s
}

// Unwrap returns the step's error.
func (e *StepError) Unwrap() error { return e.Err }

// CreateFromTemplates creates a plan from a templates tree (a directory with
// overcloud.yaml, plan-environment.yaml, roles_data.yaml, capabilities-map.yaml,
// environments/, puppet/, ...) as one composite run of three steps, the way
// python-tripleoclient's `openstack overcloud plan create --templates DIR` does:
//
//  1. create_container: the tripleo.plan.create_container action (CreateContainer);
//  2. upload_templates: UploadTemplates of opts.Templates;
//  3. create_deployment_plan: the workflow (Create), whose events join the run's.
//
// Each step posts EventProgress events with Source OpCreateFromTemplates and
// Subject the step name (Status RUNNING, then SUCCESS); during the upload they
// carry Progress counters (Done counts files uploaded or already there).
// A failure ends the run with a *StepError saying which step failed and what
// was left behind. The tree must have plan-environment.yaml at its root
// (checked before any request).
func CreateFromTemplates(ctx context.Context, c *tripleo.Client, opts CreateFromTemplatesOpts) (*tripleo.Run[Plan], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	container := opts.Plan
	for _, svc := range []string{"workflow", "object-store"} {
		if err := c.Need(svc); err != nil {
			return nil, err
		}
	}
	return tripleo.Go(ctx, c, OpCreateFromTemplates, func(ctx context.Context, s *tripleo.Scope) (Plan, error) {
		step := func(name, status, text string, p *tripleo.Progress) {
			s.Emit(tripleo.Event{Kind: tripleo.EventProgress, Source: OpCreateFromTemplates, Subject: name, Status: status, Text: text, Progress: p})
		}

		// 1. create_container
		step(StepCreateContainer, tripleo.StatusRunning, "creating plan container "+container, nil)
		reused, err := createOrReuse(ctx, c, container, opts.Resume)
		if err != nil {
			left := ""
			var ae *tripleo.ActionError
			if errors.As(err, &ae) {
				left = "nothing new; if plan " + container + " already exists, delete it with plan.Delete or pass Resume to reuse it"
			}
			return Plan{}, &StepError{Plan: container, Step: StepCreateContainer, LeftBehind: left, Err: err}
		}
		if reused {
			step(StepCreateContainer, tripleo.StatusSuccess, "plan container "+container+" exists; resuming", nil)
		} else {
			step(StepCreateContainer, tripleo.StatusSuccess, "plan container "+container+" created", nil)
		}

		// 2. upload_templates
		step(StepUploadTemplates, tripleo.StatusRunning, "uploading templates to "+container, nil)
		uo := opts.Upload
		user := uo.OnProgress
		uo.OnProgress = func(p UploadProgress) {
			if user != nil {
				user(p)
			}
			text := p.Object
			if p.Err != nil {
				text = p.Object + ": " + p.Err.Error()
			}
			step(StepUploadTemplates, tripleo.StatusRunning, text, &tripleo.Progress{
				Done: p.Uploaded + p.Skipped, InProgress: p.InProgress, Failed: p.Failed, Total: p.Total})
		}
		st, err := UploadTemplates(ctx, c, UploadTemplatesOpts{Plan: container, Templates: opts.Templates, UploadOpts: uo})
		if err != nil {
			have := st.Files + st.Skipped
			return Plan{}, &StepError{Plan: container, Step: StepUploadTemplates, Uploaded: have, Total: st.Total, Err: err,
				LeftBehind: fmt.Sprintf("container %s exists with %d of %d objects uploaded; delete it with plan.Delete, or retry with Resume: the upload resumes", container, have, st.Total)}
		}
		step(StepUploadTemplates, tripleo.StatusSuccess,
			fmt.Sprintf("%d files uploaded, %d already there, %d bytes (%s) in %s", st.Files, st.Skipped, st.Bytes, st.Mode, st.Duration.Round(1e6)),
			&tripleo.Progress{Done: st.Files + st.Skipped, Total: st.Total})

		// 3. create_deployment_plan
		step(StepCreatePlan, tripleo.StatusRunning, "starting "+WorkflowCreate, nil)
		left := fmt.Sprintf("container %s holds the %d template files but is not a usable plan; fix the templates and retry with Resume (or call plan.Create), or delete it with plan.Delete", container, st.Total)
		sub, err := Create(ctx, c, CreateOpts{Plan: container, Queue: opts.Queue, SkipPasswordGeneration: opts.SkipPasswordGeneration, SkipStackValidation: opts.SkipStackValidation})
		if err != nil {
			return Plan{}, &StepError{Plan: container, Step: StepCreatePlan, Uploaded: st.Total, Total: st.Total, Err: err, LeftBehind: left}
		}
		p, err := tripleo.Join(ctx, s, sub)
		if err != nil {
			return Plan{}, &StepError{Plan: container, Step: StepCreatePlan, Uploaded: st.Total, Total: st.Total, Err: err, LeftBehind: left}
		}
		step(StepCreatePlan, tripleo.StatusSuccess, p.Message, nil)
		return p, nil
	}), nil
}

// createOrReuse runs create_container, or with resume reuses an existing plan
// container (one that carries the plan metadata).
func createOrReuse(ctx context.Context, c *tripleo.Client, container string, resume bool) (bool, error) {
	if resume {
		var res containers.GetResult
		_ = c.Idempotent(ctx, "swift: head container "+container, func() error {
			res = containers.Get(ctx, c.ObjectStore, container, nil)
			return res.Err
		})
		switch {
		case res.Err == nil:
			meta, err := res.ExtractMetadata()
			if err != nil {
				return false, fmt.Errorf("swift: head container %s: %w", container, err)
			}
			if _, ok := meta["Usage-Tripleo"]; !ok {
				return false, fmt.Errorf("container %s exists but is not a plan (no %s metadata)", container, MetadataKey)
			}
			return true, nil
		case !tripleo.IsNotFound(res.Err):
			return false, tripleo.WrapHTTP("swift: head container "+container, res.Err)
		}
	}
	return false, CreateContainer(ctx, c, CreateContainerOpts{Plan: container})
}
