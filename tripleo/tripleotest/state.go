package tripleotest

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

// Read access to the simulated state, for assertions. Every accessor returns
// a copy taken under the undercloud's lock.

// Node is a snapshot of an Ironic node.
type Node struct {
	UUID, Name, Driver     string
	ProvisionState         string
	TargetProvisionState   string
	PowerState             string
	LastError              string
	Maintenance            bool
	MaintenanceReason      string
	Fault                  string
	InstanceUUID           string
	ResourceClass          string
	MACs                   []string
	Properties, DriverInfo map[string]any
}

// Nodes returns the Ironic nodes in creation order.
func (u *Undercloud) Nodes() []Node {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]Node, 0, len(u.nodes))
	for _, n := range u.nodesLocked() {
		out = append(out, Node{UUID: n.uuid, Name: n.name, Driver: n.driver, ProvisionState: n.provisionState,
			TargetProvisionState: n.targetProvision, PowerState: n.powerState, LastError: n.lastError,
			Maintenance: n.maintenance, MaintenanceReason: n.maintenanceReason, Fault: n.fault, InstanceUUID: n.instanceUUID,
			ResourceClass: n.resourceClass, MACs: u.macsLocked(n), Properties: copyMap(n.properties), DriverInfo: copyMap(n.driverInfo)})
	}
	return out
}

// Node returns the node with that name or uuid.
func (u *Undercloud) Node(nameOrUUID string) (Node, bool) {
	for _, n := range u.Nodes() {
		if n.UUID == nameOrUUID || n.Name == nameOrUUID {
			return n, true
		}
	}
	return Node{}, false
}

// Containers returns the Swift container names, sorted.
func (u *Undercloud) Containers() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return sortedKeys(u.swift)
}

// Objects returns a container's objects (name → content), nil if it does not exist.
func (u *Undercloud) Objects(container string) map[string][]byte { return u.swiftObjects(container) }

// Object returns one object's content.
func (u *Undercloud) Object(container, name string) ([]byte, bool) {
	b, err := u.swiftGetObject(container, name)
	return b, err == nil
}

// ContainerMeta returns a container's metadata as headers
// (e.g. "X-Container-Meta-Usage-Tripleo": "plan"), nil if it does not exist.
func (u *Undercloud) ContainerMeta(container string) map[string]string {
	u.mu.Lock()
	defer u.mu.Unlock()
	c := u.swift[container]
	if c == nil {
		return nil
	}
	return metaCanon("X-Container-Meta-", c.meta)
}

// Plans returns the containers marked as plans (what tripleo.plan.list answers).
func (u *Undercloud) Plans() []string { return u.plans() }

// Messages returns the live messages of queue (of the undercloud's project),
// oldest first, parsed as tripleo.Message.
func (u *Undercloud) Messages(queue string) []tripleo.Message {
	u.mu.Lock()
	defer u.mu.Unlock()
	q := u.queueLocked(u.project, queue, false)
	var out []tripleo.Message
	for _, m := range liveMessages(q) {
		msg := tripleo.Message{ID: m.id, Queue: queue, Age: int(now().Sub(m.created).Seconds()), TTL: m.ttl}
		msg.ParseBody(m.body)
		out = append(out, msg)
	}
	return out
}

// Execution is a snapshot of a Mistral workflow execution.
type Execution struct {
	ID, Workflow, State, StateInfo   string
	RootExecutionID, TaskExecutionID string
	Input, Output, Params            map[string]any
	Tasks                            []string // task names in order
	Created, Updated                 time.Time
}

// Executions returns every execution (sub-workflows included) in creation order.
func (u *Undercloud) Executions() []Execution {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]Execution, 0, len(u.execs))
	for _, ex := range u.execs {
		e := Execution{ID: ex.id, Workflow: ex.wfName, State: ex.state, StateInfo: ex.stateInfo, RootExecutionID: ex.rootID,
			TaskExecutionID: ex.taskExecID, Input: copyMap(ex.input), Output: copyMap(ex.output), Params: copyMap(ex.params),
			Created: ex.created, Updated: ex.updated}
		for _, t := range ex.tasks {
			e.Tasks = append(e.Tasks, t.name)
		}
		out = append(out, e)
	}
	return out
}

// Execution returns one execution by id.
func (u *Undercloud) Execution(id string) (Execution, bool) {
	for _, e := range u.Executions() {
		if e.ID == id {
			return e, true
		}
	}
	return Execution{}, false
}

