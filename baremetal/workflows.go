package baremetal

// Names of what this package runs: Mistral workflows (Workflow*), composite
// runs (Op*, the Source of their own events) and the stages of a composite
// run (Stage*).
const (
	// WorkflowRegisterOrUpdate registers nodes with Ironic (RegisterOrUpdate).
	WorkflowRegisterOrUpdate = "tripleo.baremetal.v1.register_or_update"
	// WorkflowIntrospect introspects nodes (Introspect).
	WorkflowIntrospect = "tripleo.baremetal.v1.introspect"
	// WorkflowIntrospectNode is the per-node sub-workflow of WorkflowIntrospect,
	// whose messages Introspect annotates with the node and counters.
	WorkflowIntrospectNode = "tripleo.baremetal.v1._introspect"
	// WorkflowIntrospectManageable introspects every manageable node
	// (IntrospectManageableNodes).
	WorkflowIntrospectManageable = "tripleo.baremetal.v1.introspect_manageable_nodes"
	// WorkflowManualCleaning runs clean steps on a node (ManualClean).
	WorkflowManualCleaning = "tripleo.baremetal.v1.manual_cleaning"
	// WorkflowProvide makes nodes available (Provide).
	WorkflowProvide = "tripleo.baremetal.v1.provide"
	// WorkflowProvideManageable makes every manageable node available
	// (ProvideManageableNodes).
	WorkflowProvideManageable = "tripleo.baremetal.v1.provide_manageable_nodes"
	// WorkflowSetNodeState moves a node to a provision state (SetNodeState).
	WorkflowSetNodeState = "tripleo.baremetal.v1.set_node_state"

	// OpEnroll names the Enroll composite run (Run.Name, Source of its own events).
	OpEnroll = "baremetal.Enroll"

	// StageRegister is Enroll's first stage (EnrollNode.Stage of a node it stopped).
	StageRegister = "register"
	// StageIntrospect is Enroll's second stage.
	StageIntrospect = "introspect"
	// StageProvide is Enroll's last stage.
	StageProvide = "provide"
)
