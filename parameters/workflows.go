package parameters

// Names of the Mistral actions this package runs (Action*).
const (
	// ActionUpdate merges parameters into a plan (Update, Set).
	ActionUpdate = "tripleo.parameters.update"
	// ActionReset deletes a plan's parameters (Reset, Set).
	ActionReset = "tripleo.parameters.reset"
	// ActionGetFlatten reads a plan's flattened parameter view (Get).
	ActionGetFlatten = "tripleo.parameters.get_flatten"
)
