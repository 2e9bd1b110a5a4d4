package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

var syncParams = map[string]any{"run_sync": true, "save_result": true}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"overcloud", "my-cloud-2", "A", strings.Repeat("a", 256)} {
		assert.NoError(t, plan.ValidateName(ok), ok)
	}
	for name, reason := range map[string]string{
		"":                       "a plan name is required",
		strings.Repeat("a", 257): "plan name is 257 bytes long; Swift allows at most 256",
		"over/cloud":             `plan name "over/cloud" contains "/", which Swift container names cannot`,
		"my_cloud":               `plan name "my_cloud" must only contain letters, numbers or dashes`,
		"my cloud":               `plan name "my cloud" must only contain letters, numbers or dashes`,
		"nübe":                   `plan name "nübe" must only contain letters, numbers or dashes`,
	} {
		err := plan.ValidateName(name)
		var ve *tripleo.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.Equal(t, "plan", ve.Field)
		assert.Equal(t, reason, ve.Reason)
		assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	}
}

func TestCreateContainer(t *testing.T) {
	c, mt := newMockClient(t)
	as := newMistral(mt)
	existing := map[string]bool{"overcloud": true}
	as.OnAction(plan.ActionCreateContainer, func(in map[string]any) (string, any) {
		name := in["container"].(string)
		if existing[name] {
			return "ERROR", "A container with the name " + name + " already exists."
		}
		existing[name] = true
		return "SUCCESS", nil
	})

	require.NoError(t, plan.CreateContainer(context.Background(), c, plan.CreateContainerOpts{Plan: "my-cloud"}))
	assert.Equal(t, []map[string]any{{
		"name": "tripleo.plan.create_container", "input": map[string]any{"container": "my-cloud"}, "params": syncParams,
	}}, as.ActionCalls())

	err := plan.CreateContainer(context.Background(), c, plan.CreateContainerOpts{Plan: "overcloud"})
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "tripleo.plan.create_container", ae.Action)
	assert.Equal(t, "A container with the name overcloud already exists.", ae.Result)
	assert.ErrorIs(t, err, tripleo.ErrActionFailed)

	// Bad names never reach the server.
	n := len(as.ActionCalls())
	err = plan.CreateContainer(context.Background(), c, plan.CreateContainerOpts{Plan: "my_cloud"})
	var ve *tripleo.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "plan", ve.Field)
	assert.Contains(t, ve.Reason, "must only contain letters, numbers or dashes")
	assert.Len(t, as.ActionCalls(), n)
}

func TestCreateContainerServerRejectsName(t *testing.T) {
	// Should the server's rule ever be stricter than ours, its own text comes through.
	c, mt := newMockClient(t)
	as := newMistral(mt)
	as.OnAction(plan.ActionCreateContainer, func(map[string]any) (string, any) {
		return "ERROR", "Unable to create plan. The plan name must only contain letters, numbers or dashes"
	})
	err := plan.CreateContainer(context.Background(), c, plan.CreateContainerOpts{Plan: "overcloud"})
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "action tripleo.plan.create_container failed: Unable to create plan. The plan name must only contain letters, numbers or dashes", err.Error())
}

func TestList(t *testing.T) {
	c, mt := newMockClient(t)
	as := newMistral(mt)
	as.OnAction(plan.ActionList, func(map[string]any) (string, any) { return "SUCCESS", []string{"overcloud", "another", "edge-1"} })
	got, err := plan.List(context.Background(), c, plan.ListOpts{})
	require.NoError(t, err)
	assert.Equal(t, []string{"another", "edge-1", "overcloud"}, got)
	assert.Equal(t, []map[string]any{{"name": "tripleo.plan.list", "input": map[string]any{}, "params": syncParams}}, as.ActionCalls())
}

