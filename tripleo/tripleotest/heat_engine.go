package tripleotest

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The Heat engine: a stack operation (create, update, delete) is planned
// upfront as a timeline of ticks (simulated times) that one goroutine applies;
// nested stacks (template resources, ResourceGroup members) are planned
// recursively, resources start when their depends_on have completed, and the
// first failure cuts the timeline and fails every enclosing resource and stack,
// with Heat's reasons ("Resource CREATE failed: <Exc>: resources.A.resources[0]...: msg").

type stack struct {
	id, name        string
	parent          *stack
	parentRes       string
	status, reason  string
	in              heatInput
	params          map[string]any
	hidden          []string
	defs            []resDef
	resources       []*resource
	events          []*hevent
	created         time.Time
	updated         time.Time
	deleted         time.Time
	timeoutMins     int
	disableRollback bool
	tags            []string
	gen             int // operation generation of a top stack
	visible         bool
	gone            bool
}

type resource struct {
	name, typ      string
	status, reason string
	physicalID     string
	nested         *stack
	srv            *server
	created        time.Time
	updated        time.Time
	def            resDef
	up             *shape // the nested stack's new shape, during an update
}

// shape is what a nested stack is made of.
type shape struct {
	in     heatInput
	params map[string]any
	hidden []string
	defs   []resDef
}

type hevent struct {
	id       string
	seq      int64
	st       *stack
	res      string
	physical string
	status   string
	reason   string
	typ      string
	time     time.Time
}

type server struct {
	id, name, nodeUUID, flavor string
	root                       *stack
}

func (s *stack) top() *stack {
	for s.parent != nil {
		s = s.parent
	}
	return s
}

func (s *stack) inProgress() bool { return strings.HasSuffix(s.status, "_IN_PROGRESS") }

// Simulated durations of resources.
const (
	leafTime       = time.Second
	deploymentTime = 30 * time.Second
	stepGroupTime  = 90 * time.Second // a deploy step on every server of a role
	noHostTime     = 5 * time.Second
)

func isServer(impl string) bool { return impl == "OS::Nova::Server" }

func isDeployment(impl string) bool { return strings.Contains(impl, "Deployment") }

type tick struct {
	at  time.Duration
	idx int
	fn  func()
}

type failure struct {
	at    time.Duration
	idx   int
	st    *stack // the stack of the failed resource (nil for a stack timeout)
	names []string
	exc   string
	msg   string
}

type planner struct {
	u      *Undercloud
	action string
	ticks  []tick
	fail   *failure
}

func (p *planner) at(t time.Duration, fn func()) int {
	p.ticks = append(p.ticks, tick{at: t, idx: len(p.ticks), fn: fn})
	return len(p.ticks) - 1
}

func (p *planner) failed(f *failure) {
	if p.fail == nil || f.at < p.fail.at {
		p.fail = f
	}
}

func (u *Undercloud) heatBase() string { return u.srv.URL + "/heat/v1/" + u.project }

// eventLocked appends an event to st.
func (u *Undercloud) eventLocked(st *stack, res, physical, status, reason, typ string) {
	u.seq++
	st.events = append(st.events, &hevent{id: uuid.NewString(), seq: u.seq, st: st, res: res, physical: physical,
		status: status, reason: reason, typ: typ, time: now()})
}

// nestedName is Heat's name of a nested stack: <parent>-<resource>-<12 random>.
func (u *Undercloud) nestedName(parent, res string) string {
	return parent + "-" + res + "-" + u.randString(12, "abcdefghijklmnopqrstuvwxyz0123456789")
}

// nestedShape computes the nested stack of resource d of s: a ResourceGroup's
// members, or a template resource's template with d's properties as parameters.
func (u *Undercloud) nestedShape(s *stack, d resDef) shape {
	registry := asMap(s.in.env["resource_registry"])
	if d.impl == "OS::Heat::ResourceGroup" {
		members, def := groupMembers(d, s.top().name)
		impl, file, _ := mapType(asString(def["type"]), registry, s.in.files)
		for i := range members {
			members[i].impl, members[i].file = impl, file
		}
		return shape{in: heatInput{template: map[string]any{"heat_template_version": "2016-10-14"}, files: s.in.files, env: nestedEnv(s.in.env)},
			params: map[string]any{}, defs: members}
	}
	tmpl, err := parseTemplate(s.in.files[d.file])
	if err != nil {
		tmpl = map[string]any{}
	}
	sh := shape{in: heatInput{template: tmpl, files: s.in.files, env: nestedEnv(s.in.env), params: d.props}}
	sh.params, sh.hidden, _ = paramValues(tmpl, sh.in)
	sh.defs, _ = resources(tmpl, sh.params, registry, s.in.files)
	return sh
}

