//go:build integration

package integration

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// defaultTemplatesDir is the workbooks' default template set (OS::Heat::None,
// RandomString and TestResource only: Heat here has no Nova).
const defaultTemplatesDir = "actions/tripleo_undercloud/default_templates"

// uploadTreeDir is the SDK's own plan fixture (13 files in subdirectories),
// used where only Swift is involved.
const uploadTreeDir = "../plan/testdata/templates"

// deletePlanAtEnd removes a plan (and its side containers) when t ends.
func deletePlanAtEnd(t *testing.T, c *tripleo.Client, names ...string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, n := range names {
			if err := plan.Delete(ctx, c, plan.DeleteOpts{Plan: n}); err != nil && !errors.Is(err, tripleo.ErrPlanNotFound) {
				t.Logf("cleanup: plan.Delete(%s): %v", n, err)
			}
			swiftDeleteContainer(ctx, n)
		}
	})
}

// treeFiles lists a tree's files (DefaultExcludes left out) with their MD5s.
func treeFiles(t *testing.T, fsys fs.FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		base := filepath.Base(p)
		if d.IsDir() {
			if base == ".git" || base == ".tox" {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(base, ".pyc") || strings.HasSuffix(base, ".pyo") {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := md5.Sum(b)
		out[p] = hex.EncodeToString(sum[:])
		return nil
	}))
	return out
}

// mapFS copies a directory into an fstest.MapFS, to adapt or extend it.
func mapFS(t *testing.T, dir string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	require.NoError(t, fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join(dir, p))
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	}))
	return m
}

// Plan containers: created with the plan marker, refused when they exist or
// when the name is bad (locally, and by the action itself), listed, deleted.
func TestPlanContainerListDelete(t *testing.T) {
	need(t, "swift")
	ctx := testCtx(t, time.Minute)
	c := newClient(t, viaREST)
	p, bare := name("plan-c"), name("bare")
	deletePlanAtEnd(t, c, p, bare)

	// bad names: refused before any request ...
	for _, bad := range []string{"bad_name", "", "a/b", strings.Repeat("x", 257)} {
		err := plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: bad})
		require.ErrorIs(t, err, tripleo.ErrInvalidInput, "%q", bad)
	}
	if st, _ := swiftHead(t, ctx, "bad_name"); st != http.StatusNotFound {
		t.Errorf("a container bad_name exists (HTTP %d): the local check did not stop the request", st)
	}
	// ... and by the action, with its own text
	err := c.RunAction(ctx, plan.ActionCreateContainer, map[string]any{"container": "bad_name"}, nil)
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "Unable to create plan. The plan name must only contain letters, numbers or dashes", ae.Result)

	require.NoError(t, plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: p}))
	st, h := swiftHead(t, ctx, p)
	require.Equal(t, http.StatusNoContent, st)
	assert.Equal(t, "plan", h.Get(plan.MetadataKey))

	err = plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: p})
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, tripleo.ErrActionFailed)
	assert.Equal(t, "A container with the name "+p+" already exists.", ae.Result)

	// a bare container (no marker) is not a plan
	rawJSON(t, ctx, http.MethodPut, env.Swift+"/"+bare, nil, nil, nil, 201, 202)
	names, err := plan.List(ctx, c, plan.ListOpts{})
	require.NoError(t, err)
	assert.Contains(t, names, p)
	assert.NotContains(t, names, bare)
	assert.True(t, sort.StringsAreSorted(names))

	require.NoError(t, plan.Delete(ctx, c, plan.DeleteOpts{Plan: p}))
	st, _ = swiftHead(t, ctx, p)
	assert.Equal(t, http.StatusNotFound, st)
	names, err = plan.List(ctx, c, plan.ListOpts{})
	require.NoError(t, err)
	assert.NotContains(t, names, p)

	err = plan.Delete(ctx, c, plan.DeleteOpts{Plan: p})
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "Container GET failed: "+env.Swift+"/"+p+" 404 Not Found", ae.Result, "the action's text, still reachable")
	assert.NotErrorIs(t, err, plan.ErrHasStack)
	require.ErrorIs(t, err, tripleo.ErrPlanNotFound)
	assert.Equal(t, "delete plan: plan "+p+" does not exist", err.Error())
}

