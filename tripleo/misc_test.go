package tripleo_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

func sprintf(f string, v any) string { return fmt.Sprintf(f, v) }

func TestSecretNeverPrints(t *testing.T) {
	type node struct {
		Name     string
		Password tripleo.Secret
	}
	n := node{Name: "n1", Password: "hunter22"}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%d"} {
		assert.NotContains(t, fmt.Sprintf(f, n), "hunter22", f)
		assert.NotContains(t, fmt.Sprintf(f, n.Password), "hunter22", f)
	}
	b, err := json.Marshal(n)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Name":"n1","Password":"***"}`, string(b))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "pw", n.Password, "node", n)
	assert.NotContains(t, buf.String(), "hunter22")
	assert.Equal(t, "hunter22", n.Password.Reveal())
	var back tripleo.Secret
	require.NoError(t, json.Unmarshal([]byte(`"s3cr3t"`), &back))
	assert.Equal(t, "s3cr3t", back.Reveal())
	assert.Equal(t, "", tripleo.Secret("").String())
	assert.Equal(t, "login *** failed", tripleo.Redact("login hunter22 failed", "hunter22", "", "ab"))
}

func TestPayloadBothEnvelopes(t *testing.T) {
	var legacy tripleo.Message
	require.NoError(t, legacy.ParseBody([]byte(`{"type": "tripleo.baremetal.v1.register_or_update",
		"payload": {"status": "SUCCESS", "message": "ok", "registered_nodes": [{"uuid": "u1"}],
		"execution": {"id": "e1", "name": "tripleo.baremetal.v1.register_or_update", "root_execution_id": null,
		"input": {"nodes_json": [{"pm_password": "hunter22"}]}, "spec": {"tasks": {}}}}}`)))
	assert.Equal(t, "e1", legacy.Payload.ExecutionID)
	assert.Equal(t, "", legacy.Payload.RootExecutionID)
	assert.True(t, legacy.Payload.Belongs("e1"))
	var nodes []map[string]string
	ok, err := legacy.Payload.Decode("registered_nodes", &nodes)
	require.True(t, ok)
	require.NoError(t, err)
	assert.Equal(t, "u1", nodes[0]["uuid"])
	assert.NotContains(t, fmt.Sprintf("%+v", legacy), "hunter22", "legacy execution dict is not kept")

	var std tripleo.Message
	require.NoError(t, std.ParseBody([]byte(`{"type": "tripleo.deployment.v1.deploy_plan",
		"payload": {"status": "RUNNING", "message": ["a", {"result": "b"}], "execution_id": "c1", "root_execution_id": "r1",
		"plan_name": "overcloud", "deployment_status": "DEPLOYING", "custom": {"k": 1}}}`)))
	assert.Equal(t, "c1", std.Payload.ExecutionID)
	assert.True(t, std.Payload.Belongs("r1"))
	assert.False(t, std.Payload.Belongs("other"))
	assert.Equal(t, "a\nb", std.Payload.Message)
	assert.Equal(t, "DEPLOYING", std.Payload.DeploymentStatus)
	assert.Contains(t, std.Payload.Extra, "custom")

	var child tripleo.Message
	require.NoError(t, child.ParseBody([]byte(`{"type": "x", "payload": {"status": "SUCCESS", "message": {"status": "SUCCESS", "message": "Plan created."}}}`)))
	assert.Equal(t, "Plan created.", child.Payload.Message, "a sub-workflow's result renders as its message")

	var none tripleo.Message
	require.NoError(t, none.ParseBody([]byte(`{"type": "x", "payload": {"message": {"result": "Failed", "passwords": {"AdminPassword": "zz-secret"}}}}`)))
	assert.Equal(t, "RUNNING", none.Status(), "no status means RUNNING")
	assert.NotContains(t, none.Payload.Message, "zz-secret")
	assert.Contains(t, none.Payload.Message, "Failed")
}

func TestObjectNeverMarshalsSecrets(t *testing.T) {
	var o tripleo.Object
	require.NoError(t, json.Unmarshal([]byte(`"{\"nodes_json\": [{\"pm_password\": \"hunter22\", \"pm_addr\": \"10.0.0.1\"}]}"`), &o))
	b, err := json.Marshal(o)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "hunter22")
	assert.Contains(t, string(b), "10.0.0.1")
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", o, o, o), "hunter22")
	var back []map[string]string
	_, err = o.Decode("nodes_json", &back)
	require.NoError(t, err)
	assert.Equal(t, "hunter22", back[0]["pm_password"], "Decode gives the value itself")
}