// newNested builds (not yet visible) the nested stack of resource d of s.
func (u *Undercloud) newNested(s *stack, d resDef) *stack {
	sh := u.nestedShape(s, d)
	return &stack{id: uuid.NewString(), name: u.nestedName(s.name, d.name), parent: s, parentRes: d.name, created: now(),
		in: sh.in, params: sh.params, hidden: sh.hidden, defs: sh.defs}
}

func nested(d resDef) bool { return d.impl == "OS::Heat::ResourceGroup" || d.file != "" }

// planCreate plans the creation (action CREATE) of stack s from t0.
func (p *planner) planCreate(s *stack, t0 time.Duration, action string) time.Duration {
	u := p.u
	p.at(t0, func() {
		s.visible, s.status, s.reason = true, action+"_IN_PROGRESS", "Stack "+action+" started"
		if action == "UPDATE" {
			s.updated = now()
		}
		u.eventLocked(s, s.name, s.id, s.status, s.reason, "")
	})
	ends := map[string]time.Duration{}
	end := t0
	for _, d := range s.defs {
		start := t0
		for _, dep := range d.dependsOn {
			if e, ok := ends[dep]; ok && e > start {
				start = e
			}
		}
		r := &resource{name: d.name, typ: d.typ, def: d, status: "INIT_COMPLETE", created: now()}
		s.resources = append(s.resources, r)
		e := p.planResource(s, r, start, "CREATE")
		ends[d.name] = e
		if e > end {
			end = e
		}
	}
	p.at(end, func() {
		s.status, s.reason = action+"_COMPLETE", "Stack "+action+" completed successfully"
		u.eventLocked(s, s.name, s.id, s.status, s.reason, "")
	})
	return end
}

// planResource plans one resource's action from start and returns its end.
func (p *planner) planResource(s *stack, r *resource, start time.Duration, action string) time.Duration {
	u := p.u
	d := r.def
	begin := func() {
		r.status, r.reason = action+"_IN_PROGRESS", "state changed"
		if action == "CREATE" {
			r.created = now()
		}
		r.updated = now()
		u.eventLocked(s, r.name, r.physicalID, r.status, r.reason, r.typ)
	}
	complete := func() {
		r.status, r.reason = action+"_COMPLETE", "state changed"
		r.updated = now()
		u.eventLocked(s, r.name, r.physicalID, r.status, r.reason, r.typ)
	}
	if nested(d) {
		if r.nested == nil {
			r.nested = u.newNested(s, d)
			r.physicalID = r.nested.id
		}
		p.at(start, begin)
		var end time.Duration
		if action == "CREATE" || r.up == nil {
			end = p.planCreate(r.nested, start, "CREATE")
		} else {
			end = p.planUpdate(r.nested, start, *r.up)
		}
		p.at(end, complete)
		return end
	}
	if r.physicalID == "" {
		r.physicalID = uuid.NewString()
	}
	dur := leafTime
	var fail *failure
	switch {
	case isServer(d.impl) && action == "CREATE":
		dur = deployTime
		if !p.planServer(s, r, start) {
			dur = noHostTime
			fail = &failure{exc: "ResourceInError", msg: `Went to status ERROR due to "Message: No valid host was found. There are not enough hosts available., Code: 500"`}
		}
	case isServer(d.impl):
		return start // an existing server is not touched by an update
	case d.impl == "OS::Heat::TestResource":
		dur = time.Duration(asInt(d.props["wait_secs"], 1)) * time.Second
		if asBool(d.props["fail"]) {
			fail = &failure{exc: "ValueError", msg: "Test Resource failed test"}
		}
	case strings.Contains(d.impl, "DeploymentGroup"):
		dur = stepGroupTime
	case isDeployment(d.impl):
		dur = deploymentTime
	}
	reason, knob := u.cfg.failResources[d.name]
	if knob {
		fail = &failure{exc: "Error", msg: reason}
	}
	if action == "UPDATE" && fail == nil && !isDeployment(d.impl) && d.impl != "OS::Heat::TestResource" {
		return start // unchanged resources of other types see no events
	}
	p.at(start, begin)
	end := start + dur
	if fail != nil {
		fail.at, fail.st, fail.names = end, s, []string{d.name}
		fail.idx = p.at(end, func() {})
		p.failed(fail)
		return end
	}
	p.at(end, complete)
	return end
}