// UploadTemplates to the real Swift, in both modes: every file becomes an
// object of the same name and MD5; a second upload skips everything by etag,
// a resumed one sends only what is missing or changed; Force sends all.
func TestPlanUploadTemplates(t *testing.T) {
	need(t, "swift")
	ctx := testCtx(t, 2*time.Minute)
	c := newClient(t, viaREST)
	bulk, per := name("up-bulk"), name("up-per")
	deletePlanAtEnd(t, c, bulk, per)

	ok, err := plan.BulkUploadSupported(ctx, c)
	require.NoError(t, err)
	assert.True(t, ok, "the proxy pipeline has the bulk middleware")

	tree := mapFS(t, uploadTreeDir)
	tree[".git/HEAD"] = &fstest.MapFile{Data: []byte("ref: refs/heads/main\n")}
	tree["puppet/services/cache.pyc"] = &fstest.MapFile{Data: []byte{0, 1, 2}}
	want := treeFiles(t, tree)
	require.Len(t, want, 13)

	_, err = plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: name("missing"), Templates: tree})
	require.ErrorIs(t, err, tripleo.ErrPlanNotFound, "no such container")

	for _, tc := range []struct {
		container string
		mode      plan.UploadMode
	}{{bulk, plan.UploadBulk}, {per, plan.UploadPerObject}} {
		t.Run(string(tc.mode), func(t *testing.T) {
			require.NoError(t, plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: tc.container}))
			var mu sync.Mutex
			var progress []plan.UploadProgress
			st, err := plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: tc.container, Templates: tree, UploadOpts: plan.UploadOpts{Mode: tc.mode, Concurrency: 4,
				OnProgress: func(p plan.UploadProgress) { mu.Lock(); progress = append(progress, p); mu.Unlock() }}})
			require.NoError(t, err)
			assert.Equal(t, tc.mode, st.Mode)
			assert.Equal(t, 13, st.Files)
			assert.Equal(t, 13, st.Total)
			assert.Zero(t, st.Skipped)
			assert.Zero(t, st.Failed)
			if tc.mode == plan.UploadBulk {
				assert.Equal(t, 1, st.Archives)
			}
			assert.Equal(t, want, swiftObjects(t, ctx, tc.container), "object names and MD5s are the files'")
			require.NotEmpty(t, progress)
			for i := 1; i < len(progress); i++ {
				assert.GreaterOrEqual(t, progress[i].Uploaded, progress[i-1].Uploaded, "counters never decrease")
			}
			assert.Equal(t, 13, progress[len(progress)-1].Uploaded)
			if tc.mode == plan.UploadPerObject {
				_, h, _ := swiftGet(t, ctx, tc.container, "puppet/role.role.j2.yaml")
				assert.Equal(t, "application/x-yaml", h.Get("Content-Type"))
				_, h, _ = swiftGet(t, ctx, tc.container, "network/network_data.yaml")
				assert.Equal(t, "application/x-yaml", h.Get("Content-Type"))
			}

			// again: nothing to send
			st, err = plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: tc.container, Templates: tree, UploadOpts: plan.UploadOpts{Mode: tc.mode}})
			require.NoError(t, err)
			assert.Zero(t, st.Files)
			assert.Equal(t, 13, st.Skipped)

			// resumed after a partial upload: 2 objects missing, 1 changed
			for _, o := range []string{"roles_data.yaml", "environments/docker.yaml"} {
				rawJSON(t, ctx, http.MethodDelete, env.Swift+"/"+tc.container+"/"+o, nil, nil, nil, 204)
			}
			changed := fstest.MapFS{}
			for k, v := range tree {
				changed[k] = v
			}
			changed["overcloud.yaml"] = &fstest.MapFile{Data: append(slices.Clone(tree["overcloud.yaml"].Data), "# changed\n"...)}
			st, err = plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: tc.container, Templates: changed, UploadOpts: plan.UploadOpts{Mode: tc.mode}})
			require.NoError(t, err)
			assert.Equal(t, 3, st.Files)
			assert.Equal(t, 10, st.Skipped)
			assert.Equal(t, treeFiles(t, changed), swiftObjects(t, ctx, tc.container))

			st, err = plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: tc.container, Templates: changed, UploadOpts: plan.UploadOpts{Mode: tc.mode, Force: true}})
			require.NoError(t, err)
			assert.Equal(t, 13, st.Files, "Force sends every file")
		})
	}
}

