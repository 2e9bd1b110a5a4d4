package plancheck_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// Every plan-scoped call on a plan the embedded undercloud does not have ends
// in a *tripleo.PlanNotFoundError whose text names the plan and nothing of
// Swift's 404 page.
func TestPlanScopedCallsOnAMissingPlan(t *testing.T) {
	u := tripleotest.NewT(t)
	c, err := u.Client()
	require.NoError(t, err)
	ctx := t.Context()
	calls := map[string]func() error{
		"parameters.Get": func() error { _, err := parameters.Get(ctx, c, parameters.GetOpts{Plan: "ghost"}); return err },
		"parameters.Update": func() error {
			_, err := parameters.Update(ctx, c, parameters.UpdateOpts{Plan: "ghost", Parameters: map[string]any{"ComputeCount": 2}})
			return err
		},
		"parameters.Set": func() error {
			_, err := parameters.Set(ctx, c, parameters.SetOpts{Plan: "ghost", Parameters: map[string]any{"ComputeCount": 2}})
			return err
		},
		"parameters.Reset": func() error { return parameters.Reset(ctx, c, parameters.ResetOpts{Plan: "ghost"}) },
		"plan.GetEnvironment": func() error {
			_, err := plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: "ghost"})
			return err
		},
		"plan.Export": func() error {
			r, err := plan.Export(ctx, c, plan.ExportOpts{Plan: "ghost"})
			if err != nil {
				return err
			}
			_, err = r.Wait(ctx)
			return err
		},
		"deployment.DeployPlan": func() error {
			r, err := deployment.DeployPlan(ctx, c, deployment.DeployPlanOpts{Plan: "ghost"})
			if err != nil {
				return err
			}
			_, err = r.Wait(ctx)
			return err
		},
	}
	for name, call := range calls {
		err := call()
		require.Error(t, err, name)
		assert.ErrorIs(t, err, tripleo.ErrPlanNotFound, "%s: %v", name, err)
		var pe *tripleo.PlanNotFoundError
		if assert.True(t, errors.As(err, &pe), name) {
			assert.Equal(t, "ghost", pe.Plan)
		}
		assert.True(t, strings.HasSuffix(err.Error(), "plan ghost does not exist"), "%s: %v", name, err)
		assert.NotContains(t, err.Error(), "<html", name)
	}
}

// A failure on a plan that exists keeps its own error.
func TestExistingPlanKeepsItsError(t *testing.T) {
	u := tripleotest.NewT(t)
	c, err := u.Client()
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: "bare"}))
	_, err = plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: "bare"})
	require.ErrorIs(t, err, tripleo.ErrNotFound)
	assert.NotErrorIs(t, err, tripleo.ErrPlanNotFound)
}
