package plan_test

import (
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// Against the embedded undercloud: the default plan's whole life.
func TestUndercloudDefaultPlan(t *testing.T) {
	u := tripleotest.NewT(t)
	c, err := u.Client()
	require.NoError(t, err)
	ctx := t.Context()

	run, err := plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Plan: "overcloud"})
	require.NoError(t, err)
	p, err := run.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "overcloud", p.Name)
	assert.NotEmpty(t, p.Message)

	names, err := plan.List(ctx, c, plan.ListOpts{})
	require.NoError(t, err)
	assert.Equal(t, []string{"overcloud"}, names)
	assert.Equal(t, "plan", u.ContainerMeta("overcloud")["X-Container-Meta-Usage-Tripleo"])

	env, err := plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: "overcloud"})
	require.NoError(t, err)
	assert.Equal(t, "overcloud", env.Name)
	assert.Equal(t, "overcloud.yaml", env.Template)
	assert.NotEmpty(t, env.Environments)
	pw, ok := env.Password("AdminPassword")
	require.True(t, ok, "passwords were generated")
	assert.NotEmpty(t, pw.Reveal())
	assert.NotContains(t, env.String(), pw.Reveal())
	fernet := env.Passwords["KeystoneFernetKeys"]
	assert.Contains(t, fernet.Reveal(), "/etc/keystone/fernet-keys/0", "a dict password kept as JSON")
	assert.Equal(t, "overcloud", env.ParameterDefaults["RootStackName"])

	// A second default plan of the same name fails with the workflow's message.
	run, err = plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Plan: "overcloud"})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	var we *tripleo.WorkflowError
	require.ErrorAs(t, err, &we)
	assert.Contains(t, err.Error(), "Unable to create plan. The Swift container already exists")

	exp, err := plan.Export(ctx, c, plan.ExportOpts{Plan: "overcloud"})
	require.NoError(t, err)
	res, err := exp.Wait(ctx)
	require.NoError(t, err)
	assert.Contains(t, res.TempURL, "/plan-exports/overcloud.tar.gz?temp_url_sig=")

	require.NoError(t, plan.Delete(ctx, c, plan.DeleteOpts{Plan: "overcloud"}))
	names, err = plan.List(ctx, c, plan.ListOpts{})
	require.NoError(t, err)
	assert.Empty(t, names)
	_, err = plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: "overcloud"})
	assert.ErrorIs(t, err, tripleo.ErrNotFound)
}

// Against the embedded undercloud: a custom plan from testdata/templates.
func TestUndercloudCustomPlan(t *testing.T) {
	u := tripleotest.NewT(t)
	c, err := u.Client()
	require.NoError(t, err)
	ctx := t.Context()
	tree := os.DirFS("testdata/templates")

	run, err := plan.CreateFromTemplates(ctx, c, plan.CreateFromTemplatesOpts{Plan: "custom", Templates: tree})
	require.NoError(t, err)
	var steps []string
	for ev, err := range run.All(ctx) {
		if err == nil && ev.Kind == tripleo.EventProgress && ev.Status == tripleo.StatusSuccess && ev.Source == plan.OpCreateFromTemplates {
			steps = append(steps, ev.Subject)
		}
	}
	p, err := run.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "custom", p.Name)
	assert.Equal(t, []string{plan.StepCreateContainer, plan.StepUploadTemplates, plan.StepCreatePlan}, steps)

	objs := u.Objects("custom")
	for _, name := range []string{"overcloud.yaml", "plan-environment.yaml", "roles_data.yaml", "capabilities-map.yaml",
		"environments/docker.yaml", "puppet/role.role.j2.yaml", "puppet/services/keystone.yaml"} {
		want, err := os.ReadFile("testdata/templates/" + name)
		require.NoError(t, err)
		if name == "plan-environment.yaml" {
			continue // rewritten by the workflow (passwords, RootStackName)
		}
		assert.Equal(t, string(want), string(objs[name]), name)
	}

	env, err := plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: "custom"})
	require.NoError(t, err)
	assert.Equal(t, 1, env.ParameterDefaults["ControllerCount"])
	assert.Equal(t, "custom", env.ParameterDefaults["RootStackName"])
	assert.NotEmpty(t, env.Passwords)
	assert.Contains(t, env.WorkflowParameters, "tripleo.derive_params.v1.derive_parameters")

	// Uploading the same tree again sends nothing (the workflow only rewrote plan-environment.yaml).
	st, err := plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: "custom", Templates: tree})
	require.NoError(t, err)
	assert.LessOrEqual(t, st.Files, 1)
	assert.GreaterOrEqual(t, st.Skipped, st.Total-1)

	// The container exists now: a second attempt fails at create_container, or resumes.
	run, err = plan.CreateFromTemplates(ctx, c, plan.CreateFromTemplatesOpts{Plan: "custom", Templates: tree})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	var se *plan.StepError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, plan.StepCreateContainer, se.Step)
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "A container with the name custom already exists.", ae.Result)

	names, err := plan.List(ctx, c, plan.ListOpts{})
	require.NoError(t, err)
	assert.True(t, slices.Contains(names, "custom"))
	require.NoError(t, plan.Delete(ctx, c, plan.DeleteOpts{Plan: "custom"}))
}

func TestUndercloudUploadErrors(t *testing.T) {
	u := tripleotest.NewT(t)
	c, err := u.Client()
	require.NoError(t, err)
	ctx := t.Context()

	_, err = plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: "missing", Templates: os.DirFS("testdata/templates")})
	require.ErrorIs(t, err, tripleo.ErrNotFound)

	err = plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: "bad_name"})
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)

	require.NoError(t, plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: "up"}))
	for _, mode := range []plan.UploadMode{plan.UploadPerObject, plan.UploadBulk} {
		st, err := plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: "up", Templates: os.DirFS("testdata/templates"), UploadOpts: plan.UploadOpts{Mode: mode, Force: true}})
		require.NoError(t, err, mode)
		assert.Equal(t, mode, st.Mode)
		assert.Equal(t, 13, st.Files)
	}
	o, ok := u.Object("up", "environments/low-memory-usage.yaml")
	require.True(t, ok)
	want, _ := os.ReadFile("testdata/templates/environments/low-memory-usage.yaml")
	assert.Equal(t, want, o)
}
