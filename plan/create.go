package plan

import (
	"context"
	"errors"
	"net/url"

	"github.com/tripleo-go/sdk/internal/plancheck"
	"github.com/tripleo-go/sdk/tripleo"
)

// Plan is the result of a plan creation.
type Plan struct {
	// Name is the plan (Swift container) name.
	Name string
	// Message is the workflow's final message text (e.g. "Plan created.").
	Message string
}

func decodePlan(name string) tripleo.Decoder[Plan] {
	return func(f *tripleo.Final) (Plan, error) {
		return Plan{Name: name, Message: f.Text()}, nil
	}
}

// CreateDefaultOpts are the inputs of CreateDefault.
type CreateDefaultOpts struct {
	// Plan is the plan name (required; see ValidateName).
	Plan string
	// Queue is the Zaqar queue the workflow posts to (empty: the Client's).
	Queue string
	// SkipPasswordGeneration sends generate_passwords false (the workflow
	// generates the overcloud passwords by default).
	SkipPasswordGeneration bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o CreateDefaultOpts) Validate() error {
	return errors.Join(checkName("plan", o.Plan), validateQueue(o.Queue))
}

// CreateDefault starts tripleo.plan_management.v1.create_default_deployment_plan:
// a plan from the undercloud's own tripleo-heat-templates
// (/usr/share/openstack-tripleo-heat-templates). The container must not exist.
//
// The workflow exists up to Queens only; it was removed in Rocky, where the
// same result comes from Create with UseDefaultTemplates. On a server without
// it the start fails with the server's message (Mistral answers unknown
// workflows with an HTTP error).
func CreateDefault(ctx context.Context, c *tripleo.Client, opts CreateDefaultOpts) (*tripleo.Run[Plan], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	in := map[string]any{"container": opts.Plan}
	if opts.SkipPasswordGeneration {
		in["generate_passwords"] = false
	}
	return tripleo.Start(ctx, c, WorkflowCreateDefault, in, decodePlan(opts.Plan), tripleo.StartOpts{Queue: opts.Queue})
}

// CreateOpts are the inputs of Create (workflow create_deployment_plan).
type CreateOpts struct {
	// Plan is the plan name (required; see ValidateName).
	Plan string
	// Queue is the Zaqar queue the workflow posts to (empty: the Client's).
	Queue string
	// SkipPasswordGeneration sends generate_passwords false (the workflow
	// generates the overcloud passwords by default).
	SkipPasswordGeneration bool
	// SkipStackValidation sends validate_stack false (Queens and later validate
	// the stack by default; Pike has no such input, so leave it false there).
	SkipStackValidation bool
	// SourceURL is a git repository to clone the templates from; the plan
	// must not exist yet.
	SourceURL string
	// UseDefaultTemplates uploads the undercloud's default templates; the
	// plan must not exist yet.
	UseDefaultTemplates bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o CreateOpts) Validate() error {
	errs := []error{checkName("plan", o.Plan), validateQueue(o.Queue)}
	if o.SourceURL != "" && o.UseDefaultTemplates {
		errs = append(errs, tripleo.Invalid("source_url", "SourceURL and UseDefaultTemplates are mutually exclusive"))
	}
	if o.SourceURL != "" {
		if u, err := url.Parse(o.SourceURL); err != nil || u.Scheme == "" {
			errs = append(errs, tripleo.Invalid("source_url", "%q is not an absolute URL", o.SourceURL))
		}
	}
	return errors.Join(errs...)
}

// Create starts tripleo.plan_management.v1.create_deployment_plan. With
// neither SourceURL nor UseDefaultTemplates the container must already hold
// the templates (CreateContainer + UploadTemplates, or CreateFromTemplates which
// does all three); the workflow then generates passwords, sets RootStackName,
// prepares container images, processes the templates and ends with "Plan
// created.". A failing step ends the run with a *tripleo.WorkflowError whose
// message is that step's error.
//
// Only the inputs that are set are sent (container always, use_default_templates
// when true), so the workflow defaults apply and Pike, which lacks
// validate_stack, works when SkipStackValidation is false.
func Create(ctx context.Context, c *tripleo.Client, opts CreateOpts) (*tripleo.Run[Plan], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	in := map[string]any{"container": opts.Plan}
	if opts.SkipPasswordGeneration {
		in["generate_passwords"] = false
	}
	if opts.SkipStackValidation {
		in["validate_stack"] = false
	}
	if opts.SourceURL != "" {
		in["source_url"] = opts.SourceURL
	}
	if opts.UseDefaultTemplates {
		in["use_default_templates"] = true
	}
	return tripleo.Start(ctx, c, WorkflowCreate, in, decodePlan(opts.Plan), tripleo.StartOpts{Queue: opts.Queue})
}

// ExportOpts are the inputs of Export.
type ExportOpts struct {
	// Plan is the plan to export (required).
	Plan string
	// Queue is the Zaqar queue the workflow posts to (empty: the Client's).
	Queue string
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o ExportOpts) Validate() error {
	return errors.Join(checkName("plan", o.Plan), validateQueue(o.Queue))
}

// ExportResult is where an exported plan can be downloaded.
type ExportResult struct {
	// Plan is the exported plan.
	Plan string
	// TempURL is a Swift temporary URL of "<plan>.tar.gz" in the "plan-exports"
	// container, valid for an hour (the object is deleted after that too).
	TempURL string
}

// Export starts tripleo.plan_management.v1.export_deployment_plan, which
// packs the plan container into plan-exports/<plan>.tar.gz and returns a
// temporary URL for it.
func Export(ctx context.Context, c *tripleo.Client, opts ExportOpts) (*tripleo.Run[ExportResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	decode := func(f *tripleo.Final) (ExportResult, error) {
		r := ExportResult{Plan: opts.Plan}
		if _, err := f.Field("tempurl", &r.TempURL); err != nil {
			return r, err
		}
		if r.TempURL == "" {
			r.TempURL = f.Text()
		}
		if r.TempURL == "" {
			return r, errors.New("export_deployment_plan: the result has no tempurl")
		}
		return r, nil
	}
	run, err := tripleo.Start(ctx, c, WorkflowExport, map[string]any{"plan": opts.Plan}, decode, tripleo.StartOpts{Queue: opts.Queue})
	if err != nil {
		return nil, err
	}
	return plancheck.WrapRun(ctx, c, opts.Plan, "export plan", run), nil
}
