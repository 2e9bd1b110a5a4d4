//go:build integration

package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// fastFollow polls Heat quickly: the lab's Heat completes these stacks in a
// fraction of a second (the defaults, 2 s to 20 s, suit real overclouds).
var fastFollow = deployment.FollowOpts{PollMin: 100 * time.Millisecond, PollMax: time.Second}

// heatEvents returns the StackEvents of a run's events.
func heatEvents(evs []tripleo.Event) []deployment.StackEvent {
	var out []deployment.StackEvent
	for _, ev := range ofKind(evs, tripleo.EventProgress, deployment.SourceHeat) {
		if se, ok := ev.Data.(deployment.StackEvent); ok {
			out = append(out, se)
		}
	}
	return out
}

// Deploy a plan on the real Heat: create (CREATE_COMPLETE), update
// (UPDATE_COMPLETE, only the update's events), DeployPlan + FollowStack by
// hand, the plan refusing deletion while its stack exists, a resource that
// fails (*deployment.StackError with Heat's reason) on update and on create,
// a stack Heat rejects (deploy_plan fails), and Status along the way.
func TestDeploy(t *testing.T) {
	need(t, "zaqar", "swift", "heat")
	ctx := testCtx(t, 5*time.Minute)
	c := newClient(t, viaREST)
	p, pf, pr := name("dep"), name("dep-fail"), name("dep-rej")
	parent := t
	// withStack makes a plan whose Heat stack, if any, is deleted first when the test ends
	withStack := func(p string) {
		createDefaultPlan(parent, ctx, c, p)
		parent.Cleanup(func() { heatDeleteStack(parent, p) })
	}
	withStack(p)

	step(t, "Status before", func(t *testing.T) {
		// Queens' get_deployment_status finds nothing recorded for a plan
		// never deployed (it posts SUCCESS and Mistral ends it ERROR): the
		// status comes from Heat
		st, err := deployment.Status(ctx, c, deployment.StatusOpts{Plan: p})
		require.NoError(t, err)
		assert.Equal(t, deployment.Undeployed, st.Status)
		assert.True(t, st.NotRecorded)
		assert.Equal(t, deployment.FromHeat, st.Source)
		assert.Equal(t, deployment.NoStack, st.StackStatus)
		assert.NotEmpty(t, st.ExecutionID, "this undercloud has get_deployment_status")
	})

	var created *deployment.Stack
	step(t, "Deploy create", func(t *testing.T) {
		run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: p, Timeout: 10, Follow: fastFollow})
		created, err = waitRun(t, ctx, run, err)
		require.NoError(t, err)
		assert.Equal(t, deployment.OpDeploy, run.Name())
		assert.Equal(t, p, created.Name)
		assert.Equal(t, "CREATE_COMPLETE", created.Status)
		assert.Equal(t, "overcloud.localdomain", created.Outputs["CloudName"])
		assert.NotEmpty(t, created.Outputs["DeployIdentifier"], "deploy_plan wrote DeployIdentifier")
		assert.Equal(t, map[string]any{"Controller": float64(1), "Compute": float64(1)}, created.Outputs["RoleCounts"])

		evs := run.Snapshot()
		checkEnvelope(t, evs)
		msgs := ofKind(evs, tripleo.EventMessage, deployment.WorkflowDeployPlan)
		require.Len(t, msgs, 2)
		assert.Equal(t, "Workflow Started", msgs[0].Text)
		assert.Equal(t, "DEPLOYING", msgs[0].Message.Payload.DeploymentStatus)
		assert.Equal(t, "DEPLOY_SUCCESS", msgs[1].Message.Payload.DeploymentStatus)
		assert.Equal(t, p, msgs[1].Message.Payload.PlanName)
		// the workflow's messages come before the stack's events
		lastMsg, firstHeat := -1, -1
		for i, ev := range evs {
			if ev.Kind == tripleo.EventMessage {
				lastMsg = i
			}
			if ev.Source == deployment.SourceHeat && firstHeat < 0 {
				firstHeat = i
			}
		}
		require.Positive(t, firstHeat)
		assert.Less(t, lastMsg, firstHeat)
		he := heatEvents(evs)
		require.NotEmpty(t, he)
		final := he[len(he)-1]
		assert.True(t, final.Top, "the last event is the stack's own")
		assert.Equal(t, "CREATE_COMPLETE", final.Status)
		assert.Equal(t, tripleo.Progress{Done: 4, Total: 4}, final.Progress, "Controller, Compute, DefaultPasswords, Deployment")
		seen := map[string]bool{}
		for _, e := range he {
			seen[e.ResourceName+":"+e.Status] = true
		}
		for _, r := range []string{"Controller", "Compute", "DefaultPasswords", "Deployment"} {
			assert.True(t, seen[r+":CREATE_COMPLETE"], r)
		}
		s := heatStack(t, ctx, p)
		require.NotNil(t, s)
		assert.Equal(t, "CREATE_COMPLETE", s["stack_status"])
		assert.Equal(t, created.ID, s["id"])
	})

	step(t, "Status after create", func(t *testing.T) {
		st, err := deployment.Status(ctx, c, deployment.StatusOpts{Plan: p})
		require.NoError(t, err)
		assert.Equal(t, deployment.DeploySuccess, st.Status)
		assert.Equal(t, deployment.FromWorkflow, st.Source, "recorded by deploy_plan")
		assert.False(t, st.NotRecorded)
	})

	step(t, "Deploy update", func(t *testing.T) {
		run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: p, Follow: fastFollow})
		st, err := waitRun(t, ctx, run, err)
		require.NoError(t, err)
		assert.Equal(t, "UPDATE_COMPLETE", st.Status)
		assert.Equal(t, created.ID, st.ID)
		he := heatEvents(run.Snapshot())
		require.NotEmpty(t, he)
		for _, e := range he {
			assert.False(t, strings.HasPrefix(e.Status, "CREATE_"), "only the update's events: %s %s", e.ResourceName, e.Status)
		}
		assert.Equal(t, "UPDATE_COMPLETE", he[len(he)-1].Status)
		assert.True(t, he[len(he)-1].Top)
	})

	step(t, "DeployPlan and FollowStack", func(t *testing.T) {
		since, err := deployment.LatestEventID(ctx, c, deployment.LatestEventIDOpts{Stack: p, NestedDepth: -1})
		require.NoError(t, err)
		require.NotEmpty(t, since)
		before := heatStack(t, ctx, p)
		run, err := deployment.DeployPlan(ctx, c, deployment.DeployPlanOpts{Plan: p, SkipDeployIdentifier: true})
		dr, err := waitRun(t, ctx, run, err)
		require.NoError(t, err)
		assert.Equal(t, deployment.DeploySuccess, dr.DeploymentStatus)
		assert.Equal(t, deployment.HeatActionUpdate, dr.Action)
		assert.Equal(t, since, dr.Since, "the newest event before the update")
		assert.Equal(t, created.ID, dr.StackID)
		assert.Equal(t, p, dr.StackName)

		w, err := deployment.FollowStack(ctx, c, dr.FollowOpts(fastFollow))
		require.NoError(t, err)
		name, id := w.Stack()
		assert.Equal(t, p, name)
		assert.Equal(t, created.ID, id)
		assert.Equal(t, deployment.HeatActionUpdate, w.Action())
		var typed []deployment.StackEvent
		for e := range w.Events() {
			typed = append(typed, e)
		}
		st, err := w.Wait(ctx)
		require.NoError(t, err)
		assert.Equal(t, "UPDATE_COMPLETE", st.Status)
		require.NotEmpty(t, typed)
		assert.Equal(t, "UPDATE_COMPLETE", typed[len(typed)-1].Status)
		assert.Equal(t, typed, heatEvents(w.Run().Snapshot()), "Events is a typed view of the run's log")
		assert.Equal(t, 4, w.Counts().Done)
		assert.Equal(t, before["outputs"], heatStack(t, ctx, p)["outputs"])
		out := st.Outputs["DeployIdentifier"]
		assert.Equal(t, out, heatOutputs(t, ctx, p)["DeployIdentifier"])

		// a watch stopped by the host
		w, err = deployment.FollowStack(ctx, c, followOpts(fastFollow, p))
		require.NoError(t, err)
		w.Stop()
		_, err = w.Wait(ctx)
		assert.ErrorIs(t, err, deployment.ErrStopped)

		_, err = deployment.FollowStack(ctx, c, followOpts(fastFollow, name+"-none"))
		assert.ErrorIs(t, err, tripleo.ErrNotFound)
	})

	step(t, "plan.Delete refused while the stack exists", func(t *testing.T) {
		err := plan.Delete(ctx, c, plan.DeleteOpts{Plan: p})
		var se *plan.StackExistsError
		require.ErrorAs(t, err, &se)
		assert.ErrorIs(t, err, plan.ErrHasStack)
		var ae *tripleo.ActionError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "Cannot delete a plan that has an associated stack.", ae.Result)
		assert.NotNil(t, swiftObjects(t, ctx, p), "the plan is still there")
	})

	step(t, "a failing resource on update", func(t *testing.T) {
		_, err := parameters.Update(ctx, c, parameters.UpdateOpts{Plan: p, Parameters: map[string]any{"TestFail": true}})
		require.NoError(t, err)
		run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: p, Follow: fastFollow})
		_, err = waitRun(t, ctx, run, err)
		var se *deployment.StackError
		require.ErrorAs(t, err, &se)
		assert.ErrorIs(t, err, deployment.ErrStackFailed)
		assert.Equal(t, p, se.Stack)
		assert.Equal(t, created.ID, se.ID)
		assert.Equal(t, "UPDATE_FAILED", se.Status)
		assert.Contains(t, se.Reason, "Test Resource failed")
		require.Len(t, se.Failed, 1)
		assert.Equal(t, "Deployment", se.Failed[0].Name)
		assert.Equal(t, "OS::Heat::TestResource", se.Failed[0].Type)
		assert.Equal(t, "UPDATE_FAILED", se.Failed[0].Status)
		assert.Contains(t, se.Failed[0].Reason, "Test Resource failed")

		// Queens records deploy_plan's own outcome (Heat accepted the update),
		// not the stack's: the recorded status stays DEPLOY_SUCCESS
		st, err := deployment.Status(ctx, c, deployment.StatusOpts{Plan: p})
		require.NoError(t, err)
		assert.Equal(t, deployment.DeploySuccess, st.Status)
		assert.Equal(t, deployment.FromWorkflow, st.Source)
	})

	step(t, "a failing resource on create", func(t *testing.T) {
		withStack(pf)
		_, err := parameters.Update(ctx, c, parameters.UpdateOpts{Plan: pf, Parameters: map[string]any{"TestFail": true}, SkipValidation: true})
		require.NoError(t, err)
		run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: pf, Follow: fastFollow})
		_, err = waitRun(t, ctx, run, err)
		var se *deployment.StackError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "CREATE_FAILED", se.Status)
		assert.Contains(t, se.Reason, "Resource CREATE failed: ValueError: resources.Deployment: Test Resource failed")
		require.Len(t, se.Failed, 1)
		assert.Equal(t, "Deployment", se.Failed[0].Name)
		s := heatStack(t, ctx, pf)
		require.NotNil(t, s)
		assert.Equal(t, "CREATE_FAILED", s["stack_status"])
	})

	step(t, "a stack Heat rejects", func(t *testing.T) {
		withStack(pr)
		_, err := parameters.Update(ctx, c, parameters.UpdateOpts{Plan: pr, Parameters: map[string]any{"ComputeCount": "abc"}, SkipValidation: true})
		require.NoError(t, err)
		run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: pr, Follow: fastFollow})
		_, err = waitRun(t, ctx, run, err)
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, deployment.WorkflowDeployPlan, we.Workflow)
		require.NotNil(t, we.LastMessage)
		assert.Equal(t, "DEPLOY_FAILED", we.LastMessage.Payload.DeploymentStatus)
		assert.Contains(t, we.LastMessage.Payload.Message, "Error during stack creation: ERROR: Parameter 'ComputeCount' is invalid")
		assert.Empty(t, heatEvents(run.Snapshot()), "no stack to follow")
		assert.Nil(t, heatStack(t, ctx, pr))
		_, err = deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: "bad_name"})
		assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	})
}

