package plan

// Names of what this package runs: Mistral workflows (Workflow*), Mistral
// actions (Action*), composite runs (Op*, the Source of their own events) and
// the steps of a composite run (Step*).
const (
	// WorkflowCreateDefault creates a plan from the undercloud's own templates;
	// it exists in Newton to Queens only (removed in Rocky).
	WorkflowCreateDefault = "tripleo.plan_management.v1.create_default_deployment_plan"
	// WorkflowCreate makes a plan of a container of templates (Create).
	WorkflowCreate = "tripleo.plan_management.v1.create_deployment_plan"
	// WorkflowExport packs a plan into a tarball with a temporary URL (Export).
	WorkflowExport = "tripleo.plan_management.v1.export_deployment_plan"

	// ActionCreateContainer creates a plan's Swift container (CreateContainer).
	ActionCreateContainer = "tripleo.plan.create_container"
	// ActionList lists the plans (List).
	ActionList = "tripleo.plan.list"
	// ActionDelete deletes a plan (Delete).
	ActionDelete = "tripleo.plan.delete"

	// OpCreateFromTemplates is the name of the composite run of
	// CreateFromTemplates (the Source of its own events).
	OpCreateFromTemplates = "plan.CreateFromTemplates"

	// StepCreateContainer is CreateFromTemplates's first step, CreateContainer.
	StepCreateContainer = "create_container"
	// StepUploadTemplates is CreateFromTemplates's second step, UploadTemplates.
	StepUploadTemplates = "upload_templates"
	// StepCreatePlan is CreateFromTemplates's last step, the workflow of Create.
	StepCreatePlan = "create_deployment_plan"
)
