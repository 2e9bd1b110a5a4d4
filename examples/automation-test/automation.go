// Package automation is the kind of higher-level automation a host program
// builds on the SDK, and its test shows how to test such code: on the
// embedded undercloud, with node failures injected through its knobs.
package automation

import (
	"context"
	"errors"
	"fmt"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo"
)

// Prepare takes the nodes of inv to "available" and returns the names of
// those that made it. Up to maxFailed nodes may fail; with more, the error
// names each failed node, its stage and reason.
func Prepare(ctx context.Context, c *tripleo.Client, inv *instackenv.Inventory, maxFailed int) ([]string, error) {
	run, err := baremetal.Enroll(ctx, c, baremetal.EnrollOpts{Nodes: inv})
	if err != nil {
		return nil, err
	}
	res, err := run.Wait(ctx)
	if err != nil && !errors.Is(err, baremetal.ErrNodeFailed) {
		return nil, err
	}
	var ready []string
	for _, n := range res.Succeeded() {
		ready = append(ready, n.Name)
	}
	if failed := res.Failed(); len(failed) > maxFailed {
		return ready, fmt.Errorf("%d nodes failed, at most %d may: %w", len(failed), maxFailed, err)
	}
	return ready, nil
}
