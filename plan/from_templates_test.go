package plan_test

import (
	"net/http"
	"testing"
	"testing/fstest"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// composite wires the Swift fake and a Mistral whose create_container
// creates the container in it and whose workflows end in wfState.
func composite(t *testing.T, wfState string) (*tripleo.Client, *tripleotest.MockMistral, *fakeSwift) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", false)
	sw.register(mt)
	state, info, out := "SUCCESS", "", map[string]any{"status": "SUCCESS", "message": "Plan created."}
	if wfState == "ERROR" {
		state, info, out = "ERROR", "Failure caused by error in tasks: notify_zaqar", map[string]any{
			"status": "FAILED", "message": "Error validating environment for plan overcloud: ERROR: Property error: resources.Controller"}
	}
	m := newWfSim(mt, state, info, out)
	m.OnAction(plan.ActionCreateContainer, func(in map[string]any) (string, any) {
		name := in["container"].(string)
		if sw.has(name) {
			return "ERROR", "A container with the name " + name + " already exists."
		}
		sw.mkContainer(name, nil)
		return "SUCCESS", nil
	})
	return c, m, sw
}

func TestCreateFromTemplates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, m, sw := composite(t, "SUCCESS")
		fsys, want := templatesFS(t)
		var userProgress int
		run, err := plan.CreateFromTemplates(t.Context(), c, plan.CreateFromTemplatesOpts{Plan: "overcloud", Templates: fsys, Queue: "my-queue",
			Upload: plan.UploadOpts{Mode: plan.UploadPerObject, OnProgress: func(plan.UploadProgress) { userProgress++ }}})
		require.NoError(t, err)
		var events []tripleo.Event
		for ev := range run.Events() {
			events = append(events, ev)
		}
		p, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, plan.Plan{Name: "overcloud", Message: "Plan created."}, p)
		assert.Equal(t, len(want)+1, userProgress, "the caller's OnProgress is called too")

		// The three steps, in order, with the actions and requests they make.
		assert.Equal(t, map[string]any{"name": plan.ActionCreateContainer, "input": map[string]any{"container": "overcloud"},
			"params": syncParams}, m.ActionCalls()[0])
		assert.Equal(t, keys(want), sw.names("overcloud"))
		posts := m.Posts()
		require.Len(t, posts, 1)
		assert.Equal(t, plan.WorkflowCreate, posts[0]["workflow_name"])
		assert.Equal(t, map[string]any{"container": "overcloud", "queue_name": "my-queue"}, posts[0]["input"])

		// Events: started, each step RUNNING then SUCCESS, upload counters, the sub-run's events, done.
		require.NotEmpty(t, events)
		assert.Equal(t, tripleo.EventStarted, events[0].Kind)
		assert.Equal(t, tripleo.EventDone, events[len(events)-1].Kind)
		var steps []string
		var uploadProgress []tripleo.Progress
		sawSub := false
		for _, ev := range events {
			if ev.Kind == tripleo.EventProgress && ev.Source == plan.OpCreateFromTemplates {
				if ev.Status != tripleo.StatusRunning || ev.Progress == nil {
					steps = append(steps, ev.Subject+" "+ev.Status)
				}
				if ev.Subject == plan.StepUploadTemplates && ev.Progress != nil {
					uploadProgress = append(uploadProgress, *ev.Progress)
				}
			}
			if ev.ExecutionID == posts[0]["id"] && ev.Kind == tripleo.EventStarted {
				sawSub = true
			}
		}
		assert.Equal(t, []string{
			"create_container RUNNING", "create_container SUCCESS",
			"upload_templates RUNNING", "upload_templates SUCCESS",
			"create_deployment_plan RUNNING", "create_deployment_plan SUCCESS",
		}, steps)
		assert.True(t, sawSub, "the workflow's events join the run")
		require.NotEmpty(t, uploadProgress)
		assert.Equal(t, tripleo.Progress{Done: len(want), Total: len(want)}, uploadProgress[len(uploadProgress)-1])
		assert.Equal(t, tripleo.Progress{Total: len(want)}, uploadProgress[0])
	})
}

func TestCreateFromTemplatesUploadFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, wf, sw := composite(t, "SUCCESS")
		sw.failPut = func(name string, _ int) int {
			if name == "roles_data.yaml" {
				return 413
			}
			return 0
		}
		fsys, want := templatesFS(t)
		run, err := plan.CreateFromTemplates(t.Context(), c, plan.CreateFromTemplatesOpts{Plan: "overcloud", Templates: fsys, Upload: plan.UploadOpts{Mode: plan.UploadPerObject, Concurrency: 1}})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		var se *plan.StepError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, plan.StepUploadTemplates, se.Step)
		have := len(sw.names("overcloud"))
		assert.Equal(t, have, se.Uploaded)
		assert.Equal(t, len(want), se.Total)
		assert.Contains(t, se.LeftBehind, "container overcloud exists with")
		assert.Contains(t, err.Error(), "step upload_templates failed")
		var ue *plan.UploadError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, "roles_data.yaml", ue.Files[0].Name)
		assert.Empty(t, wf.Posts(), "the plan workflow never started")

		// Retrying with Resume reuses the container and uploads only the rest.
		sw.failPut = nil
		run, err = plan.CreateFromTemplates(t.Context(), c, plan.CreateFromTemplatesOpts{Plan: "overcloud", Templates: fsys, Resume: true, Upload: plan.UploadOpts{Mode: plan.UploadPerObject}})
		require.NoError(t, err)
		p, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "overcloud", p.Name)
		assert.Equal(t, keys(want), sw.names("overcloud"))
		var resumed, uploaded string
		for _, ev := range run.Snapshot() {
			if ev.Subject == plan.StepCreateContainer && ev.Status == tripleo.StatusSuccess {
				resumed = ev.Text
			}
			if ev.Subject == plan.StepUploadTemplates && ev.Status == tripleo.StatusSuccess {
				uploaded = ev.Text
			}
		}
		assert.Equal(t, "plan container overcloud exists; resuming", resumed)
		assert.Contains(t, uploaded, "already there")
	})
}

func TestCreateFromTemplatesContainerExists(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, sw := composite(t, "SUCCESS")
		sw.mkContainer("overcloud", nil)
		fsys, _ := templatesFS(t)
		run, err := plan.CreateFromTemplates(t.Context(), c, plan.CreateFromTemplatesOpts{Plan: "overcloud", Templates: fsys})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		var se *plan.StepError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, plan.StepCreateContainer, se.Step)
		var ae *tripleo.ActionError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "A container with the name overcloud already exists.", ae.Result)
		assert.Contains(t, se.LeftBehind, "pass Resume")
	})
}

func TestCreateFromTemplatesResumeRefusesForeignContainer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, sw := composite(t, "SUCCESS")
		sw.containers["overcloud"] = &fakeContainer{meta: http.Header{}, objects: map[string]fakeObject{}}
		fsys, _ := templatesFS(t)
		run, err := plan.CreateFromTemplates(t.Context(), c, plan.CreateFromTemplatesOpts{Plan: "overcloud", Templates: fsys, Resume: true})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		var se *plan.StepError
		require.ErrorAs(t, err, &se)
		assert.Contains(t, err.Error(), "exists but is not a plan")
	})
}

func TestCreateFromTemplatesPlanFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, sw := composite(t, "ERROR")
		fsys, want := templatesFS(t)
		run, err := plan.CreateFromTemplates(t.Context(), c, plan.CreateFromTemplatesOpts{Plan: "overcloud", Templates: fsys})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		var se *plan.StepError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, plan.StepCreatePlan, se.Step)
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, plan.WorkflowCreate, we.Workflow)
		assert.Contains(t, se.LeftBehind, "holds the")
		assert.Equal(t, keys(want), sw.names("overcloud"))
	})
}

func TestCreateFromTemplatesValidates(t *testing.T) {
	c, mt := newMockClient(t)
	_, err := plan.CreateFromTemplates(t.Context(), c, plan.CreateFromTemplatesOpts{Plan: "over_cloud", Templates: fstest.MapFS{"overcloud.yaml": {Data: []byte("x")}}, Queue: "bad queue", Upload: plan.UploadOpts{Concurrency: -2}})
	var fields []string
	for _, p := range tripleo.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"plan", "queue", "concurrency", "templates"}, fields)
	assert.Contains(t, err.Error(), "plan-environment.yaml is missing")
	assert.Zero(t, mt.GetTotalCallCount())
}
