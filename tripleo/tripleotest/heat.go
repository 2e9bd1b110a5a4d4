package tripleotest

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"go.yaml.in/yaml/v3"
)

// Heat v1 subset: stacks create (201), list,
// GET by name (302 to name/id, for sub-paths too) and by name/id, update (PUT
// and PATCH, 202), delete (204, then DELETE_COMPLETE), events (newest first;
// sort_dir, marker, limit, nested_depth with root_stack links, filters),
// resources (nested_depth), template, environment, and POST /validate.

func (u *Undercloud) heatRoutes(mux *http.ServeMux) {
	b := "/heat/v1/{project}"
	mux.HandleFunc("GET "+b+"/stacks", u.heatList)
	mux.HandleFunc("POST "+b+"/stacks", u.heatCreate)
	mux.HandleFunc("POST "+b+"/validate", u.heatValidate)
	mux.HandleFunc(b+"/stacks/{name}", u.heatLookup)
	mux.HandleFunc(b+"/stacks/{name}/{id}", u.heatStack)
	mux.HandleFunc(b+"/stacks/{name}/{id}/{sub...}", u.heatStackSub)
}

// stackLocked finds a live stack (nested ones too) by name or id; with
// byID deleted stacks are found as well (GET name/id of a deleted stack shows DELETE_COMPLETE).
func (u *Undercloud) stackLocked(nameOrID string, deleted bool) *stack {
	for i := len(u.stacks) - 1; i >= 0; i-- {
		s := u.stacks[i]
		if (s.id == nameOrID || s.name == nameOrID) && (s.visible || s.id == nameOrID) && (!s.gone || deleted && s.id == nameOrID) {
			return s
		}
	}
	return nil
}

func (u *Undercloud) registerLocked(s *stack) {
	u.stacks = append(u.stacks, s)
	for _, r := range s.resources {
		if r.nested != nil {
			u.registerLocked(r.nested)
		}
	}
}

func notFoundStack(w http.ResponseWriter, name string) {
	heatError(w, http.StatusNotFound, "EntityNotFound", "The Stack ("+name+") could not be found.")
}

func (u *Undercloud) stackURL(s *stack) string {
	return u.heatBase() + "/stacks/" + s.name + "/" + s.id
}

// heatLookup redirects /stacks/{name} to /stacks/{name}/{id}.
func (u *Undercloud) heatLookup(w http.ResponseWriter, r *http.Request) { u.redirectToStack(w, r, "") }

// redirectToStack redirects to the stack {name} (looked up by name or id)
// with suffix appended, or answers 404.
func (u *Undercloud) redirectToStack(w http.ResponseWriter, r *http.Request, suffix string) {
	u.mu.Lock()
	s := u.stackLocked(r.PathValue("name"), false)
	u.mu.Unlock()
	if s == nil {
		notFoundStack(w, r.PathValue("name"))
		return
	}
	u.redirect(w, r, u.stackURL(s)+suffix)
}

func (u *Undercloud) redirect(w http.ResponseWriter, r *http.Request, loc string) {
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", loc)
	writeJSON(w, http.StatusFound, map[string]any{
		"message": "The resource was found at <a href=\"" + loc + "\">" + loc + "</a>;\nyou should be redirected automatically.\n\n",
		"code":    "302 Found", "title": "Found",
	})
}

// stackFor resolves {name}/{id}; it answers 404 itself when there is none.
func (u *Undercloud) stackFor(w http.ResponseWriter, r *http.Request) *stack {
	name, id := r.PathValue("name"), r.PathValue("id")
	s := u.stackLocked(id, true)
	if s == nil || (s.name != name && s.id != name) {
		notFoundStack(w, name)
		return nil
	}
	return s
}

var stackSubs = map[string]bool{"events": true, "resources": true, "template": true, "environment": true, "outputs": true, "files": true}

