package plan_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// A plan from a local templates tree: create_container, the upload and
// create_deployment_plan as one run whose events report each step.
func ExampleCreateFromTemplates() {
	uc := newExampleUndercloud() // an in-process undercloud (Mistral + Swift subset)
	defer uc.Close()
	c := uc.client()
	ctx := context.Background()

	run, err := plan.CreateFromTemplates(ctx, c, plan.CreateFromTemplatesOpts{Plan: "overcloud", Templates: os.DirFS("testdata/templates")})
	if err != nil {
		fmt.Println("invalid:", err)
		return
	}
	for ev := range run.Events() {
		if ev.Kind == tripleo.EventProgress && ev.Status == tripleo.StatusSuccess {
			fmt.Println(ev.Subject, "done")
		}
	}
	p, err := run.Wait(ctx)
	var se *plan.StepError
	if errors.As(err, &se) {
		fmt.Println("step", se.Step, "failed; left behind:", se.LeftBehind)
		return
	}
	fmt.Println(p.Name+":", p.Message)

	names, _ := plan.List(ctx, c, plan.ListOpts{})
	fmt.Println("plans:", names)
	// Output:
	// create_container done
	// upload_templates done
	// create_deployment_plan done
	// overcloud: Plan created.
	// plans: [overcloud]
}

// Uploads are resumable: what Swift already holds with the same MD5 is skipped.
func ExampleUploadTemplates() {
	uc := newExampleUndercloud()
	defer uc.Close()
	c := uc.client()
	ctx := context.Background()

	if err := plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: "my-cloud"}); err != nil {
		fmt.Println(err)
		return
	}
	tree := os.DirFS("testdata/templates")
	st, err := plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: "my-cloud", Templates: tree, UploadOpts: plan.UploadOpts{Mode: plan.UploadPerObject, Concurrency: 4}})
	fmt.Printf("uploaded %d, skipped %d, mode %s, err %v\n", st.Files, st.Skipped, st.Mode, err)
	st, err = plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: "my-cloud", Templates: tree})
	fmt.Printf("uploaded %d, skipped %d, err %v\n", st.Files, st.Skipped, err)

	err = plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: "my-cloud"})
	var ae *tripleo.ActionError
	if errors.As(err, &ae) {
		fmt.Println(ae.Result)
	}
	fmt.Println(plan.CreateContainer(ctx, c, plan.CreateContainerOpts{Plan: "my_cloud"}))
	// Output:
	// uploaded 13, skipped 0, mode per-object, err <nil>
	// uploaded 0, skipped 13, err <nil>
	// A container with the name my-cloud already exists.
	// invalid plan: plan name "my_cloud" must only contain letters, numbers or dashes
}

// The plan environment, with its passwords kept as Secrets.
func ExampleGetEnvironment() {
	uc := newExampleUndercloud()
	defer uc.Close()
	c := uc.client()
	ctx := context.Background()
	data, _ := os.ReadFile("testdata/plan-environment-generated.yaml")
	uc.swift.mkContainer("overcloud", map[string]string{plan.EnvironmentObject: string(data)})

	env, err := plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: "overcloud"})
	if err != nil {
		fmt.Println(err)
		return
	}
	pw, _ := env.Password("AdminPassword")
	fmt.Println(env.Name, env.Template, len(env.Environments), env.ParameterDefaults["ControllerCount"])
	fmt.Printf("AdminPassword %v (%d characters)\n", pw, len(pw.Reveal()))
	fmt.Println(env.ParameterDefaults["AdminPassword"] != nil, fmt.Sprint(env.Environments[2]))

	_, err = plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: "missing"})
	fmt.Println(errors.Is(err, tripleo.ErrNotFound))
	// Output:
	// overcloud overcloud.yaml 3 3
	// AdminPassword *** (23 characters)
	// true {data: {"parameter_defaults":{"DockerInsecureRegistryAddress":"192.168.24.1:8787","SwiftHashSuffix":"***"}}}
	// true
}