func TestDelete(t *testing.T) {
	c, mt := newMockClient(t)
	as := newMistral(mt)
	stacks := map[string]bool{"overcloud": true}
	as.OnAction(plan.ActionDelete, func(in map[string]any) (string, any) {
		name := in["container"].(string)
		if stacks[name] {
			// What Mistral returns when the action raises StackInUseError.
			return "ERROR", "Failed to run action [action_ex_id=None, action_cls='<class 'mistral.actions.action_factory.DeletePlanAction'>', attributes='{}', params='{u'container': u'" + name + "'}']\n Cannot delete a plan that has an associated stack."
		}
		if name == "broken" {
			return "ERROR", "Container DELETE failed: http://192.168.24.1:8080/v1/AUTH_x/broken 409 Conflict"
		}
		return "SUCCESS", nil
	})

	require.NoError(t, plan.Delete(context.Background(), c, plan.DeleteOpts{Plan: "old-plan"}))
	assert.Equal(t, map[string]any{"name": "tripleo.plan.delete", "input": map[string]any{"container": "old-plan"}, "params": syncParams}, as.ActionCalls()[0])

	err := plan.Delete(context.Background(), c, plan.DeleteOpts{Plan: "overcloud"})
	require.ErrorIs(t, err, plan.ErrHasStack)
	var se *plan.StackExistsError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "overcloud", se.Plan)
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Result, "Cannot delete a plan that has an associated stack.")
	assert.Contains(t, err.Error(), "delete the Heat stack overcloud first")

	err = plan.Delete(context.Background(), c, plan.DeleteOpts{Plan: "broken"})
	require.ErrorAs(t, err, &ae)
	assert.NotErrorIs(t, err, plan.ErrHasStack)
	assert.Contains(t, err.Error(), "409 Conflict")

	n := len(as.ActionCalls())
	assert.ErrorIs(t, plan.Delete(context.Background(), c, plan.DeleteOpts{Plan: "a/b"}), tripleo.ErrInvalidInput)
	assert.Len(t, as.ActionCalls(), n)
}

func TestUnknownActionIsAPIError(t *testing.T) {
	c, mt := newMockClient(t)
	newMistral(mt) // knows no action
	_, err := plan.List(context.Background(), c, plan.ListOpts{})
	var api *tripleo.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, 400, api.StatusCode)
	assert.Equal(t, "Action not found [action_name=tripleo.plan.list]", api.Message)
}

func TestCreateExecutionBodies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(context.Context, *tripleo.Client) (*tripleo.Run[plan.Plan], error)
		wf    string
		input map[string]any
	}{
		{"create minimal", func(ctx context.Context, c *tripleo.Client) (*tripleo.Run[plan.Plan], error) {
			return plan.Create(ctx, c, plan.CreateOpts{Plan: "overcloud"})
		}, plan.WorkflowCreate, map[string]any{"container": "overcloud"}},
		{"create all", func(ctx context.Context, c *tripleo.Client) (*tripleo.Run[plan.Plan], error) {
			return plan.Create(ctx, c, plan.CreateOpts{Plan: "edge", Queue: "my-queue", SkipPasswordGeneration: true, SkipStackValidation: true, SourceURL: "https://git.example.com/tht.git"})
		}, plan.WorkflowCreate, map[string]any{"container": "edge", "queue_name": "my-queue", "generate_passwords": false,
			"validate_stack": false, "source_url": "https://git.example.com/tht.git"}},
		{"create default templates", func(ctx context.Context, c *tripleo.Client) (*tripleo.Run[plan.Plan], error) {
			return plan.Create(ctx, c, plan.CreateOpts{Plan: "overcloud", UseDefaultTemplates: true})
		}, plan.WorkflowCreate, map[string]any{"container": "overcloud", "use_default_templates": true}},
		{"create default (Queens)", func(ctx context.Context, c *tripleo.Client) (*tripleo.Run[plan.Plan], error) {
			return plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Plan: "overcloud"})
		}, plan.WorkflowCreateDefault, map[string]any{"container": "overcloud"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, mt := newMockClient(t)
				wf := newWfSim(mt, "SUCCESS", "", map[string]any{"status": "SUCCESS", "message": "Plan created."})
				run, err := tc.start(t.Context(), c)
				require.NoError(t, err)
				p, err := run.Wait(t.Context())
				require.NoError(t, err)
				assert.Equal(t, plan.Plan{Name: tc.input["container"].(string), Message: "Plan created."}, p)
				posts := wf.Posts()
				require.Len(t, posts, 1)
				id, _ := posts[0]["id"].(string)
				_, err = uuid.Parse(id)
				require.NoError(t, err, "client-chosen execution id")
				assert.Equal(t, run.ExecutionID(), id)
				assert.Equal(t, map[string]any{"id": id, "workflow_name": tc.wf, "input": tc.input}, posts[0])
			})
		})
	}
}

func TestCreateFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		newWfSim(mt, "ERROR", "Failure caused by error in tasks: notify_zaqar", map[string]any{
			"result": "Failure caused by error in tasks: notify_zaqar", "status": "FAILED",
			"message": "Unable to create plan. The Swift container already exists"})
		run, err := plan.CreateDefault(t.Context(), c, plan.CreateDefaultOpts{Plan: "overcloud"})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, plan.WorkflowCreateDefault, we.Workflow)
		assert.Equal(t, "ERROR", we.State)
		assert.ErrorIs(t, err, tripleo.ErrWorkflowFailed)
	})
}

func TestOptsValidate(t *testing.T) {
	fields := func(err error) []string {
		var out []string
		for _, p := range tripleo.Problems(err) {
			out = append(out, p.Field)
		}
		return out
	}
	assert.Equal(t, []string{"plan", "source_url", "source_url"},
		fields(plan.CreateOpts{Plan: "a b", SourceURL: "not a url", UseDefaultTemplates: true}.Validate()))
	assert.Equal(t, []string{"plan", "queue"}, fields(plan.CreateDefaultOpts{Queue: "bad queue!"}.Validate()))
	assert.Equal(t, []string{"plan"}, fields(plan.ExportOpts{}.Validate()))
	assert.NoError(t, plan.CreateOpts{Plan: "overcloud", SourceURL: "https://x/y.git"}.Validate())
	assert.Equal(t, []string{"plan", "templates"}, fields(plan.CreateFromTemplatesOpts{}.Validate()))

	c, mt := newMockClient(t)
	_, err := plan.Create(context.Background(), c, plan.CreateOpts{Plan: "a_b"})
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	_, err = plan.Export(context.Background(), c, plan.ExportOpts{Plan: "a/b"})
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	assert.Zero(t, mt.GetTotalCallCount())
}

func TestExport(t *testing.T) {
	const url = "http://192.168.24.1:8080/v1/AUTH_x/plan-exports/overcloud.tar.gz?temp_url_sig=abc&temp_url_expires=1700000000"
	t.Run("from the execution output", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, mt := newMockClient(t)
			wf := newWfSim(mt, "SUCCESS", "", map[string]any{"status": "SUCCESS", "message": url})
			run, err := plan.Export(t.Context(), c, plan.ExportOpts{Plan: "overcloud"})
			require.NoError(t, err)
			res, err := run.Wait(t.Context())
			require.NoError(t, err)
			assert.Equal(t, plan.ExportResult{Plan: "overcloud", TempURL: url}, res)
			assert.Equal(t, map[string]any{"plan": "overcloud"}, wf.Posts()[0]["input"])
			assert.Equal(t, plan.WorkflowExport, wf.Posts()[0]["workflow_name"])
		})
	})
	t.Run("from the final message", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := tripleotest.NewNotifier()
			c, mt := newMockClient(t, tripleo.WithNotifier(n))
			var execID string
			wf := newWfSim(mt, "SUCCESS", "", map[string]any{"status": "SUCCESS"})
			run, err := plan.Export(t.Context(), c, plan.ExportOpts{Plan: "overcloud", Queue: "q1"})
			require.NoError(t, err)
			execID = run.ExecutionID()
			n.Post(t, "q1", plan.WorkflowExport, map[string]any{
				"status": "SUCCESS", "message": "ignored when tempurl is there", "tempurl": url,
				"execution": map[string]any{"id": execID, "name": plan.WorkflowExport}})
			res, err := run.Wait(t.Context())
			require.NoError(t, err)
			assert.Equal(t, url, res.TempURL)
			assert.Equal(t, map[string]any{"plan": "overcloud", "queue_name": "q1"}, wf.Posts()[0]["input"])
			var sawMessage bool
			for _, ev := range run.Snapshot() {
				sawMessage = sawMessage || ev.Kind == tripleo.EventMessage
			}
			assert.True(t, sawMessage)
		})
	})
	t.Run("no url", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, mt := newMockClient(t)
			newWfSim(mt, "SUCCESS", "", map[string]any{"status": "SUCCESS"})
			run, err := plan.Export(t.Context(), c, plan.ExportOpts{Plan: "overcloud"})
			require.NoError(t, err)
			_, err = run.Wait(t.Context())
			require.Error(t, err)
			assert.True(t, strings.Contains(err.Error(), "no tempurl"), err.Error())
			assert.False(t, errors.Is(err, tripleo.ErrWorkflowFailed))
		})
	})
}
