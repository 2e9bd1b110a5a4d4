// Package parameters reads and changes a TripleO plan's parameters through the
// synchronous tripleo.parameters.* actions of the undercloud's Mistral (they
// are actions, not workflows: one request each, no Run).
//
//   - Update: tripleo.parameters.update merges values into the plan
//     environment's parameter_defaults (or another key), re-processes the
//     templates and, by default, has Heat validate them (restoring the previous
//     environment if validation fails);
//   - Reset: tripleo.parameters.reset deletes parameter_defaults;
//   - Set: Reset then Update, for "exactly these parameters";
//   - Get: tripleo.parameters.get_flatten, the flattened parameter view typed
//     as a View of Parameters (type, default, description, current value,
//     hidden) and Resources.
//
// Secrets: put passwords in the params map as tripleo.Secret values. They are
// sent to Mistral in full (tripleo.Wire, inside Client.RunAction) and never
// appear in errors or logs (the server's error texts are redacted of them).
// Values Heat marks NoEcho come back as tripleo.Secret, which prints "***".
//
// All functions validate their input first (the plan name with
// plan.ValidateName, UpdateOpts.Validate) and return *tripleo.ValidationError
// before any request; the actions' own failures are *tripleo.ActionError with
// the server's text (e.g. "Error retrieving environment for plan overcloud:
// ... 404 Not Found" for a missing plan), HTTP failures *tripleo.APIError.
package parameters