// heatOutputs reads a stack's outputs (output_key → output_value).
func heatOutputs(t *testing.T, ctx context.Context, stackName string) map[string]any {
	t.Helper()
	s := heatStack(t, ctx, stackName)
	require.NotNil(t, s)
	var full struct {
		Stack struct {
			Outputs []struct {
				Key   string `json:"output_key"`
				Value any    `json:"output_value"`
			} `json:"outputs"`
		} `json:"stack"`
	}
	rawJSON(t, ctx, http.MethodGet, env.Heat+"/stacks/"+stackName+"/"+s["id"].(string), nil, nil, &full, 200)
	out := map[string]any{}
	for _, o := range full.Stack.Outputs {
		out[o.Key] = o.Value
	}
	return out
}

// DeployOnServers: "servers" are the undercloud's Ironic nodes (there is no
// Nova); each gets a deploy_on_server sub-workflow that creates the software
// config in the real Heat and posts its result; the "exit 1" trigger fails it.
func TestDeployOnServers(t *testing.T) {
	need(t, "zaqar", "ironic", "heat")
	ctx := testCtx(t, 3*time.Minute)
	c := newClient(t, viaWS)
	prefix := name("srv-")
	t.Cleanup(func() { ironicDeleteNodesNamed(context.Background(), prefix) })
	inv := &instackenv.Inventory{Nodes: []instackenv.Node{
		fakeNode(prefix+"b", "fake-hardware", randMAC()), fakeNode(prefix+"a", "fake-hardware", randMAC())}}
	run, err := baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: inv, InitialState: baremetal.StateEnroll})
	reg, err := waitRun(t, ctx, run, err)
	require.NoError(t, err)
	require.Len(t, reg.Nodes, 2)

	_, err = deployment.DeployOnServers(ctx, c, deployment.DeployOnServersOpts{ServerName: prefix})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput, "config name and config are required")

	drun, err := deployment.DeployOnServers(ctx, c, deployment.DeployOnServersOpts{ServerName: prefix, ConfigName: "it-config", Config: "#!/bin/sh\necho hello\n"})
	res, err := waitRun(t, ctx, drun, err)
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, prefix+"a", res[0].ServerName, "sorted by server name")
	assert.Equal(t, prefix+"b", res[1].ServerName)
	for _, r := range res {
		assert.Equal(t, tripleo.StatusSuccess, r.Status)
		assert.Equal(t, 0, r.StatusCode)
		assert.Equal(t, "it-config", r.ConfigName)
		assert.Contains(t, r.Stdout, "created for server "+r.ServerName)
		assert.Contains(t, reg.UUIDs(), r.ServerUUID)
		assert.NotEqual(t, drun.ExecutionID(), r.ExecutionID, "a sub-workflow's own execution")
		// the software config really exists in Heat (its id is the stdout's 4th word)
		id := strings.Fields(r.Stdout)[3]
		var cfg struct {
			SoftwareConfig struct{ Name, Group, Config string } `json:"software_config"`
		}
		rawJSON(t, ctx, http.MethodGet, env.Heat+"/software_configs/"+id, nil, nil, &cfg, 200)
		assert.Equal(t, "it-config", cfg.SoftwareConfig.Name)
		assert.Equal(t, deployment.DefaultGroup, cfg.SoftwareConfig.Group)
		assert.Equal(t, "#!/bin/sh\necho hello\n", cfg.SoftwareConfig.Config)
	}
	checkEnvelope(t, drun.Snapshot())

	// failure trigger: the config contains "exit 1"
	frun, err := deployment.DeployOnServers(ctx, c, deployment.DeployOnServersOpts{ServerName: prefix + "a", ConfigName: "it-fail", Config: "exit 1\n"})
	_, err = waitRun(t, ctx, frun, err)
	var we *tripleo.WorkflowError
	require.ErrorAs(t, err, &we)
	got := deployment.ServerResults(frun.Snapshot())
	require.Len(t, got, 1, "which server failed and why, from the run's events")
	assert.Equal(t, prefix+"a", got[0].ServerName)
	assert.Equal(t, tripleo.StatusFailed, got[0].Status)
	assert.Equal(t, 1, got[0].StatusCode)
	assert.Contains(t, got[0].Stderr, "exit 1")

	// no server matches: nothing deployed, success with no results
	erun, err := deployment.DeployOnServers(ctx, c, deployment.DeployOnServersOpts{ServerName: prefix + "zzz", ConfigName: "none", Config: "true"})
	res, err = waitRun(t, ctx, erun, err)
	require.NoError(t, err)
	assert.Empty(t, res)
}

// followOpts is o following stack.
func followOpts(o deployment.FollowOpts, stack string) deployment.FollowOpts {
	o.Stack = stack
	return o
}
