// Package instackenv is the instackenv file format: the bare metal nodes that
// package baremetal registers with Ironic.
//
// An Inventory is an instackenv file ({"nodes": [...]} or a bare list, JSON or
// YAML): Read and Load read it, keeping every field typed (Node) and the rest
// in Node.Extra. Reading checks only that values have a usable type;
// Inventory.Validate applies the rules of tripleo-common's validate_nodes
// locally (required fields per driver, MAC syntax and uniqueness, BMC identity
// and name uniqueness, capabilities, root device hints, unknown fields),
// reporting every problem at once as a *Problem ("node #2 (compute-1): mac:
// MAC address ... is invalid") that is also a *tripleo.ValidationError;
// Problems lists them.
//
// Passwords (pm_password, and secret-looking extra keys such as
// ipmi_kg_password) are tripleo.Secret values: fmt, slog, JSON and YAML print
// "***". Inventory.Wire returns the real values, for hosts that must write an
// instackenv file.
package instackenv
