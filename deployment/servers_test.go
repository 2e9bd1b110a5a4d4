package deployment_test

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// serversSim is a test's Client, following runs through a Notifier, on a
// MockMistral whose deploy_on_servers behaves like the real one: one
// deploy_on_server message per server (codes[i] its status_code), then the
// parent's final message, FAILED if any code is not 0.
func serversSim(t *testing.T, codes ...int) (*tripleo.Client, *tripleotest.MockMistral) {
	n := tripleotest.NewNotifier()
	c, mt := newMockClient(t, tripleo.WithNotifier(n))
	m := tripleotest.NewMockMistral(mt, mistralURL)
	const wf = deployment.WorkflowDeployOnServers
	m.OnStart(wf, func(id string, in map[string]any) {
		go func() {
			failed := false
			for i, code := range codes {
				status := "SUCCESS"
				if code != 0 {
					status, failed = "FAILED", true
				}
				// posted by the sub-workflow: its own execution id, the run's as root
				n.Post(t, "tripleo", deployment.WorkflowDeployOnServer, map[string]any{
					"status": status, "message": "", "execution_id": fmt.Sprintf("sub-%d", i), "root_execution_id": id,
					"server_uuid": fmt.Sprintf("uuid-%d", i), "server_name": fmt.Sprintf("overcloud-controller-%d", len(codes)-1-i),
					"config_name": in["config_name"], "status_code": code,
					"stdout": fmt.Sprintf("hello from %d\n", i), "stderr": map[bool]string{true: "boom\n"}[code != 0],
				})
				time.Sleep(time.Second)
			}
			if failed {
				m.Set(id, "ERROR", "Failure caused by error in tasks: send_message", nil)
				n.Post(t, "tripleo", wf, map[string]any{"status": "FAILED", "message": "deployment failed", "execution_id": id})
				return
			}
			m.Set(id, "SUCCESS", "", nil)
			n.Post(t, "tripleo", wf, map[string]any{"status": "SUCCESS", "message": "done", "execution_id": id})
		}()
	})
	return c, m
}

func TestDeployOnServersResultsFromSubWorkflowMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, m := serversSim(t, 0, 0)
		run, err := deployment.DeployOnServers(t.Context(), c, deployment.DeployOnServersOpts{
			ServerName: "overcloud-controller", ConfigName: "hello", Config: "#!/bin/sh\necho hello\n",
		})
		require.NoError(t, err)
		res, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, map[string]any{
			"server_name": "overcloud-controller", "config_name": "hello", "config": "#!/bin/sh\necho hello\n", // group: the default
		}, m.LastPost()["input"])
		assert.Equal(t, "tripleo.deployment.v1.deploy_on_servers", m.LastPost()["workflow_name"])
		assert.Equal(t, []deployment.ServerResult{
			{ServerUUID: "uuid-1", ServerName: "overcloud-controller-0", ConfigName: "hello", Status: "SUCCESS", Stdout: "hello from 1\n", ExecutionID: "sub-1"},
			{ServerUUID: "uuid-0", ServerName: "overcloud-controller-1", ConfigName: "hello", Status: "SUCCESS", Stdout: "hello from 0\n", ExecutionID: "sub-0"},
		}, res)
	})
}

func TestDeployOnServersFailureKeepsPerServerResults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, m := serversSim(t, 0, 2)
		run, err := deployment.DeployOnServers(t.Context(), c, deployment.DeployOnServersOpts{
			ServerName: "all", ConfigName: "hello", Config: "exit 2", Group: "ansible", Queue: "tripleo",
		})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		require.ErrorIs(t, err, tripleo.ErrWorkflowFailed)
		assert.Equal(t, "ansible", m.LastPost()["input"].(map[string]any)["group"])
		res := deployment.ServerResults(run.Snapshot())
		require.Len(t, res, 2)
		assert.Equal(t, deployment.ServerResult{ServerUUID: "uuid-1", ServerName: "overcloud-controller-0", ConfigName: "hello",
			Status: "FAILED", StatusCode: 2, Stdout: "hello from 1\n", Stderr: "boom\n", ExecutionID: "sub-1"}, res[0])
	})
}

func TestDeployOnServersWithoutNotifierReadsTheOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		m := tripleotest.NewMockMistral(mt, mistralURL)
		m.OnStart(deployment.WorkflowDeployOnServers, func(id string, _ map[string]any) {
			m.Set(id, "SUCCESS", "", map[string]any{"status": "SUCCESS", "message": []any{
				map[string]any{"result": map[string]any{"server_uuid": "u1", "server_name": "c0", "config_name": "hello", "status_code": 0, "stdout": "ok"}},
			}})
		})
		run, err := deployment.DeployOnServers(t.Context(), c, deployment.DeployOnServersOpts{ServerName: "all", ConfigName: "hello", Config: "true"})
		require.NoError(t, err)
		res, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, []deployment.ServerResult{{ServerUUID: "u1", ServerName: "c0", ConfigName: "hello", Status: "SUCCESS", Stdout: "ok"}}, res)
	})
}

func TestDeployOnServersValidation(t *testing.T) {
	c, _ := newMockClient(t)
	_, err := deployment.DeployOnServers(t.Context(), c, deployment.DeployOnServersOpts{Group: " script", Queue: "a b"})
	var fields []string
	for _, p := range tripleo.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"server name", "config name", "config", "group", "queue"}, fields)
	assert.NoError(t, deployment.DeployOnServersOpts{ServerName: "all", ConfigName: "x", Config: "y", Group: "Heat::Ungrouped"}.Validate())
}

func TestStatusFromTheWorkflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		m := tripleotest.NewMockMistral(mt, mistralURL)
		m.AddWorkflow(deployment.WorkflowGetDeploymentStatus, "version: '2.0'\nget_deployment_status:\n  input:\n    - plan: overcloud\n    - queue_name: tripleo\n  tasks: {}\n")
		m.OnStart(deployment.WorkflowGetDeploymentStatus, func(id string, _ map[string]any) {
			m.Set(id, "SUCCESS", "", map[string]any{"deployment_status": "DEPLOY_SUCCESS"})
		})
		st, err := deployment.Status(t.Context(), c, deployment.StatusOpts{Plan: top})
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"plan": "overcloud"}, m.LastPost()["input"])
		assert.Equal(t, &deployment.DeploymentStatus{Plan: top, Status: deployment.DeploySuccess, Source: deployment.FromWorkflow,
			ExecutionID: m.LastPost()["id"].(string)}, st)
	})
}

func TestStatusReadsEveryShapeOfDeploymentStatus(t *testing.T) {
	for _, out := range []any{
		"DEPLOY_FAILED",
		// Queens publishes the parsed <plan>-messages/deployment_status.yaml
		map[string]any{"deployment_status": "DEPLOY_FAILED", "workflow_status": map[string]any{"type": "tripleo.deployment.v1.deploy_plan"}},
	} {
		synctest.Test(t, func(t *testing.T) {
			c, mt := newMockClient(t)
			m := tripleotest.NewMockMistral(mt, mistralURL)
			m.AddWorkflow(deployment.WorkflowGetDeploymentStatus, "get_deployment_status:\n  input: [plan, queue_name: tripleo]\n  tasks: {}\n")
			m.OnStart(deployment.WorkflowGetDeploymentStatus, func(id string, _ map[string]any) {
				m.Set(id, "SUCCESS", "", map[string]any{"deployment_status": out})
			})
			st, err := deployment.Status(t.Context(), c, deployment.StatusOpts{Plan: top})
			require.NoError(t, err)
			assert.Equal(t, deployment.DeployFailed, st.Status)
		})
	}
}

func TestStatusNothingRecordedFallsBackToHeat(t *testing.T) {
	for _, out := range []map[string]any{{"deployment_status": ""}, {"deployment_status": nil}, {}} {
		synctest.Test(t, func(t *testing.T) {
			c, mt := newMockClient(t)
			m := tripleotest.NewMockMistral(mt, mistralURL)
			m.AddWorkflow(deployment.WorkflowGetDeploymentStatus, "get_deployment_status:\n  input: [plan, queue_name: tripleo]\n  tasks: {}\n")
			m.OnStart(deployment.WorkflowGetDeploymentStatus, func(id string, _ map[string]any) {
				m.Set(id, "SUCCESS", "", out)
			})
			h := updateScenario()
			h.setStatus(top, "UPDATE_FAILED", "boom")
			h.register(mt)
			st, err := deployment.Status(t.Context(), c, deployment.StatusOpts{Plan: top})
			require.NoError(t, err, "output %v", out)
			assert.Equal(t, &deployment.DeploymentStatus{Plan: top, Status: deployment.DeployFailed, Source: deployment.FromHeat,
				StackStatus: "UPDATE_FAILED", NotRecorded: true, ExecutionID: m.LastPost()["id"].(string)}, st)
		})
	}
}

func TestStatusFromHeatWhereTheWorkflowIsAbsent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		tripleotest.NewMockMistral(mt, mistralURL) // no workflows: GET /v2/workflows/… answers 404 (Queens)
		h := updateScenario()
		h.setStatus(top, "UPDATE_IN_PROGRESS", "")
		h.register(mt)
		st, err := deployment.Status(t.Context(), c, deployment.StatusOpts{Plan: top})
		require.NoError(t, err)
		assert.Equal(t, &deployment.DeploymentStatus{Plan: top, Status: deployment.Deploying, Source: deployment.FromHeat, StackStatus: "UPDATE_IN_PROGRESS"}, st)

		st, err = deployment.Status(t.Context(), c, deployment.StatusOpts{Plan: "other"})
		require.NoError(t, err)
		assert.Equal(t, &deployment.DeploymentStatus{Plan: "other", Status: deployment.Undeployed, Source: deployment.FromHeat, StackStatus: "NO_STACK"}, st)

		_, err = deployment.Status(t.Context(), c, deployment.StatusOpts{Plan: "bad_name"})
		require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	})
}

// Status's stack read is an idempotent read: a 503 is retried.
func TestStatusFromHeatRetries503(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		tripleotest.NewMockMistral(mt, mistralURL)
		h := updateScenario()
		h.setStatus(top, "UPDATE_COMPLETE", "")
		h.getFaults = []fault{{code: 503}}
		h.register(mt)
		st, err := deployment.Status(t.Context(), c, deployment.StatusOpts{Plan: top})
		require.NoError(t, err)
		assert.Equal(t, "UPDATE_COMPLETE", st.StackStatus)
		_, gets := h.counts()
		assert.Equal(t, 2, gets, "the 503, then the answer")
	})
}