func (u *Undercloud) heatStack(w http.ResponseWriter, r *http.Request) {
	if stackSubs[r.PathValue("id")] {
		u.redirectToStack(w, r, "/"+r.PathValue("id"))
		return
	}
	switch r.Method {
	case http.MethodGet:
		u.mu.Lock()
		defer u.mu.Unlock()
		if s := u.stackFor(w, r); s != nil {
			writeJSON(w, http.StatusOK, map[string]any{"stack": u.stackJSON(s, true)})
		}
	case http.MethodPut, http.MethodPatch:
		u.heatUpdate(w, r)
	case http.MethodDelete:
		u.mu.Lock()
		defer u.mu.Unlock()
		s := u.stackFor(w, r)
		if s == nil {
			return
		}
		if s.gone {
			notFoundStack(w, r.PathValue("name"))
			return
		}
		u.deleteStackLocked(s)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (u *Undercloud) deleteStackLocked(s *stack) {
	p := &planner{u: u, action: "DELETE"}
	end := p.planDelete(s, 0)
	ticks := p.finish(s, "DELETE", 0, end)
	u.startLocked(s, ticks)
}

func (u *Undercloud) stackJSON(s *stack, full bool) map[string]any {
	m := map[string]any{
		"id": s.id, "stack_name": s.name,
		"links":        []map[string]any{{"href": u.stackURL(s), "rel": "self"}},
		"description":  asString(s.in.template["description"]),
		"stack_status": s.status, "stack_status_reason": s.reason,
		"creation_time": heatTime(s.created), "updated_time": nullTime(heatTime, s.updated), "deletion_time": nullTime(heatTime, s.deleted),
		"stack_owner": "admin", "stack_user_project_id": u.project, "tags": s.tags,
		"parent": nil,
	}
	if s.parent != nil {
		m["parent"] = s.parent.id
	}
	if !full {
		m["project"] = u.project
		return m
	}
	if m["description"] == "" {
		m["description"] = "No description"
	}
	m["template_description"] = m["description"]
	params := map[string]any{"OS::stack_id": s.id, "OS::project_id": u.project, "OS::stack_name": s.name}
	hidden := map[string]bool{}
	for _, h := range s.hidden {
		hidden[h] = true
	}
	for k, v := range s.params {
		if hidden[k] {
			params[k] = "******"
			continue
		}
		switch t := v.(type) {
		case []any:
			params[k] = strings.Join(asStrings(t), ",")
		case map[string]any:
			params[k] = jsonString(t)
		default:
			params[k] = asString(v)
		}
	}
	m["parameters"] = params
	m["notification_topics"] = []any{}
	m["capabilities"] = []any{}
	m["disable_rollback"] = s.disableRollback
	m["timeout_mins"] = nil
	if s.timeoutMins > 0 {
		m["timeout_mins"] = s.timeoutMins
	}
	outs := []map[string]any{}
	if strings.HasSuffix(s.status, "_COMPLETE") && !s.gone {
		decl := asMap(s.in.template["outputs"])
		for _, k := range sortedKeys(decl) {
			o := asMap(decl[k])
			outs = append(outs, map[string]any{"output_key": k, "output_value": resolve(o["value"], s.params), "description": orDefault(asString(o["description"]), "No description given")})
		}
	}
	m["outputs"] = outs
	return m
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (u *Undercloud) heatList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	showNested := q.Get("show_nested") == "true"
	u.mu.Lock()
	out := []map[string]any{}
	for _, s := range u.stacks {
		if !s.visible || s.gone || (s.parent != nil && !showNested) {
			continue
		}
		if n := q.Get("stack_name"); n != "" && n != s.name {
			continue
		}
		if n := q.Get("name"); n != "" && n != s.name {
			continue
		}
		if st := q.Get("status"); st != "" && !strings.HasSuffix(s.status, "_"+st) && st != s.status {
			continue
		}
		out = append(out, u.stackJSON(s, false))
	}
	u.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"stacks": out})
}