// itTemplates is the workbooks' default template set plus an environment file
// in a subdirectory (listed in plan-environment.yaml, so the workflow's
// templates.process reads it back from Swift) and files the upload must leave out.
func itTemplates(t *testing.T, cloudName string) fstest.MapFS {
	t.Helper()
	tree := mapFS(t, defaultTemplatesDir)
	var penv map[string]any
	require.NoError(t, yaml.Unmarshal(tree["plan-environment.yaml"].Data, &penv))
	penv["environments"] = append(penv["environments"].([]any), map[string]any{"path": "environments/it.yaml"})
	b, err := yaml.Marshal(penv)
	require.NoError(t, err)
	tree["plan-environment.yaml"] = &fstest.MapFile{Data: b}
	tree["environments/it.yaml"] = &fstest.MapFile{Data: []byte("parameter_defaults:\n  CloudName: " + cloudName + "\n  ComputeCount: 2\n")}
	tree[".git/config"] = &fstest.MapFile{Data: []byte("[core]\n")}
	return tree
}

// CreateFromTemplates: container, upload and create_deployment_plan as one
// run, the steps' progress in order, then the plan as the workflow left it
// (passwords generated, RootStackName set, the environment file honoured by
// Heat's validation). A second attempt fails at create_container with the
// action's text; Resume reuses the container.
func TestPlanCreateFromTemplates(t *testing.T) {
	need(t, "zaqar", "swift", "heat")
	ctx := testCtx(t, 2*time.Minute)
	c := newClient(t, viaREST)
	p := name("plan-t")
	deletePlanAtEnd(t, c, p)
	tree := itTemplates(t, "it.example.com")

	run, err := plan.CreateFromTemplates(ctx, c, plan.CreateFromTemplatesOpts{Plan: p, Templates: tree, Upload: plan.UploadOpts{Mode: plan.UploadPerObject}})
	require.NoError(t, err)
	logEventsOnFailure(t, run)
	assert.Equal(t, plan.OpCreateFromTemplates, run.Name())
	got, err := run.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, plan.Plan{Name: p, Message: "Plan created."}, got)

	evs := run.Snapshot()
	checkEnvelope(t, evs)
	var steps []string
	for _, ev := range ofKind(evs, tripleo.EventProgress, plan.OpCreateFromTemplates) {
		if len(steps) == 0 || steps[len(steps)-1] != ev.Subject+":"+ev.Status {
			steps = append(steps, ev.Subject+":"+ev.Status)
		}
	}
	assert.Equal(t, []string{"create_container:RUNNING", "create_container:SUCCESS", "upload_templates:RUNNING",
		"upload_templates:SUCCESS", "create_deployment_plan:RUNNING", "create_deployment_plan:SUCCESS"}, steps)
	msgs := ofKind(evs, tripleo.EventMessage, plan.WorkflowCreate)
	require.Len(t, msgs, 1, "create_deployment_plan's own message joins the run")
	assert.Equal(t, "Plan created.", msgs[0].Text)

	objs := swiftObjects(t, ctx, p)
	assert.Contains(t, objs, "environments/it.yaml")
	assert.NotContains(t, objs, ".git/config", "DefaultExcludes")
	assert.Len(t, objs, 6)

	penv, err := plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: p})
	require.NoError(t, err)
	assert.Equal(t, p, penv.Name)
	assert.Equal(t, "overcloud.yaml", penv.Template)
	var paths []string
	for _, e := range penv.Environments {
		paths = append(paths, e.Path)
	}
	assert.Equal(t, []string{"overcloud-resource-registry-puppet.yaml", "environments/it.yaml"}, paths)
	assert.Equal(t, p, penv.ParameterDefaults["RootStackName"])
	pw, ok := penv.Password("AdminPassword")
	require.True(t, ok, "passwords generated by the workflow")
	assert.Len(t, pw.Reveal(), 25)
	assert.GreaterOrEqual(t, len(penv.Passwords), 10)
	checkNoSecret(t, pw, penv.String(), fmtV(penv))

	view, err := parameters.Get(ctx, c, parameters.GetOpts{Plan: p})
	require.NoError(t, err)
	assert.Equal(t, "it.example.com", view.Environment["CloudName"], "the environment file reached Heat")

	// the container exists now
	run, err = plan.CreateFromTemplates(ctx, c, plan.CreateFromTemplatesOpts{Plan: p, Templates: tree})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	var se *plan.StepError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, plan.StepCreateContainer, se.Step)
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "A container with the name "+p+" already exists.", ae.Result)

	run, err = plan.CreateFromTemplates(ctx, c, plan.CreateFromTemplatesOpts{Plan: p, Templates: tree, Resume: true, Upload: plan.UploadOpts{Mode: plan.UploadBulk}})
	require.NoError(t, err)
	logEventsOnFailure(t, run)
	_, err = run.Wait(ctx)
	require.NoError(t, err)
	var last *tripleo.Progress
	for _, ev := range ofKind(run.Snapshot(), tripleo.EventProgress, plan.OpCreateFromTemplates) {
		if ev.Subject == plan.StepUploadTemplates && ev.Progress != nil {
			last = ev.Progress
		}
	}
	require.NotNil(t, last)
	assert.Equal(t, 6, last.Total)
	assert.Equal(t, 6, last.Done, "everything in Swift: uploaded or already there")
}