// planServer binds an available node now (Nova's claim) and moves it through
// deploying to active along the resource's timeline; false if none is free.
func (p *planner) planServer(s *stack, r *resource, start time.Duration) bool {
	u := p.u
	flavor := asString(r.def.props["flavor"])
	var pick *node
	for _, n := range u.nodesLocked() {
		if n.provisionState != "available" || n.maintenance || n.instanceUUID != "" {
			continue
		}
		if flavor != "" && flavor != "baremetal" && !strings.Contains(asString(n.properties["capabilities"]), "profile:"+flavor) {
			continue
		}
		pick = n
		break
	}
	if pick == nil {
		return false
	}
	name := asString(r.def.props["name"])
	if name == "" {
		name = s.top().name + "-" + strings.ToLower(r.name) + "-" + s.parentRes
	}
	srv := &server{id: r.physicalID, name: name, nodeUUID: pick.uuid, flavor: flavor, root: s.top()}
	r.srv = srv
	pick.instanceUUID = srv.id
	u.servers = append(u.servers, srv)
	p.at(start, func() {
		if pick.instanceUUID == srv.id && pick.provisionState == "available" {
			pick.instanceInfo = map[string]any{"display_name": name, "image_source": "overcloud-full", "root_gb": "40"}
			u.provisionLocked(pick, "active", nil)
		}
	})
	p.at(start+deployTime, func() {
		if pick.instanceUUID == srv.id && pick.provisionState != "active" {
			pick.pending = nil
			u.enterLocked(pick, step{state: "active", apply: func(n *node) { n.powerState = "power on" }})
		}
	})
	return true
}

// planUpdate plans an update of s to shape sh.
func (p *planner) planUpdate(s *stack, t0 time.Duration, sh shape) time.Duration {
	defs := sh.defs
	u := p.u
	s.in, s.params, s.hidden = sh.in, sh.params, sh.hidden // the new registry and files shape the nested stacks
	old := map[string]*resource{}
	for _, r := range s.resources {
		old[r.name] = r
	}
	var list []*resource
	type job struct {
		r      *resource
		create bool
	}
	var jobs []job
	keep := map[string]bool{}
	for _, d := range defs {
		if r, ok := old[d.name]; ok && nested(r.def) == nested(d) && isServer(r.def.impl) == isServer(d.impl) {
			r.up = nil
			if r.nested != nil {
				child := u.nestedShape(s, d)
				r.up = &child
			}
			r.def = d
			keep[d.name] = true
			list = append(list, r)
			jobs = append(jobs, job{r, false})
			continue
		}
		r := &resource{name: d.name, typ: d.typ, def: d, status: "INIT_COMPLETE", created: now()}
		list = append(list, r)
		jobs = append(jobs, job{r, true})
	}
	var removed []*resource
	for _, r := range s.resources {
		if !keep[r.name] {
			removed = append(removed, r)
		}
	}
	p.at(t0, func() {
		s.resources = append(append([]*resource(nil), list...), removed...)
		s.visible, s.status, s.reason, s.updated = true, "UPDATE_IN_PROGRESS", "Stack UPDATE started", now()
		u.eventLocked(s, s.name, s.id, s.status, s.reason, "")
	})
	ends := map[string]time.Duration{}
	end := t0
	for _, j := range jobs {
		start := t0
		for _, dep := range j.r.def.dependsOn {
			if e, ok := ends[dep]; ok && e > start {
				start = e
			}
		}
		var e time.Duration
		if j.create {
			e = p.planResource(s, j.r, start, "CREATE")
		} else {
			e = p.planResource(s, j.r, start, "UPDATE")
		}
		ends[j.r.name] = e
		if e > end {
			end = e
		}
	}
	for i := len(removed) - 1; i >= 0; i-- {
		end = p.planDeleteResource(s, removed[i], end, true)
	}
	p.at(end, func() {
		s.status, s.reason = "UPDATE_COMPLETE", "Stack UPDATE completed successfully"
		u.eventLocked(s, s.name, s.id, s.status, s.reason, "")
	})
	return end
}