// stackRequest reads a create or update body.
func stackRequest(r *http.Request) (map[string]any, heatInput, error) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		return nil, heatInput{}, fmt.Errorf("The request body is not valid JSON.")
	}
	in := heatInput{files: map[string]string{}, env: map[string]any{}, params: asMap(body["parameters"])}
	for k, v := range asMap(body["files"]) {
		in.files[k] = asString(v)
	}
	if body["template"] != nil {
		t, err := parseTemplate(body["template"])
		if err != nil {
			return nil, in, fmt.Errorf("Error parsing template: %v", err)
		}
		in.template = t
	}
	for _, f := range asStrings(body["environment_files"]) {
		var e map[string]any
		if err := yaml.Unmarshal([]byte(in.files[f]), &e); err == nil {
			in.env = mergeEnv(in.env, normalize(e).(map[string]any))
		}
	}
	switch e := body["environment"].(type) {
	case map[string]any:
		in.env = mergeEnv(in.env, e)
	case string:
		var m map[string]any
		if err := yaml.Unmarshal([]byte(e), &m); err == nil && m != nil {
			in.env = mergeEnv(in.env, normalize(m).(map[string]any))
		}
	}
	if in.params == nil {
		in.params = map[string]any{}
	}
	return body, in, nil
}

func (u *Undercloud) heatCreate(w http.ResponseWriter, r *http.Request) {
	body, in, err := stackRequest(r)
	if err != nil {
		heatError(w, http.StatusBadRequest, "HTTPBadRequest", err.Error())
		return
	}
	name := asString(body["stack_name"])
	u.mu.Lock()
	s, status, typ, msg := u.createStackLocked(name, in, asInt(body["timeout_mins"], 0), asBool(body["disable_rollback"]))
	u.mu.Unlock()
	if s == nil {
		heatError(w, status, typ, msg)
		return
	}
	w.Header().Set("Location", u.stackURL(s))
	writeJSON(w, http.StatusCreated, map[string]any{"stack": map[string]any{"id": s.id, "links": []map[string]any{{"href": u.stackURL(s), "rel": "self"}}}})
}

var stackNameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$`)

// createStackLocked validates and starts a stack create; on refusal it returns Heat's status, type and message.
func (u *Undercloud) createStackLocked(name string, in heatInput, timeout int, disableRollback bool) (*stack, int, string, string) {
	if !stackNameRE.MatchString(name) {
		return nil, 400, "StackValidationFailed", "Invalid stack name " + name + " must contain only alphanumeric or \"_-.\" characters, must start with alpha and must be 255 characters or less."
	}
	if u.stackLocked(name, false) != nil {
		return nil, 409, "StackExists", "The Stack (" + name + ") already exists."
	}
	if in.template == nil {
		return nil, 400, "HTTPBadRequest", "No template specified"
	}
	if err := validateStack(in, 0, true); err != nil {
		return nil, 400, "StackValidationFailed", err.Error()
	}
	params, hidden, _ := paramValues(in.template, in)
	defs, _ := resources(in.template, params, asMap(in.env["resource_registry"]), in.files)
	s := &stack{id: uuid.NewString(), name: name, in: in, params: params, hidden: hidden, defs: defs, created: now(),
		timeoutMins: timeout, disableRollback: disableRollback, tags: []string{}}
	p := &planner{u: u, action: "CREATE"}
	end := p.planCreate(s, 0, "CREATE")
	ticks := p.finish(s, "CREATE", 0, end)
	u.registerLocked(s)
	u.startLocked(s, ticks)
	return s, 201, "", ""
}

func (u *Undercloud) heatUpdate(w http.ResponseWriter, r *http.Request) {
	body, in, err := stackRequest(r)
	if err != nil {
		heatError(w, http.StatusBadRequest, "HTTPBadRequest", err.Error())
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	s := u.stackFor(w, r)
	if s == nil {
		return
	}
	status, typ, msg := u.updateStackLocked(s, in, r.Method == http.MethodPatch || asBool(body["existing"]), asInt(body["timeout_mins"], 0))
	if msg != "" {
		heatError(w, status, typ, msg)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"message": "The request is accepted for processing.<br /><br />\n\n\n", "code": "202 Accepted", "title": "Accepted"})
}

// updateStackLocked starts an update; existing (PATCH) keeps what the request leaves out.
func (u *Undercloud) updateStackLocked(s *stack, in heatInput, existing bool, timeout int) (int, string, string) {
	if s.gone {
		return 404, "EntityNotFound", "The Stack (" + s.name + ") could not be found."
	}
	if s.inProgress() {
		return 409, "ActionInProgress", "Stack " + s.name + " already has an action (" + strings.TrimSuffix(s.status, "_IN_PROGRESS") + ") in progress."
	}
	if existing {
		if in.template == nil {
			in.template = s.in.template
		}
		files := map[string]string{}
		for k, v := range s.in.files {
			files[k] = v
		}
		for k, v := range in.files {
			files[k] = v
		}
		in.files = files
		in.env = mergeEnv(s.in.env, in.env)
		params := copyMap(s.in.params)
		for k, v := range in.params {
			params[k] = v
		}
		in.params = params
	}
	if in.template == nil {
		return 400, "HTTPBadRequest", "No template specified"
	}
	if err := validateStack(in, 0, true); err != nil {
		return 400, "StackValidationFailed", err.Error()
	}
	if timeout > 0 {
		s.timeoutMins = timeout
	}
	params, hidden, _ := paramValues(in.template, in)
	defs, _ := resources(in.template, params, asMap(in.env["resource_registry"]), in.files)
	p := &planner{u: u, action: "UPDATE"}
	end := p.planUpdate(s, 0, shape{in: in, params: params, hidden: hidden, defs: defs})
	ticks := p.finish(s, "UPDATE", 0, end)
	u.startLocked(s, ticks)
	for _, r := range s.resources {
		if r.nested != nil {
			u.registerNew(r.nested)
		}
	}
	return 202, "", ""
}

// registerNew registers nested stacks created by an update.
func (u *Undercloud) registerNew(s *stack) {
	for _, x := range u.stacks {
		if x == s {
			for _, r := range s.resources {
				if r.nested != nil {
					u.registerNew(r.nested)
				}
			}
			return
		}
	}
	u.registerLocked(s)
}

func (u *Undercloud) heatValidate(w http.ResponseWriter, r *http.Request) {
	_, in, err := stackRequest(r)
	if err != nil {
		heatError(w, http.StatusBadRequest, "HTTPBadRequest", err.Error())
		return
	}
	if in.template == nil {
		heatError(w, http.StatusBadRequest, "HTTPBadRequest", "No template specified")
		return
	}
	tree, err := validateTree(in)
	if err != nil {
		heatError(w, http.StatusBadRequest, "HTTPBadRequest", err.Error())
		return
	}
	if r.URL.Query().Get("show_nested") != "true" {
		delete(tree, "NestedParameters")
	}
	writeJSON(w, http.StatusOK, tree)
}

// heatStackSub serves events, resources, template and environment of a stack.
func (u *Undercloud) heatStackSub(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	s := u.stackFor(w, r)
	if s == nil {
		return
	}
	sub := strings.Split(r.PathValue("sub"), "/")
	switch {
	case sub[0] == "events" && len(sub) == 1:
		u.heatEvents(w, r, s, "")
	case sub[0] == "resources" && len(sub) == 1:
		u.heatResources(w, r, s)
	case sub[0] == "resources" && len(sub) == 2:
		for _, res := range s.resources {
			if res.name == sub[1] {
				writeJSON(w, http.StatusOK, map[string]any{"resource": u.resourceJSON(s, res, false)})
				return
			}
		}
		heatError(w, http.StatusNotFound, "EntityNotFound", "The Resource ("+sub[1]+") could not be found.")
	case sub[0] == "resources" && len(sub) == 3 && sub[2] == "events":
		u.heatEvents(w, r, s, sub[1])
	case sub[0] == "template":
		writeJSON(w, http.StatusOK, s.in.template)
	case sub[0] == "environment":
		env := copyMap(s.in.env)
		for _, k := range []string{"parameters", "parameter_defaults", "resource_registry"} {
			if env[k] == nil {
				env[k] = map[string]any{}
			}
		}
		env["event_sinks"] = []any{}
		writeJSON(w, http.StatusOK, env)
	default:
		heatError(w, http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
	}
}

// collect gathers s's events and those of its nested stacks down to depth.
func collect(s *stack, depth int, out *[]*hevent) {
	*out = append(*out, s.events...)
	if depth <= 0 {
		return
	}
	for _, r := range s.resources {
		if r.nested != nil {
			collect(r.nested, depth-1, out)
		}
	}
}

func (u *Undercloud) heatEvents(w http.ResponseWriter, r *http.Request, s *stack, resName string) {
	q := r.URL.Query()
	depth := asInt(q.Get("nested_depth"), 0)
	var evs []*hevent
	collect(s, depth, &evs)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].seq < evs[j].seq })
	if q.Get("sort_dir") != "asc" {
		for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
			evs[i], evs[j] = evs[j], evs[i]
		}
	}
	filter := func(key string, get func(e *hevent) string) {
		vals := q[key]
		if len(vals) == 0 {
			return
		}
		kept := evs[:0]
		for _, e := range evs {
			for _, v := range vals {
				if get(e) == v {
					kept = append(kept, e)
					break
				}
			}
		}
		evs = kept
	}
	if resName != "" {
		kept := evs[:0]
		for _, e := range evs {
			if e.res == resName && e.st == s {
				kept = append(kept, e)
			}
		}
		evs = kept
	}
	filter("resource_name", func(e *hevent) string { return e.res })
	filter("resource_type", func(e *hevent) string { return e.typ })
	filter("resource_action", func(e *hevent) string { a, _, _ := strings.Cut(e.status, "_"); return a })
	filter("resource_status", func(e *hevent) string {
		_, st, _ := strings.Cut(e.status, "_")
		return st
	})
	if m := q.Get("marker"); m != "" {
		for i, e := range evs {
			if e.id == m {
				evs = evs[i+1:]
				break
			}
		}
	}
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l >= 0 && l < len(evs) {
		evs = evs[:l]
	}
	out := make([]map[string]any, len(evs))
	for i, e := range evs {
		out[i] = u.eventJSON(e, depth > 0)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out})
}

func (u *Undercloud) eventJSON(e *hevent, rootLink bool) map[string]any {
	su := u.stackURL(e.st)
	res := su + "/resources/" + url.PathEscape(e.res)
	links := []map[string]any{
		{"href": res + "/events/" + e.id, "rel": "self"},
		{"href": res, "rel": "resource"},
		{"href": su, "rel": "stack"},
	}
	if rootLink {
		links = append(links, map[string]any{"href": u.stackURL(e.st.top()), "rel": "root_stack"})
	}
	return map[string]any{
		"id": e.id, "links": links, "event_time": heatTime(e.time),
		"logical_resource_id": e.res, "resource_name": e.res, "physical_resource_id": e.physical,
		"resource_status": e.status, "resource_status_reason": e.reason,
	}
}

func (u *Undercloud) heatResources(w http.ResponseWriter, r *http.Request, s *stack) {
	depth := asInt(r.URL.Query().Get("nested_depth"), 0)
	var out []map[string]any
	var walk func(st *stack, d int)
	walk = func(st *stack, d int) {
		for _, res := range st.resources {
			out = append(out, u.resourceJSON(st, res, st != s))
			if res.nested != nil && d > 0 {
				walk(res.nested, d-1)
			}
		}
	}
	walk(s, depth)
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"resources": out})
}

func (u *Undercloud) resourceJSON(s *stack, r *resource, nested bool) map[string]any {
	su := u.stackURL(s)
	links := []map[string]any{{"href": su + "/resources/" + url.PathEscape(r.name), "rel": "self"}, {"href": su, "rel": "stack"}}
	if r.nested != nil {
		links = append(links, map[string]any{"href": u.stackURL(r.nested), "rel": "nested"})
	}
	m := map[string]any{
		"resource_name": r.name, "logical_resource_id": r.name, "physical_resource_id": r.physicalID,
		"resource_status": r.status, "resource_status_reason": r.reason, "resource_type": r.typ,
		"creation_time": heatTime(r.created), "updated_time": heatTime(r.updated), "links": links, "required_by": []any{},
	}
	if nested && s.parent != nil {
		m["parent_resource"] = s.parentRes
	}
	return m
}
