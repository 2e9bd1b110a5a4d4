package plan_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// fuzzPassword is the password of the environment seeds.
const fuzzPassword = "Fz-S3cret-Pw9"

// FuzzParseEnvironment parses a plan-environment.yaml. An error quotes no
// part of a password; a parsed environment prints the same whatever its
// secrets' values are (passwords, and parameter values under secret-looking
// names at any depth), and every printed field is rendered.
func FuzzParseEnvironment(f *testing.F) {
	b, err := os.ReadFile("testdata/plan-environment-generated.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, s := range []string{
		"version: 1.0\nname: overcloud\ntemplate: overcloud.yaml\nenvironments: [{path: a.yaml}, {data: {parameter_defaults: {AdminPassword: " + fuzzPassword + "}}}]\n",
		"parameter_defaults: {AdminPassword: " + fuzzPassword + ", Nested: {db: [{password: " + fuzzPassword + "}]}}\npasswords: {AdminPassword: " + fuzzPassword + "}\n",
		"passwords: {KeystoneFernetKeys: {/etc/keystone/fernet-keys/0: {content: " + fuzzPassword + "}}, A: ~, B: !!binary aGVsbG8=}\n",
		"parameter_defaults: {1: x, SnmpdPassword: " + fuzzPassword + "}\n",
		"a: &p " + fuzzPassword + "\nparameter_defaults: {HeatPassword: *p, Other: *p}\n",
		`{"parameter_defaults": {"RabbitCookie": "` + fuzzPassword + `"}, "passwords": null, "environments": null}`,
		"passwords: [" + fuzzPassword + "]\n",
		"version: [1]\nname: {a: b}\n",
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := plan.ParseEnvironment(data)
		if err != nil {
			if env != nil {
				t.Fatalf("an environment and an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "plan environment: ") {
				t.Fatalf("error without its subject: %v", err)
			}
			if strings.Contains(msg, fuzzPassword[:7]) && !strings.Contains(string(data), fuzzPassword+":") {
				t.Fatalf("error quotes the password: %v", err)
			}
			return
		}
		printed := env.String()
		for _, v := range []string{fmt.Sprint(env), fmt.Sprintf("%+v", env), fmt.Sprintf("%#v", *env)} {
			if v != printed {
				t.Fatalf("verbs print differently:\n%s\n%s", printed, v)
			}
		}
		if strings.Contains(printed, ": ,") || strings.Contains(printed, ": }") {
			t.Fatalf("a field is not rendered: %s", printed)
		}
		other := *env
		other.Passwords = map[string]tripleo.Secret{}
		for k, v := range env.Passwords {
			if v != "" {
				v = "other value"
			}
			other.Passwords[k] = v
		}
		other.ParameterDefaults = replaceSecretValues(env.ParameterDefaults, env.Passwords).(map[string]any)
		other.DerivedParameters = replaceSecretValues(env.DerivedParameters, env.Passwords).(map[string]any)
		other.WorkflowParameters = replaceSecretValues(env.WorkflowParameters, env.Passwords).(map[string]any)
		if got := other.String(); got != printed {
			t.Fatalf("secret values change what prints:\n%s\n%s", printed, got)
		}
	})
}

// replaceSecretValues returns v with the non-empty values under password
// names (plan.IsPasswordParameter, tripleo.SecretKey, a generated password's
// name) replaced, at any depth, in any kind of mapping.
func replaceSecretValues(v any, generated map[string]tripleo.Secret) any {
	secret := func(k string, x any) bool {
		_, gen := generated[k]
		return x != nil && x != "" && (gen || plan.IsPasswordParameter(k) || tripleo.SecretKey(k))
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if secret(k, x) {
				out[k] = "other value"
			} else {
				out[k] = replaceSecretValues(x, generated)
			}
		}
		return out
	case map[any]any:
		out := make(map[any]any, len(t))
		for k, x := range t {
			if secret(fmt.Sprint(k), x) {
				out[k] = "other value"
			} else {
				out[k] = replaceSecretValues(x, generated)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = replaceSecretValues(t[i], generated)
		}
		return out
	}
	return v
}

// FuzzBulkUploadReport serves a fuzzed extract-archive report to a forced
// bulk upload of three files: an error is an *UploadError of bulk mode; the
// counters stay within the files; a nil error means every file is in Swift.
func FuzzBulkUploadReport(f *testing.F) {
	for _, s := range []string{
		`{"Response Status": "201 Created", "Response Body": "", "Number Files Created": 3, "Errors": []}`,
		`{"Response Status": "400 Bad Request", "Response Body": "Invalid Tar File: truncated header", "Number Files Created": 1, "Errors": [["/v1/AUTH_x/overcloud/environments/a%20b.yaml", "413 Request Entity Too Large"], ["overcloud/roles_data.yaml", "400 Bad Request"]]}`,
		`{"Response Status": "503 Service Unavailable", "Response Body": "", "Number Files Created": 0, "Errors": []}`,
		`{"Response Status": "201 Created", "Number Files Created": 9, "Errors": [[], ["x"], ["overcloud.yaml", "", "extra"]]}`,
		"   \n{\"Response Status\": \"200 OK\", \"Number Files Created\": 2}",
		`{"Response Status": "201 Created", "Number Files Created": -1}`,
		``,
	} {
		f.Add([]byte(s))
	}
	var report []byte
	c, fsys := bulkReportClient(f, func() []byte { return report })

	f.Fuzz(func(t *testing.T, data []byte) {
		report = data
		st, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys,
			UploadOpts: plan.UploadOpts{Mode: plan.UploadBulk, Force: true, MaxRetryTime: time.Nanosecond}})
		if st.Total != 3 || st.Files < 0 || st.Failed < 0 || st.Files+st.Failed > st.Total {
			t.Fatalf("stats %+v", st)
		}
		if err == nil {
			if st.Files != st.Total {
				t.Fatalf("no error, but %d of %d files uploaded", st.Files, st.Total)
			}
			return
		}
		var ue *plan.UploadError
		if !errors.As(err, &ue) || ue.Mode != plan.UploadBulk {
			t.Fatalf("error %T: %v", err, err)
		}
		if ue.Uploaded != st.Files {
			t.Fatalf("error says %d uploaded, stats %d", ue.Uploaded, st.Files)
		}
	})
}