// planDelete plans the deletion of s (resources in reverse order).
func (p *planner) planDelete(s *stack, t0 time.Duration) time.Duration {
	u := p.u
	p.at(t0, func() {
		s.status, s.reason = "DELETE_IN_PROGRESS", "Stack DELETE started"
		u.eventLocked(s, s.name, s.id, s.status, s.reason, "")
	})
	end := t0
	for i := len(s.resources) - 1; i >= 0; i-- {
		end = p.planDeleteResource(s, s.resources[i], end, false)
	}
	p.at(end, func() {
		s.status, s.reason, s.deleted, s.gone = "DELETE_COMPLETE", "Stack DELETE completed successfully", now(), true
		u.eventLocked(s, s.name, s.id, s.status, s.reason, "")
	})
	return end
}

func (p *planner) planDeleteResource(s *stack, r *resource, t0 time.Duration, detach bool) time.Duration {
	u := p.u
	if r.status == "INIT_COMPLETE" {
		if detach {
			p.at(t0, func() { s.dropResource(r) })
		}
		return t0
	}
	p.at(t0, func() {
		r.status, r.reason = "DELETE_IN_PROGRESS", "state changed"
		u.eventLocked(s, r.name, r.physicalID, r.status, r.reason, r.typ)
	})
	end := t0 + leafTime
	switch {
	case r.nested != nil:
		end = p.planDelete(r.nested, t0)
	case r.srv != nil:
		srv := r.srv
		end = t0 + deleteTime
		p.at(t0, func() {
			for _, n := range u.nodesLocked() {
				if n.uuid == srv.nodeUUID && n.instanceUUID == srv.id {
					if n.provisionState == "active" || n.provisionState == "deploy failed" {
						u.provisionLocked(n, "deleted", nil)
					} else {
						n.pending = nil
						n.instanceUUID = ""
					}
				}
			}
			u.dropServer(srv)
		})
	}
	p.at(end, func() {
		r.status, r.reason = "DELETE_COMPLETE", "state changed"
		u.eventLocked(s, r.name, r.physicalID, r.status, r.reason, r.typ)
		if detach {
			s.dropResource(r)
		}
	})
	return end
}

func (s *stack) dropResource(r *resource) {
	for i, x := range s.resources {
		if x == r {
			s.resources = append(s.resources[:i:i], s.resources[i+1:]...)
			return
		}
	}
}

func (u *Undercloud) dropServer(srv *server) {
	for i, x := range u.servers {
		if x == srv {
			u.servers = append(u.servers[:i:i], u.servers[i+1:]...)
			return
		}
	}
}

// heatPath renders names (top resource down to the failed one) as Heat does:
// resources.Controller.resources[0].resources.NetworkDeployment.
func heatPath(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		if _, err := strconv.Atoi(n); err == nil {
			parts[i] = "resources[" + n + "]"
		} else {
			parts[i] = "resources." + n
		}
	}
	return strings.Join(parts, ".")
}

