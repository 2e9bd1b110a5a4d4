package deployment

// Names of what this package runs: Mistral workflows (Workflow*) and
// composite runs (Op*, the Source of their own EventStarted and EventDone).
const (
	// WorkflowDeployPlan deploys a plan (DeployPlan, Deploy).
	WorkflowDeployPlan = "tripleo.deployment.v1.deploy_plan"
	// WorkflowDeployOnServers runs a software config on servers (DeployOnServers).
	WorkflowDeployOnServers = "tripleo.deployment.v1.deploy_on_servers"
	// WorkflowDeployOnServer is the per-server sub-workflow of
	// WorkflowDeployOnServers.
	WorkflowDeployOnServer = "tripleo.deployment.v1.deploy_on_server"
	// WorkflowGetDeploymentStatus reads a plan's deployment status (Status).
	WorkflowGetDeploymentStatus = "tripleo.deployment.v1.get_deployment_status"

	// OpDeploy is the name of a Deploy run.
	OpDeploy = "deployment.Deploy"
	// OpFollowStack is the name of a stack watch's run (StackWatch.Run).
	OpFollowStack = "deployment.FollowStack"
)
