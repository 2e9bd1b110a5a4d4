package plan

import (
	"regexp"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

// DefaultName is the plan (and Heat stack) name TripleO uses when none is given.
const DefaultName = "overcloud"

// MaxNameLength is Swift's limit on a container name, in bytes.
const MaxNameLength = 256

// MetadataKey is the container metadata header that marks a Swift container as
// a plan (set by tripleo.plan.create_container; tripleo.plan.list lists the
// containers carrying it).
const MetadataKey = "X-Container-Meta-Usage-Tripleo"

// EnvironmentObject is the object of a plan container that holds the plan's
// stored parameters (Pike and later).
const EnvironmentObject = "plan-environment.yaml"

var namePattern = regexp.MustCompile(`^[a-zA-Z0-9-]+$`)

// ValidateName checks a plan name locally, before any request: Swift's
// container rules (not empty, at most 256 bytes, no "/") and TripleO's own rule
// (^[a-zA-Z0-9-]+$, which tripleo.plan.create_container enforces). The error is
// a *tripleo.ValidationError for the field "plan".
func ValidateName(name string) error { return checkName("plan", name) }

// checkName is ValidateName naming the caller's field.
func checkName(field, name string) error {
	switch {
	case name == "":
		return tripleo.Invalid(field, "a plan name is required")
	case len(name) > MaxNameLength:
		return tripleo.Invalid(field, "plan name is %d bytes long; Swift allows at most %d", len(name), MaxNameLength)
	case strings.Contains(name, "/"):
		return tripleo.Invalid(field, "plan name %q contains \"/\", which Swift container names cannot", name)
	case !namePattern.MatchString(name):
		return tripleo.Invalid(field, "plan name %q must only contain letters, numbers or dashes", name)
	}
	return nil
}

// validateQueue checks an optional Zaqar queue name.
func validateQueue(q string) error {
	if q == "" {
		return nil
	}
	return tripleo.ValidateQueueName(q)
}