// finish cuts the timeline at the first failure (or the top stack's timeout)
// and adds the failure chain up to top; it returns the ticks in time order.
func (p *planner) finish(top *stack, action string, t0, end time.Duration) []tick {
	f := p.fail
	if top.timeoutMins > 0 {
		limit := t0 + time.Duration(top.timeoutMins)*time.Minute
		if end > limit && (f == nil || f.at > limit) {
			f = &failure{at: limit, idx: len(p.ticks)}
		}
	}
	ticks := p.ticks
	if f != nil {
		kept := ticks[:0]
		for _, t := range ticks {
			if t.at < f.at || (t.at == f.at && t.idx <= f.idx) {
				kept = append(kept, t)
			}
		}
		ticks = kept
		u := p.u
		var names []string
		if f.st != nil {
			names = append(names, f.names...)
			for s := f.st; s.parent != nil; s = s.parent {
				names = append([]string{s.parentRes}, names...)
			}
		}
		ticks = append(ticks, tick{at: f.at, idx: len(p.ticks) + 1, fn: func() {
			if f.st == nil {
				top.status, top.reason = action+"_FAILED", "Timed out"
				u.eventLocked(top, top.name, top.id, top.status, top.reason, "")
				return
			}
			// the failed resource, what was still in progress elsewhere
			// (aborted), then every enclosing resource and stack up to top
			onChain := map[*stack]string{}
			depth := len(names) - 1
			for s := f.st; s != nil; s = s.parent {
				onChain[s] = names[depth]
				depth--
			}
			var abort func(s *stack)
			abort = func(s *stack) {
				for _, r := range s.resources {
					if r.nested != nil {
						abort(r.nested)
					}
					if strings.HasSuffix(r.status, "_IN_PROGRESS") && onChain[s] != r.name {
						act := strings.TrimSuffix(r.status, "_IN_PROGRESS")
						r.status, r.reason, r.updated = act+"_FAILED", act+" aborted", now()
						u.eventLocked(s, r.name, r.physicalID, r.status, r.reason, r.typ)
					}
				}
				if _, chained := onChain[s]; !chained && s.inProgress() {
					act := strings.TrimSuffix(s.status, "_IN_PROGRESS")
					s.status, s.reason = act+"_FAILED", "Resource "+act+" failed: "+act+" aborted"
					u.eventLocked(s, s.name, s.id, s.status, s.reason, "")
				}
			}
			depth = len(names) - 1
			first := true
			for s := f.st; s != nil; s = s.parent {
				rname := names[depth]
				var r *resource
				for _, x := range s.resources {
					if x.name == rname {
						r = x
					}
				}
				reason := f.exc + ": " + heatPath(names[depth:]) + ": " + f.msg
				act := action
				if r != nil {
					if i := strings.Index(r.status, "_"); i > 0 && r.status != "INIT_COMPLETE" {
						act = r.status[:i]
					}
					r.status, r.reason, r.updated = act+"_FAILED", reason, now()
					u.eventLocked(s, r.name, r.physicalID, r.status, r.reason, r.typ)
				}
				if first {
					abort(top)
					first = false
				}
				sact := action
				if i := strings.Index(s.status, "_"); i > 0 {
					sact = s.status[:i]
				}
				s.status, s.reason = sact+"_FAILED", "Resource "+act+" failed: "+reason
				u.eventLocked(s, s.name, s.id, s.status, s.reason, "")
				depth--
			}
		}})
	}
	sort.SliceStable(ticks, func(i, j int) bool { return ticks[i].at < ticks[j].at })
	return ticks
}

// runTicks applies ticks at their scaled times; ticks at 0 must have been applied by the caller.
func (u *Undercloud) runTicks(top *stack, gen int, ticks []tick) {
	begin := time.Now()
	for i := 0; i < len(ticks); {
		at := ticks[i].at
		if wait := time.Until(begin.Add(time.Duration(float64(at) * u.cfg.scale))); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-u.root.Done():
				t.Stop()
				return
			}
		}
		u.mu.Lock()
		if top.gen != gen {
			u.mu.Unlock()
			return
		}
		for ; i < len(ticks) && ticks[i].at == at; i++ {
			ticks[i].fn()
		}
		u.mu.Unlock()
	}
}

// startLocked applies the ticks due at once and runs the rest in the background.
func (u *Undercloud) startLocked(top *stack, ticks []tick) {
	top.gen++
	gen := top.gen
	i := 0
	for ; i < len(ticks) && ticks[i].at == 0; i++ {
		ticks[i].fn()
	}
	rest := ticks[i:]
	if len(rest) > 0 {
		u.goTrack(func() { u.runTicks(top, gen, rest) })
	}
}