// CreateDefault (the Queens wrapper), Create from default templates and from
// a directory on the undercloud host (source_url), the failures of Create
// (existing container, missing plan, a template Heat rejects), and Export,
// which these workbooks do not have.
func TestPlanCreateDefaultCreateExport(t *testing.T) {
	need(t, "zaqar", "swift", "heat")
	ctx := testCtx(t, 3*time.Minute)
	c := newClient(t, viaWS)
	pd, pu, ps, pb := name("plan-d"), name("plan-u"), name("plan-s"), name("plan-b")
	deletePlanAtEnd(t, c, pd, pu, ps, pb)

	run, err := plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Plan: pd})
	require.NoError(t, err)
	logEventsOnFailure(t, run)
	got, err := run.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, pd, got.Name)
	evs := run.Snapshot()
	checkEnvelope(t, evs)
	msgs := ofKind(evs, tripleo.EventMessage, "")
	require.Len(t, msgs, 2, "the sub-workflow's message, then the wrapper's")
	assert.Equal(t, plan.WorkflowCreate, msgs[0].Source)
	assert.NotEqual(t, run.ExecutionID(), msgs[0].ExecutionID)
	assert.Equal(t, run.ExecutionID(), msgs[0].Message.Payload.RootExecutionID)
	assert.Equal(t, "Plan created.", msgs[0].Text)
	assert.Equal(t, plan.WorkflowCreateDefault, msgs[1].Source)
	assert.Equal(t, run.ExecutionID(), msgs[1].ExecutionID)
	assert.Equal(t, []string{"message:SUCCESS", "message:SUCCESS"}, statuses(msgs))
	objs := swiftObjects(t, ctx, pd)
	for _, f := range []string{"overcloud.yaml", "plan-environment.yaml", "roles_data.yaml", "capabilities-map.yaml"} {
		assert.Contains(t, objs, f)
	}

	run, err = plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Plan: pd})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	var we *tripleo.WorkflowError
	require.ErrorAs(t, err, &we)
	assert.ErrorIs(t, err, tripleo.ErrWorkflowFailed)
	assert.Contains(t, err.Error(), "Unable to create plan. The Swift container already exists")

	run, err = plan.Create(ctx, c, plan.CreateOpts{Plan: pu, UseDefaultTemplates: true, SkipPasswordGeneration: true})
	require.NoError(t, err)
	got, err = run.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, plan.Plan{Name: pu, Message: "Plan created."}, got)
	penv, err := plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: pu})
	require.NoError(t, err)
	assert.Empty(t, penv.Passwords, "generate_passwords false")

	// source_url: a directory on the undercloud host (no git on this undercloud)
	dir, err := filepath.Abs(defaultTemplatesDir)
	require.NoError(t, err)
	run, err = plan.Create(ctx, c, plan.CreateOpts{Plan: ps, SourceURL: "file://" + dir})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.NoError(t, err)
	files := treeFiles(t, os.DirFS(dir))
	objs = swiftObjects(t, ctx, ps)
	for f, sum := range files {
		if f != "plan-environment.yaml" { // rewritten by the workflow
			assert.Equal(t, sum, objs[f], f)
		}
	}

	_, err = plan.Create(ctx, c, plan.CreateOpts{Plan: ps, SourceURL: "not a url"})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)

	// no container, no templates
	run, err = plan.Create(ctx, c, plan.CreateOpts{Plan: name("plan-none")})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.ErrorAs(t, err, &we)
	require.NotNil(t, we.LastMessage)
	assert.Equal(t, tripleo.StatusFailed, we.LastMessage.Status())
	assert.Contains(t, we.LastMessage.Payload.Message, "Error retrieving plan-environment.yaml")

	// a template Heat rejects: validate_stack fails, validate_stack false passes
	require.NoError(t, plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: pb}))
	bad := mapFS(t, defaultTemplatesDir)
	bad["overcloud.yaml"] = &fstest.MapFile{Data: []byte("heat_template_version: 2018-08-31\nresources:\n  x:\n    type: OS::Nope\n")}
	_, err = plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: pb, Templates: bad})
	require.NoError(t, err)
	run, err = plan.Create(ctx, c, plan.CreateOpts{Plan: pb})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.ErrorAs(t, err, &we)
	assert.Contains(t, we.LastMessage.Payload.Message, "Error validating environment for plan "+pb+": The Resource Type (OS::Nope) could not be found")
	run, err = plan.Create(ctx, c, plan.CreateOpts{Plan: pb, SkipStackValidation: true})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.NoError(t, err)

	names, err := plan.List(ctx, c, plan.ListOpts{})
	require.NoError(t, err)
	for _, p := range []string{pd, pu, ps, pb} {
		assert.Contains(t, names, p)
	}

	// export_deployment_plan is not in these workbooks: Mistral 15 in one
	// process answers 500 DBEntityNotFoundError (retried twice by the SDK, then
	// returned), over RabbitMQ 404 (see mistralTyped)
	_, err = plan.Export(ctx, c, plan.ExportOpts{Plan: pd})
	var api *tripleo.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, mistralTyped(http.StatusNotFound), api.StatusCode)
	if onProduction() {
		assert.ErrorIs(t, err, tripleo.ErrNotFound)
		assert.Contains(t, api.Message, "Workflow not found")
	} else {
		assert.Contains(t, api.Message, "DBEntityNotFoundError")
	}
	assert.Contains(t, api.Message, plan.WorkflowExport)
}
