package baremetal

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

func validateQueue(q string) error {
	if q == "" {
		return nil
	}
	return tripleo.ValidateQueueName(q)
}

// checkUUID reports a missing or malformed node uuid.
func checkUUID(field, id string) error {
	if id == "" {
		return tripleo.Invalid(field, "a node uuid is required")
	}
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return tripleo.Invalid(field, "%q is not a node uuid", id)
	}
	return nil
}

// nodeNameChars are the characters of an Ironic logical node name (RFC 3986's unreserved).
var nodeNameChars = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// checkNodeIdent reports a missing node, or one that is neither a uuid nor a
// name Ironic could hold; Ironic (and the workflows that pass it on) accept both.
func checkNodeIdent(field, id string) error {
	if id == "" {
		return tripleo.Invalid(field, "a node uuid or name is required")
	}
	if !nodeNameChars.MatchString(id) {
		return tripleo.Invalid(field, "%q is neither a node uuid nor an Ironic node name (letters, digits, -._~)", id)
	}
	return nil
}

// checkUUIDs reports an empty list, malformed uuids and duplicates.
func checkUUIDs(field string, ids []string) error {
	if len(ids) == 0 {
		return tripleo.Invalid(field, "at least one node uuid is required")
	}
	var errs []error
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		f := field + "[" + strconv.Itoa(i) + "]"
		if err := checkUUID(f, id); err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[id] {
			errs = append(errs, tripleo.Invalid(f, "node %s is listed twice", id))
		}
		seen[id] = true
	}
	return errors.Join(errs...)
}

// checkSeconds reports a negative duration (zero means the default).
func checkSeconds(field string, d time.Duration) error {
	if d < 0 {
		return tripleo.Invalid(field, "must not be negative, got %s", d)
	}
	return nil
}

// seconds renders a duration as whole seconds, rounded up.
func seconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

func stringsAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// verify reads the nodes' states after a run that succeeded and checks that
// each reached target: upstream workflows have reported success without it
// (bugs 1667776, 1755754, 1796293). The states come back in uuids order;
// verified is false when they could not be read (no Ironic on the client, or
// a failed read, which is logged and does not fail the run).
func verify(ctx context.Context, c *tripleo.Client, uuids []string, target, workflow, execID string) (states []NodeState, verified bool, err error) {
	if c == nil || c.Baremetal == nil || len(uuids) == 0 {
		return nil, false, nil
	}
	got, missing, rerr := readNodes(ctx, c, uuids)
	if rerr != nil {
		c.Log().Debug("final node states not read", "workflow", workflow, "execution", execID, "error", rerr)
		return nil, false, nil
	}
	var errs []error
	for _, id := range uuids {
		s, ok := got[id]
		if !ok {
			if slices.Contains(missing, id) {
				errs = append(errs, &NodeError{UUID: id, ProvisionState: "not found", TargetState: target, Workflow: workflow, ExecutionID: execID})
			}
			continue
		}
		states = append(states, s)
		if s.ProvisionState != target {
			ne := nodeError(s, target)
			ne.Workflow, ne.ExecutionID = workflow, execID
			errs = append(errs, ne)
		}
	}
	return states, true, errors.Join(errs...)
}
