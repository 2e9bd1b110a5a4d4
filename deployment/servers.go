package deployment

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

// DeployOnServersOpts are the inputs of tripleo.deployment.v1.deploy_on_servers.
type DeployOnServersOpts struct {
	// ServerName selects the Nova servers: "all", or those whose name contains it (required).
	ServerName string
	// ConfigName names the Heat software config (required).
	ConfigName string
	// Config is the configuration itself, e.g. a script (required).
	Config string
	// Group is the software config group (empty sends nothing: the
	// workflow's default, DefaultGroup, "script"); any group Heat's agents know (script, ansible, puppet, salt, docker-cmd, …).
	Group string
	// Queue is the Zaqar queue (empty: the Client's).
	Queue string
}

// Validate checks the options locally (*tripleo.ValidationError, joined).
func (o DeployOnServersOpts) Validate() error {
	var errs []error
	if strings.TrimSpace(o.ServerName) == "" {
		errs = append(errs, tripleo.Invalid("server name", `a server name (or "all") is required`))
	}
	if strings.TrimSpace(o.ConfigName) == "" {
		errs = append(errs, tripleo.Invalid("config name", "a config name is required"))
	}
	if strings.TrimSpace(o.Config) == "" {
		errs = append(errs, tripleo.Invalid("config", "the configuration is empty"))
	}
	if o.Group != "" && strings.TrimSpace(o.Group) != o.Group {
		errs = append(errs, tripleo.Invalid("group", "%q has surrounding spaces", o.Group))
	}
	if err := validateQueue(o.Queue); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ServerResult is one server's outcome, from the message of its
// tripleo.deployment.v1.deploy_on_server sub-workflow.
type ServerResult struct {
	// ServerUUID is the Nova server's uuid.
	ServerUUID string
	// ServerName is the Nova server's name.
	ServerName string
	// ConfigName is the software config that ran.
	ConfigName string
	// Status is the sub-workflow's message status (SUCCESS or FAILED).
	Status string
	// StatusCode is the config's exit status (deploy_status_code).
	StatusCode int
	// Stdout is the config's standard output (deploy_stdout).
	Stdout string
	// Stderr is the config's standard error (deploy_stderr).
	Stderr string
	// ExecutionID is the deploy_on_server execution.
	ExecutionID string
}

// DeployOnServers starts tripleo.deployment.v1.deploy_on_servers: the config
// is applied to each matching server by a deploy_on_server sub-workflow, which
// posts the server's status_code, stdout and stderr. The result lists them,
// one per server, sorted by server name.
//
// How the results are collected: the sub-workflows' messages are events of the
// run (their root_execution_id is the run's execution), so the run's decoder
// reads them from the run's events (tripleo.Final.Events) once the workflow
// has succeeded; a host can do the same after a failure:
// deployment.ServerResults(run.Snapshot()) tells which servers failed and why.
// Without a Notifier no message arrives and the result falls back to the
// per-server results the final message or execution output may list.
func DeployOnServers(ctx context.Context, c *tripleo.Client, opts DeployOnServersOpts) (*tripleo.Run[[]ServerResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	input := map[string]any{
		"server_name": opts.ServerName,
		"config_name": opts.ConfigName,
		"config":      opts.Config,
	}
	if opts.Group != "" { // else the workflow's default, DefaultGroup
		input["group"] = opts.Group
	}
	decode := func(f *tripleo.Final) ([]ServerResult, error) {
		out := ServerResults(f.Events)
		if len(out) == 0 {
			out = finalServerResults(f)
		}
		return out, nil
	}
	return tripleo.Start(ctx, c, WorkflowDeployOnServers, input, decode, tripleo.StartOpts{Queue: opts.Queue})
}

// ServerResults extracts the per-server results from a run's events (the
// deploy_on_server messages, recognised by their server_uuid), keeping each
// server's last non-RUNNING message, sorted by server name then uuid.
func ServerResults(events []tripleo.Event) []ServerResult {
	byUUID := map[string]ServerResult{}
	for _, ev := range events {
		if ev.Kind != tripleo.EventMessage || ev.Message == nil {
			continue
		}
		p := &ev.Message.Payload
		r, ok := serverResult(p.Extra)
		if !ok {
			continue
		}
		r.Status, r.ExecutionID = ev.Message.Status(), p.ExecutionID
		if old, seen := byUUID[r.ServerUUID]; seen && r.Status == tripleo.StatusRunning && old.Status != tripleo.StatusRunning {
			continue
		}
		byUUID[r.ServerUUID] = r
	}
	return sorted(byUUID)
}

// serverResult reads the deploy_on_server keys of a payload (or of one item
// of a with-items result).
func serverResult(m map[string]json.RawMessage) (ServerResult, bool) {
	var r ServerResult
	str := func(k string) string {
		var s string
		if raw, ok := m[k]; ok && json.Unmarshal(raw, &s) != nil {
			s = strings.Trim(string(raw), `"`)
		}
		return s
	}
	r.ServerUUID = str("server_uuid")
	if r.ServerUUID == "" || r.ServerUUID == "null" {
		return r, false
	}
	r.ServerName, r.ConfigName = str("server_name"), str("config_name")
	r.Stdout, r.Stderr = str("stdout"), str("stderr")
	if code := str("status_code"); code != "" && code != "null" {
		if n, err := strconv.ParseFloat(code, 64); err == nil {
			r.StatusCode = int(n)
		}
	}
	if s := str("status"); s != "" && s != "null" {
		r.Status = strings.ToUpper(s)
	}
	return r, true
}

// finalServerResults reads per-server results from the final message's
// "message" (the with-items results) or the execution output, when they carry
// the deploy_on_server keys.
func finalServerResults(f *tripleo.Final) []ServerResult {
	var raws []json.RawMessage
	if f.Message != nil {
		raws = append(raws, f.Message.Payload.RawMessage)
	}
	if f.Execution != nil {
		for _, k := range []string{"message", "result", "results"} {
			if raw, ok := f.Execution.Output[k]; ok {
				raws = append(raws, raw)
			}
		}
	}
	byUUID := map[string]ServerResult{}
	for _, raw := range raws {
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			continue
		}
		for _, it := range items {
			if inner, ok := it["result"]; ok {
				var m map[string]json.RawMessage
				if json.Unmarshal(inner, &m) == nil {
					it = m
				}
			}
			if r, ok := serverResult(it); ok {
				if r.Status == "" {
					r.Status = tripleo.StatusSuccess
				}
				byUUID[r.ServerUUID] = r
			}
		}
		if len(byUUID) > 0 {
			break
		}
	}
	return sorted(byUUID)
}

func sorted(byUUID map[string]ServerResult) []ServerResult {
	out := make([]ServerResult, 0, len(byUUID))
	for _, r := range byUUID {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ServerName != out[j].ServerName {
			return out[i].ServerName < out[j].ServerName
		}
		return out[i].ServerUUID < out[j].ServerUUID
	})
	return out
}