// Stack is a snapshot of a Heat stack with its resources and the events of
// it and its nested stacks, oldest first.
type Stack struct {
	ID, Name, Status, Reason string
	Parent                   string // parent stack name of a nested stack
	Parameters               map[string]any
	Resources                []Resource
	// AllResources counts the resources of the stack and of its nested stacks.
	AllResources int
	Events       []StackEvent
}

// Resource is a Heat resource.
type Resource struct {
	Name, Type, Status, Reason, PhysicalID string
	// Nested is the name of the nested stack (template resources, groups).
	Nested string
}

// StackEvent is a Heat event; Stack is the name of the (possibly nested) stack it belongs to.
type StackEvent struct {
	ID, Stack, Resource, Status, Reason string
	Time                                time.Time
}

// Stack returns the live stack of that name (or id), nested ones included.
func (u *Undercloud) Stack(name string) (Stack, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	s := u.stackLocked(name, false)
	if s == nil {
		return Stack{}, false
	}
	out := Stack{ID: s.id, Name: s.name, Status: s.status, Reason: s.reason, Parameters: copyMap(s.params)}
	if s.parent != nil {
		out.Parent = s.parent.name
	}
	for _, r := range s.resources {
		res := Resource{Name: r.name, Type: r.typ, Status: r.status, Reason: r.reason, PhysicalID: r.physicalID}
		if r.nested != nil {
			res.Nested = r.nested.name
		}
		out.Resources = append(out.Resources, res)
	}
	var count func(s *stack) int
	count = func(s *stack) int {
		n := len(s.resources)
		for _, r := range s.resources {
			if r.nested != nil {
				n += count(r.nested)
			}
		}
		return n
	}
	out.AllResources = count(s)
	var evs []*hevent
	collect(s, 99, &evs)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].seq < evs[j].seq })
	for _, e := range evs {
		out.Events = append(out.Events, StackEvent{ID: e.id, Stack: e.st.name, Resource: e.res, Status: e.status, Reason: e.reason, Time: e.time})
	}
	return out, true
}

// Stacks returns the names of the live top-level stacks.
func (u *Undercloud) Stacks() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []string
	for _, s := range u.stacks {
		if s.parent == nil && s.visible && !s.gone {
			out = append(out, s.name)
		}
	}
	return out
}

// Server is an overcloud server created by a Heat stack on an Ironic node.
type Server struct {
	ID, Name, NodeUUID string
}

// Servers returns the overcloud servers (deploy_on_servers targets them by name).
func (u *Undercloud) Servers() []Server {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []Server
	for _, s := range u.servers {
		out = append(out, Server{ID: s.id, Name: s.name, NodeUUID: s.nodeUUID})
	}
	return out
}

// Settle waits until nothing is in progress: no RUNNING execution, no stack
// *_IN_PROGRESS, no node in a transient state or with a pending power change.
func (u *Undercloud) Settle(ctx context.Context) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		if u.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (u *Undercloud) idle() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, ex := range u.execs {
		if ex.state == "RUNNING" {
			return false
		}
	}
	for _, s := range u.stacks {
		if s.visible && s.inProgress() {
			return false
		}
	}
	for _, n := range u.nodesLocked() {
		if len(n.pending) > 0 || n.powerFinal != "" || n.reservation != "" || n.targetProvision != "" && n.provisionState != "clean wait" && n.provisionState != "wait call-back" {
			return false
		}
	}
	return true
}

func newID() string { return uuid.NewString() }

// seedNodes enrolls the WithNodes nodes.
func (u *Undercloud) seedNodes() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for i, spec := range u.cfg.initialNodes {
		driver := spec.Driver
		if driver == "" {
			driver = "ipmi"
		}
		body := map[string]any{"name": spec.Name, "driver": driver, "properties": copyMap(spec.Properties), "resource_class": "baremetal",
			"driver_info": map[string]any{"ipmi_address": "192.168.24." + itoa(100+i), "ipmi_username": "admin", "ipmi_password": "password"}}
		if !strings.HasPrefix(driver, "ipmi") && driver != "pxe_ipmitool" {
			body["driver_info"] = map[string]any{}
		}
		n, _, msg := u.createNodeLocked(body)
		if n == nil {
			panic("tripleotest: WithNodes: " + msg)
		}
		for _, m := range spec.MACs {
			u.createPortLocked(map[string]any{"address": m, "node_uuid": n.uuid, "physical_network": "ctlplane"})
		}
		state := spec.State
		if state == "" {
			state = "manageable"
		}
		n.provisionState = state
		if state != "enroll" {
			n.powerState = "power off"
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
