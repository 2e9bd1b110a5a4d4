package deployment_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// deploySim is a deploy test's Client, following runs through a Notifier, on
// h (registered) and on a MockMistral whose deploy_plan behaves like the
// real one: a RUNNING "Workflow Started" message, Heat accepting the
// create/update (heat adds the stack or the update's first event; nil: the
// plan is missing), then SUCCESS / DEPLOY_SUCCESS.
func deploySim(t *testing.T, h *heatSim, heat func()) (*tripleo.Client, *tripleotest.MockMistral) {
	n := tripleotest.NewNotifier()
	c, mt := newMockClient(t, tripleo.WithNotifier(n))
	m := tripleotest.NewMockMistral(mt, mistralURL)
	h.register(mt)
	const wf = deployment.WorkflowDeployPlan
	m.OnStart(wf, func(id string, in map[string]any) {
		queue := "tripleo"
		if q, ok := in["queue_name"].(string); ok {
			queue = q
		}
		plan, _ := in["container"].(string)
		msg := func(status, text, ds string) map[string]any {
			return map[string]any{"status": status, "message": text, "execution_id": id, "root_execution_id": nil,
				"plan_name": plan, "deployment_status": ds}
		}
		go func() {
			n.Post(t, queue, wf, msg("RUNNING", "Workflow Started", "DEPLOYING"))
			time.Sleep(2 * time.Second)
			if heat == nil {
				// as the workbook does: post the final message, then fail
				n.Post(t, queue, wf, msg("FAILED", "Failed to deploy: Plan "+plan+" does not exist", "DEPLOY_FAILED"))
				m.Set(id, "ERROR", "Failure caused by error in tasks: deploy", map[string]any{"result": "plan missing"})
				return
			}
			heat()
			n.Post(t, queue, wf, msg("SUCCESS", "Deployment started", "DEPLOY_SUCCESS"))
			m.Set(id, "SUCCESS", "", map[string]any{"deployment_status": "DEPLOY_SUCCESS"})
		}()
	})
	return c, m
}

// The optional inputs the caller sets are sent; the others are not.
func TestDeployPlanInputSetByCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHeatSim()
		c, m := deploySim(t, h, func() { h.stack(top, topID, "CREATE_IN_PROGRESS", "") })
		run, err := deployment.DeployPlan(t.Context(), c, deployment.DeployPlanOpts{Plan: top, Timeout: 90, SkipDeployIdentifier: true, RunValidations: true})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"container": "overcloud", "timeout": float64(90), "skip_deploy_identifier": true, "run_validations": true},
			m.LastPost()["input"])
	})
}

func TestDeployPlanInputAndCreateResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHeatSim()
		c, m := deploySim(t, h, func() {
			h.stack(top, topID, "CREATE_IN_PROGRESS", "")
			h.add(h.ev(top, top, "CREATE_IN_PROGRESS", "Stack CREATE started"))
		})
		run, err := deployment.DeployPlan(t.Context(), c, deployment.DeployPlanOpts{Plan: top})
		require.NoError(t, err)
		res, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, map[string]any{
			"id":            run.ExecutionID(), // client-chosen
			"workflow_name": "tripleo.deployment.v1.deploy_plan",
			"input":         map[string]any{"container": "overcloud"}, // the workflow's defaults for the rest
		}, m.LastPost())
		assert.Equal(t, deployment.DeployResult{
			Plan: top, DeploymentStatus: deployment.DeploySuccess, Message: "Deployment started",
			StackName: top, StackID: topID, Action: deployment.HeatActionCreate,
		}, res)
		assert.Equal(t, deployment.FollowOpts{Stack: top, StackID: topID, Action: "CREATE", PageSize: 5}, res.FollowOpts(deployment.FollowOpts{PageSize: 5, Since: "x"}))
	})
}

func TestDeployPlanInputWithEveryOptionAndUpdateResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := updateScenario()
		c, m := deploySim(t, h, func() { h.add(h.ev(top, top, "UPDATE_IN_PROGRESS", "Stack UPDATE started")) })
		run, err := deployment.DeployPlan(t.Context(), c, deployment.DeployPlanOpts{
			Plan: top, Timeout: 90, SkipDeployIdentifier: true, RunValidations: true, Queue: "deploy-q",
		})
		require.NoError(t, err)
		res, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, map[string]any{
			"container": "overcloud", "timeout": float64(90), "skip_deploy_identifier": true, "run_validations": true,
			"queue_name": "deploy-q",
		}, m.LastPost()["input"])
		assert.Equal(t, deployment.HeatActionUpdate, res.Action)
		assert.Equal(t, topID, res.StackID)
		assert.Equal(t, "ev-00004", res.Since, "the newest event before the update")
	})
}

func TestDeployPlanFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := deploySim(t, newHeatSim(), nil)
		run, err := deployment.DeployPlan(t.Context(), c, deployment.DeployPlanOpts{Plan: "missing"})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, "ERROR", we.State)
		require.NotNil(t, we.LastMessage)
		assert.Equal(t, "DEPLOY_FAILED", we.LastMessage.Payload.DeploymentStatus)
		assert.ErrorContains(t, err, "Failed to deploy: Plan missing does not exist")
	})
}

func TestDeployIsOneRunMessagesThenStackEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHeatSim()
		c, _ := deploySim(t, h, func() {
			h.stack(top, topID, "CREATE_IN_PROGRESS", "")
			h.resource(top, "Secret", "OS::Heat::RandomString", "INIT_COMPLETE")
			h.stacks[top].outputs = map[string]any{"KeystoneURL": "http://192.0.2.10:5000"}
			h.add(h.ev(top, top, "CREATE_IN_PROGRESS", "Stack CREATE started"))
			go func() {
				time.Sleep(10 * time.Second)
				h.add(
					h.ev(top, "Secret", "CREATE_IN_PROGRESS", "state changed"),
					h.ev(top, "Secret", "CREATE_COMPLETE", "state changed"),
					h.ev(top, top, "CREATE_COMPLETE", "Stack CREATE completed successfully"),
				)
			}()
		})
		run, err := deployment.Deploy(t.Context(), c, deployment.DeployOpts{
			Plan:   top,
			Follow: deployment.FollowOpts{PollMin: time.Second, PollMax: 5 * time.Second},
		})
		require.NoError(t, err)
		evs := collect(run.Events())
		st, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "CREATE_COMPLETE", st.Status)
		assert.Equal(t, map[string]any{"KeystoneURL": "http://192.0.2.10:5000"}, st.Outputs)
		assert.Equal(t, "deployment.Deploy", run.Name())

		var got []string
		for _, e := range evs {
			s := string(e.Kind) + " " + e.Source
			if e.Subject != "" {
				s += " " + e.Subject
			}
			if e.Status != "" {
				s += " " + e.Status
			}
			got = append(got, s)
		}
		wf := "tripleo.deployment.v1.deploy_plan"
		assert.Equal(t, []string{
			"started deployment.Deploy",
			"started " + wf + " RUNNING",
			"message " + wf + " RUNNING",
			"message " + wf + " SUCCESS",
			"state " + wf + " SUCCESS",
			"started deployment.FollowStack",
			"progress heat overcloud CREATE_IN_PROGRESS", // following…
			"progress heat overcloud CREATE_IN_PROGRESS",
			"progress heat Secret CREATE_IN_PROGRESS",
			"progress heat Secret CREATE_COMPLETE",
			"progress heat overcloud CREATE_COMPLETE",
			"done deployment.Deploy SUCCESS",
		}, got)
		last := evs[len(evs)-2]
		se, ok := last.Data.(deployment.StackEvent)
		require.True(t, ok)
		assert.True(t, se.Top)
		assert.Equal(t, &tripleo.Progress{Done: 1, Total: 1}, last.Progress)
		assert.Empty(t, h.eventQueries()[0].Get("marker"), "a create is followed from its first event")
	})
}

func TestDeployStopsAtAFailedWorkflowWithoutFollowing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHeatSim()
		c, _ := deploySim(t, h, nil)
		run, err := deployment.Deploy(t.Context(), c, deployment.DeployOpts{Plan: "missing"})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, "DEPLOY_FAILED", we.LastMessage.Payload.DeploymentStatus)
		assert.Empty(t, h.eventQueries())
	})
}

func TestDeployFailedStack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHeatSim()
		c, _ := deploySim(t, h, func() {
			h.stack(top, topID, "CREATE_IN_PROGRESS", "")
			h.add(h.ev(top, top, "CREATE_IN_PROGRESS", "Stack CREATE started"))
			go func() {
				time.Sleep(time.Minute)
				h.add(h.ev(top, "test", "CREATE_FAILED", "ValueError: resources.test: Test Resource failed test"),
					h.ev(top, top, "CREATE_FAILED", "Resource CREATE failed: ValueError: resources.test: Test Resource failed test"))
			}()
		})
		run, err := deployment.Deploy(t.Context(), c, deployment.DeployOpts{Plan: top})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		var se *deployment.StackError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "CREATE_FAILED", se.Status)
		require.Len(t, se.Failed, 1)
		assert.Equal(t, "test", se.Failed[0].Name)
	})
}

func TestDeployPlanValidation(t *testing.T) {
	c, _ := newMockClient(t)
	for _, tc := range []struct {
		opts   deployment.DeployPlanOpts
		fields []string
	}{
		{deployment.DeployPlanOpts{}, []string{"plan"}},
		{deployment.DeployPlanOpts{Plan: "over_cloud"}, []string{"plan"}},
		{deployment.DeployPlanOpts{Plan: "9cloud"}, []string{"plan"}},
		{deployment.DeployPlanOpts{Plan: "a/b", Timeout: -1, Queue: "bad queue"}, []string{"plan", "timeout", "queue"}},
	} {
		_, err := deployment.DeployPlan(t.Context(), c, tc.opts)
		require.ErrorIs(t, err, tripleo.ErrInvalidInput)
		var fields []string
		for _, p := range tripleo.Problems(err) {
			fields = append(fields, p.Field)
		}
		assert.Equal(t, tc.fields, fields)
	}
	_, err := deployment.Deploy(t.Context(), c, deployment.DeployOpts{Plan: top, Follow: deployment.FollowOpts{Action: "x"}})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	noHeat, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: mistralURL})
	require.NoError(t, err)
	_, err = deployment.Deploy(t.Context(), noHeat, deployment.DeployOpts{Plan: top})
	require.ErrorIs(t, err, tripleo.ErrNoService)
}
