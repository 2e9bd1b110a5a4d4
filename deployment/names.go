package deployment

import (
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

// Defaults.
const (
	// DefaultTimeout is deploy_plan's Heat timeout in minutes.
	DefaultTimeout = 240
	// DefaultGroup is the software config group of deploy_on_servers.
	DefaultGroup = "script"
	// DefaultPlan is TripleO's usual plan (and stack) name.
	DefaultPlan = "overcloud"
)

// planName: TripleO's plan rule (letters, digits, dashes: what
// tripleo.plan.create_container enforces) combined with Heat's stack name rule
// (must start with a letter), since a deployed plan's stack carries its name.
var planName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*$`)

// stackName is Heat's stack name rule.
var stackName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]*$`)

const maxNameLength = 255

// validatePlan checks a plan (container) name that is also a stack name.
func validatePlan(field, name string) error {
	switch {
	case name == "":
		return tripleo.Invalid(field, "a plan name is required")
	case len(name) > maxNameLength:
		return tripleo.Invalid(field, "plan name is %d bytes long; at most %d are allowed", len(name), maxNameLength)
	case !planName.MatchString(name):
		return tripleo.Invalid(field, "plan name %q must start with a letter and hold only letters, digits and dashes", name)
	}
	return nil
}

// parseStackRef reads "name", "name/id" or a bare stack id.
func parseStackRef(ref string) (name, id string, err error) {
	if ref == "" {
		return "", "", tripleo.Invalid("stack", "a stack name or id is required")
	}
	name, id, _ = strings.Cut(ref, "/")
	if _, e := uuid.Parse(name); e == nil && id == "" {
		return "", name, nil
	}
	if len(name) > maxNameLength || !stackName.MatchString(name) {
		return "", "", tripleo.Invalid("stack", "%q is not a Heat stack name (a letter, then letters, digits, _ - .)", name)
	}
	if strings.Contains(id, "/") {
		return "", "", tripleo.Invalid("stack", "%q is neither a name nor name/id", ref)
	}
	return name, id, nil
}

func validateQueue(q string) error {
	if q == "" {
		return nil
	}
	return tripleo.ValidateQueueName(q)
}
