package instackenv

import (
	"strconv"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

// Problem is one problem with one node of an inventory: a validation rule
// of tripleo-common's validate_nodes that the node breaks, or (from
// Read) a field whose value has an unusable type. Its Error() reads
// like tripleo-common's "node #<index>: <problem>" lines, with the name and
// the field added:
//
//	node #3 (compute-1): pm_addr: The following fields are missing: pm_addr
//
// It matches errors.Is(err, tripleo.ErrInvalidInput), and errors.As finds a
// *tripleo.ValidationError whose Field is "nodes[<index>].<field>". Reason
// never contains a password.
type Problem struct {
	// Index is the node's position in the inventory, from 0 (as tripleo-common counts).
	Index int
	// Name is the node's name, if it has one.
	Name string
	// Field is the instackenv key at fault ("pm_addr", "mac", "capabilities",
	// the unknown key, ...); "" for the node as a whole. For missing fields it
	// is the first missing one; Reason lists them all.
	Field string
	// Reason is the problem, in tripleo-common's words where it has some
	// ("The following fields are missing: pm_user, pm_password").
	Reason string
}

// Error renders the problem as "node #<index> (<name>): <field>: <reason>",
// leaving out the name and the field when they are empty.
func (p *Problem) Error() string {
	var b strings.Builder
	b.Grow(len(p.Name) + len(p.Field) + len(p.Reason) + 24)
	b.WriteString("node #")
	b.WriteString(strconv.Itoa(p.Index))
	if p.Name != "" {
		b.WriteString(" (")
		b.WriteString(p.Name)
		b.WriteString(")")
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// Unwrap returns the problem as a *tripleo.ValidationError with Field
// "nodes[<index>].<field>" (or "nodes[<index>]"), so that errors.Is(err,
// tripleo.ErrInvalidInput), errors.As and tripleo.Problems work.
func (p *Problem) Unwrap() error {
	field := "nodes[" + strconv.Itoa(p.Index) + "]"
	if p.Field != "" {
		field += "." + p.Field
	}
	return &tripleo.ValidationError{Field: field, Reason: p.Reason}
}

// Problems flattens err (one error or a tree built with errors.Join, possibly
// wrapped) into the *Problem values it holds, in order. It returns nil if
// there are none; tripleo.Problems lists every problem, document-level ones
// included, as *tripleo.ValidationError.
func Problems(err error) []*Problem { return tripleo.ErrorsAs[*Problem](err) }