func TestClassifyOwnsTerminalSets(t *testing.T) {
	for s, want := range map[string]tripleo.Outcome{
		"SUCCESS": tripleo.Succeeded, "ERROR": tripleo.Failed, "FAILED": tripleo.Failed, "CANCELLED": tripleo.Cancelled,
		"RUNNING": tripleo.Pending, "IDLE": tripleo.Pending, "PAUSED": tripleo.Pending, "": tripleo.Pending, "WEIRD": tripleo.Pending,
		"success": tripleo.Succeeded,
	} {
		assert.Equal(t, want, tripleo.Classify(s), s)
	}
}

func TestServerMessageForms(t *testing.T) {
	for body, want := range map[string]string{
		`{"faultcode": "Client", "faultstring": "Workflow not found [name=x]", "debuginfo": null}`:                                "Workflow not found [name=x]",
		`{"title": "Invalid API request", "description": "Malformed hexadecimal UUID."}`:                                          "Invalid API request: Malformed hexadecimal UUID.",
		`{"error": {"type": "StackExists", "message": "The Stack (s1) already exists."}, "code": 409}`:                            "The Stack (s1) already exists.",
		`{"error_message": "{\"faultcode\": \"Client\", \"faultstring\": \"Node n1 could not be found.\", \"debuginfo\": null}"}`: "Node n1 could not be found.",
		`<html><h1>Conflict</h1><p>There was a conflict</p></html>`:                                                               "Conflict There was a conflict",
	} {
		assert.Equal(t, want, tripleo.ServerMessage([]byte(body)))
	}
}

func TestNoAuthClientEndpoints(t *testing.T) {
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://m:8989", Zaqar: "http://z:8888/v2/", Ironic: "http://i:6385"})
	require.NoError(t, err)
	assert.Equal(t, "http://m:8989/v2/", c.Workflow.Endpoint)
	assert.Equal(t, "http://z:8888/", c.Messaging.Endpoint, "Zaqar endpoint is versionless")
	assert.Equal(t, "http://z:8888/v2/queues", c.Messaging.ServiceURL("v2", "queues"))
	assert.Equal(t, "admin", c.Messaging.MoreHeaders["X-Project-ID"])
	assert.Len(t, c.Messaging.MoreHeaders["Client-ID"], 36)
	assert.Equal(t, "http://i:6385/v1/", c.Baremetal.ResourceBase)
	assert.Equal(t, tripleo.IronicAPIVersion, c.Baremetal.Microversion)
	assert.Nil(t, c.ObjectStore)
	assert.ErrorIs(t, c.Need("object-store"), tripleo.ErrNoService)
	_, err = tripleo.NewNoAuthClient(tripleo.Endpoints{})
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	_, err = tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://m"}, tripleo.WithClientID("nope"))
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	_, err = tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://m"}, tripleo.WithQueue("bad queue"))
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
}

func TestClientLog(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, nil))
	assert.Same(t, l, (&tripleo.Client{Logger: l}).Log())
	var nilClient *tripleo.Client
	for _, c := range []*tripleo.Client{{}, nilClient} {
		require.NotNil(t, c.Log())
		c.Log().Error("dropped")
	}
	assert.Empty(t, buf.String())
}

func TestSeenBounded(t *testing.T) {
	s := tripleo.NewSeen(3)
	assert.True(t, s.Add("a"))
	assert.False(t, s.Add("a"))
	assert.True(t, s.Add(""))
	assert.True(t, s.Add(""))
	s.Add("b")
	s.Add("c")
	s.Add("d")
	assert.False(t, s.Has("a"), "oldest evicted")
	assert.True(t, s.Has("d"))
	assert.Equal(t, 3, s.Len())
	assert.True(t, s.Add("a"), "forgotten, so new again")

	var zero tripleo.Seen
	for i := range tripleo.DefaultSeenSize + 1 {
		zero.Add(fmt.Sprint(i))
	}
	assert.Equal(t, tripleo.DefaultSeenSize, zero.Len(), "the zero value remembers DefaultSeenSize ids")
	assert.False(t, zero.Has("0"))
}

func TestServerMessageIsBoundedAndCutBetweenCharacters(t *testing.T) {
	long := strings.Repeat("Property error: resources.Controller.properties.count: ", 12)
	msg := tripleo.ServerMessage([]byte(`{"error": {"message": "` + long + `", "type": "StackValidationFailed"}}`))
	assert.Equal(t, long[:512]+"...", msg, "a JSON message is cut like a text one")

	msg = tripleo.ServerMessage([]byte("<p>x" + strings.Repeat("€", 200) + "</p>"))
	assert.True(t, utf8.ValidString(msg), "cut inside a character: %q", msg)
	assert.Equal(t, "x"+strings.Repeat("€", 170)+"...", msg)
}
