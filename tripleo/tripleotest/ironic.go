package tripleotest

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Ironic v1 subset: nodes (create in enroll,
// list/detail with filters and paging, get by uuid or name, JSON-patch,
// delete), ports (create, list/detail with node/address filters, get,
// delete), provision state machine (ironic_states.go), power, maintenance,
// states and validate. Errors are Ironic's double-encoded error_message.
// Microversions 1.1 to 1.82 are accepted; "fault" is shown from 1.42.

type node struct {
	uuid, name, driver string
	driverInfo         map[string]any
	properties         map[string]any
	extra              map[string]any
	instanceInfo       map[string]any
	resourceClass      string
	interfaces         map[string]string
	provisionState     string
	targetProvision    string
	powerState         string
	targetPower        string
	lastError          string
	maintenance        bool
	maintenanceReason  string
	fault              string
	reservation        string
	instanceUUID       string
	cleanStep          map[string]any
	created, updated   time.Time
	provisionUpdated   time.Time
	inspectStarted     time.Time
	inspectFinished    time.Time
	pending            []pendingStep // the rest of a provision progression, by real deadline
	powerAt            time.Time     // when a pending power change lands
	powerFinal         string
}

// pendingStep is a step of a progression due at a real time: node state is
// computed from the clock when read (syncLocked), so no goroutine drives it
// and a late reader never sees a stale state.
type pendingStep struct {
	at time.Time
	st step
}

type port struct {
	uuid, address, nodeUUID string
	pxeEnabled              bool
	physicalNetwork         string
	llc                     map[string]any
	extra                   map[string]any
	created                 time.Time
}

const (
	ironicMinVersion = "1.1"
	ironicMaxVersion = "1.82"
	conductorHost    = "undercloud-conductor"
)

var ifaceNames = []string{"boot", "console", "deploy", "inspect", "management", "network", "power", "raid", "storage", "vendor"}

func (u *Undercloud) ironicRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ironic/v1", u.ironic(func(w http.ResponseWriter, r *http.Request, _ float64) {
		writeJSON(w, 200, map[string]any{"id": "v1", "status": "CURRENT", "min_version": ironicMinVersion, "version": ironicMaxVersion})
	}))
	mux.HandleFunc("GET /ironic/v1/nodes", u.ironic(u.ironicListNodes))
	mux.HandleFunc("GET /ironic/v1/nodes/detail", u.ironic(u.ironicListNodes))
	mux.HandleFunc("POST /ironic/v1/nodes", u.ironic(u.ironicCreateNode))
	mux.HandleFunc("GET /ironic/v1/nodes/{id}", u.ironic(u.ironicGetNode))
	mux.HandleFunc("PATCH /ironic/v1/nodes/{id}", u.ironic(u.ironicPatchNode))
	mux.HandleFunc("DELETE /ironic/v1/nodes/{id}", u.ironic(u.ironicDeleteNode))
	mux.HandleFunc("PUT /ironic/v1/nodes/{id}/states/provision", u.ironic(u.ironicProvision))
	mux.HandleFunc("PUT /ironic/v1/nodes/{id}/states/power", u.ironic(u.ironicPower))
	mux.HandleFunc("GET /ironic/v1/nodes/{id}/states", u.ironic(u.ironicStates))
	mux.HandleFunc("GET /ironic/v1/nodes/{id}/validate", u.ironic(u.ironicValidate))
	mux.HandleFunc("PUT /ironic/v1/nodes/{id}/maintenance", u.ironic(u.ironicMaintenance))
	mux.HandleFunc("DELETE /ironic/v1/nodes/{id}/maintenance", u.ironic(u.ironicMaintenance))
	mux.HandleFunc("GET /ironic/v1/nodes/{id}/ports", u.ironic(u.ironicListPorts))
	mux.HandleFunc("GET /ironic/v1/ports", u.ironic(u.ironicListPorts))
	mux.HandleFunc("GET /ironic/v1/ports/detail", u.ironic(u.ironicListPorts))
	mux.HandleFunc("POST /ironic/v1/ports", u.ironic(u.ironicCreatePort))
	mux.HandleFunc("GET /ironic/v1/ports/{id}", u.ironic(u.ironicGetPort))
	mux.HandleFunc("DELETE /ironic/v1/ports/{id}", u.ironic(u.ironicDeletePort))
}

func ironicHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-OpenStack-Ironic-API-Minimum-Version", ironicMinVersion)
	h.Set("X-OpenStack-Ironic-API-Maximum-Version", ironicMaxVersion)
}

func parseVersion(s string) (float64, bool) {
	maj, min, ok := strings.Cut(strings.TrimSpace(s), ".")
	if !ok || maj != "1" {
		return 0, false
	}
	n, err := strconv.Atoi(min)
	if err != nil {
		return 0, false
	}
	return float64(n), true
}

// ironic checks the microversion header (X-OpenStack-Ironic-API-Version or
// OpenStack-API-Version: baremetal x.y) and passes its minor number on.
func (u *Undercloud) ironic(h func(http.ResponseWriter, *http.Request, float64)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := r.Header.Get("X-OpenStack-Ironic-API-Version")
		if v == "" {
			if s, ok := strings.CutPrefix(r.Header.Get("OpenStack-API-Version"), "baremetal "); ok {
				v = s
			}
		}
		minor := 1.0
		switch v {
		case "":
		case "latest":
			minor, _ = parseVersion(ironicMaxVersion)
		default:
			m, ok := parseVersion(v)
			max, _ := parseVersion(ironicMaxVersion)
			if !ok || m > max {
				ironicError(w, http.StatusNotAcceptable, fmt.Sprintf("Version %s was requested but the minor version is not supported by this service. The supported version range is: [%s, %s].", v, ironicMinVersion, ironicMaxVersion))
				return
			}
			minor = m
		}
		ironicHeaders(w)
		w.Header().Set("X-OpenStack-Ironic-API-Version", fmt.Sprintf("1.%d", int(minor)))
		h(w, r, minor)
	}
}

// nodeLocked finds a node by uuid or name.
func (u *Undercloud) nodeLocked(id string) *node {
	for _, n := range u.nodesLocked() {
		if n.uuid == id || (n.name != "" && n.name == id) {
			return n
		}
	}
	return nil
}

// pathNodeLocked returns the node the request's {id} names (uuid or name),
// or answers 404 and returns nil; u.mu is held.
func (u *Undercloud) pathNodeLocked(w http.ResponseWriter, r *http.Request) *node {
	n := u.nodeLocked(r.PathValue("id"))
	if n == nil {
		ironicError(w, http.StatusNotFound, "Node "+r.PathValue("id")+" could not be found.")
	}
	return n
}

// readIronicBody decodes the request body into v, or answers Ironic's 400
// and returns false.
func readIronicBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := readJSON(r, v); err != nil {
		ironicError(w, http.StatusBadRequest, "Invalid data in request body")
		return false
	}
	return true
}

func (u *Undercloud) nodeLink(uuid string) []map[string]any {
	return []map[string]any{
		{"href": u.srv.URL + "/ironic/v1/nodes/" + uuid, "rel": "self"},
		{"href": u.srv.URL + "/ironic/nodes/" + uuid, "rel": "bookmark"},
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// maskDriverInfo hides passwords as the Ironic API does ("******").
func maskDriverInfo(di map[string]any) map[string]any {
	out := copyMap(di)
	for k, v := range out {
		if strings.HasSuffix(k, "password") && v != nil && v != "" {
			out[k] = "******"
		}
	}
	return out
}

// nodeJSON renders a node at microversion minor (all fields).
func (u *Undercloud) nodeJSON(n *node, minor float64) map[string]any {
	m := map[string]any{
		"uuid": n.uuid, "name": nullable(n.name), "driver": n.driver,
		"driver_info": maskDriverInfo(n.driverInfo), "driver_internal_info": map[string]any{},
		"properties": copyMap(n.properties), "extra": copyMap(n.extra), "instance_info": copyMap(n.instanceInfo),
		"instance_uuid": nullable(n.instanceUUID), "chassis_uuid": nil,
		"provision_state": n.provisionState, "target_provision_state": nullable(n.targetProvision),
		"power_state": nullable(n.powerState), "target_power_state": nullable(n.targetPower),
		"last_error": nullable(n.lastError), "maintenance": n.maintenance, "maintenance_reason": nullable(n.maintenanceReason),
		"reservation": nullable(n.reservation), "resource_class": nullable(n.resourceClass),
		"console_enabled": false, "clean_step": copyMap(n.cleanStep), "raid_config": map[string]any{}, "target_raid_config": map[string]any{},
		"created_at": ironicTime(n.created), "updated_at": nullTime(ironicTime, n.updated), "provision_updated_at": nullTime(ironicTime, n.provisionUpdated),
		"inspection_started_at": nullTime(ironicTime, n.inspectStarted), "inspection_finished_at": nullTime(ironicTime, n.inspectFinished),
		"links": u.nodeLink(n.uuid),
	}
	for _, i := range ifaceNames {
		m[i+"_interface"] = n.interfaces[i]
	}
	for _, sub := range []string{"ports", "states", "portgroups", "volume"} {
		m[sub] = []map[string]any{
			{"href": u.srv.URL + "/ironic/v1/nodes/" + n.uuid + "/" + sub, "rel": "self"},
			{"href": u.srv.URL + "/ironic/nodes/" + n.uuid + "/" + sub, "rel": "bookmark"},
		}
	}
	if minor >= 42 {
		m["fault"] = nullable(n.fault)
	}
	return m
}

var nodeBasic = []string{"uuid", "name", "instance_uuid", "power_state", "provision_state", "maintenance", "links"}

func project(m map[string]any, fields []string) map[string]any {
	out := map[string]any{"links": m["links"]}
	for _, f := range fields {
		if v, ok := m[f]; ok {
			out[f] = v
		}
	}
	return out
}

// fieldsOf validates ?fields= against the rendered fields (406 "Request not acceptable." otherwise, as the lab showed).
func fieldsOf(r *http.Request, sample map[string]any) ([]string, bool) {
	s := r.URL.Query().Get("fields")
	if s == "" {
		return nil, true
	}
	fs := strings.Split(s, ",")
	for _, f := range fs {
		if _, ok := sample[f]; !ok {
			return nil, false
		}
	}
	return fs, true
}

func (u *Undercloud) ironicListNodes(w http.ResponseWriter, r *http.Request, minor float64) {
	q := r.URL.Query()
	detail := strings.HasSuffix(r.URL.Path, "/detail")
	u.mu.Lock()
	var rows []map[string]any
	for _, n := range u.nodesLocked() {
		if s := q.Get("maintenance"); s != "" && asBool(s) != n.maintenance {
			continue
		}
		if s := q.Get("associated"); s != "" && asBool(s) != (n.instanceUUID != "") {
			continue
		}
		if s := q.Get("provision_state"); s != "" && s != n.provisionState {
			continue
		}
		if s := q.Get("driver"); s != "" && s != n.driver {
			continue
		}
		if s := q.Get("resource_class"); s != "" && s != n.resourceClass {
			continue
		}
		if s := q.Get("instance_uuid"); s != "" && s != n.instanceUUID {
			continue
		}
		rows = append(rows, u.nodeJSON(n, minor))
	}
	u.mu.Unlock()
	var fields []string
	if len(rows) > 0 {
		var ok bool
		if fields, ok = fieldsOf(r, rows[0]); !ok {
			ironicError(w, http.StatusNotAcceptable, "Request not acceptable.")
			return
		}
	}
	if fields == nil && !detail {
		fields = nodeBasic
	}
	page, next := ironicPage(rows, q)
	out := make([]map[string]any, len(page))
	for i, m := range page {
		if fields != nil {
			m = project(m, fields)
		}
		out[i] = m
	}
	body := map[string]any{"nodes": out}
	if next != "" {
		body["next"] = u.srv.URL + r.URL.Path + "?" + next
	}
	writeJSON(w, http.StatusOK, body)
}

// ironicPage applies marker (uuid) and limit; next is the query of the following page.
func ironicPage(rows []map[string]any, q map[string][]string) ([]map[string]any, string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if m := get("marker"); m != "" {
		for i, r := range rows {
			if r["uuid"] == m {
				rows = rows[i+1:]
				break
			}
		}
	}
	limit := 1000
	if l, err := strconv.Atoi(get("limit")); err == nil && l > 0 && l < limit {
		limit = l
	}
	if len(rows) <= limit {
		if get("limit") != "" && len(rows) == limit && len(rows) > 0 {
			return rows, fmt.Sprintf("limit=%d&marker=%s", limit, rows[len(rows)-1]["uuid"])
		}
		return rows, ""
	}
	rows = rows[:limit]
	return rows, fmt.Sprintf("limit=%d&marker=%s", limit, rows[len(rows)-1]["uuid"])
}

func (u *Undercloud) ironicGetNode(w http.ResponseWriter, r *http.Request, minor float64) {
	u.mu.Lock()
	n := u.nodeLocked(r.PathValue("id"))
	var m map[string]any
	if n != nil {
		m = u.nodeJSON(n, minor)
	}
	u.mu.Unlock()
	if n == nil {
		ironicError(w, http.StatusNotFound, "Node "+r.PathValue("id")+" could not be found.")
		return
	}
	fields, ok := fieldsOf(r, m)
	if !ok {
		ironicError(w, http.StatusNotAcceptable, "Request not acceptable.")
		return
	}
	if fields != nil {
		m = project(m, fields)
	}
	writeJSON(w, http.StatusOK, m)
}

var nodeNameRE = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9\-._~]*[a-zA-Z0-9])?$`)

var knownDrivers = map[string]bool{
	"ipmi": true, "pxe_ipmitool": true, "agent_ipmitool": true, "redfish": true, "idrac": true, "pxe_drac": true,
	"ilo": true, "pxe_ilo": true, "irmc": true, "pxe_irmc": true, "fake": true, "fake_pxe": true, "fake_agent": true,
	"fake-hardware": true, "manual-management": true, "staging-ovirt": true, "cisco-ucs-managed": true, "pxe_ucs": true,
	"xclarity": true, "staging-wol": true, "pxe_wol": true, "staging-iboot": true, "pxe_iboot": true, "staging-amt": true, "pxe_amt": true,
}

// createNodeLocked validates and stores a new node in "enroll".
func (u *Undercloud) createNodeLocked(body map[string]any) (*node, int, string) {
	name := asString(body["name"])
	if name != "" {
		if !nodeNameRE.MatchString(name) {
			return nil, 400, fmt.Sprintf("Cannot create node with invalid name '%s'", name)
		}
		if u.nodeLocked(name) != nil {
			return nil, 409, "A node with name " + name + " already exists."
		}
	}
	driver := asString(body["driver"])
	if driver == "" {
		return nil, 400, "Invalid input for field/attribute driver. Value: 'None'. Mandatory field missing."
	}
	if !knownDrivers[driver] {
		return nil, 400, "Could not find the following driver(s) or hardware type(s): " + driver + "."
	}
	id := asString(body["uuid"])
	if id == "" {
		id = uuid.NewString()
	} else if u.nodeLocked(id) != nil {
		return nil, 409, "A node with UUID " + id + " already exists."
	}
	n := &node{
		uuid: id, name: name, driver: driver,
		driverInfo: copyMap(asMap(body["driver_info"])), properties: copyMap(asMap(body["properties"])),
		extra: copyMap(asMap(body["extra"])), instanceInfo: map[string]any{},
		resourceClass: asString(body["resource_class"]), interfaces: map[string]string{},
		provisionState: "enroll", created: now(),
	}
	for _, i := range ifaceNames {
		v := asString(body[i+"_interface"])
		if v == "" {
			v = defaultInterface(driver, i)
		}
		n.interfaces[i] = v
	}
	u.nodes = append(u.nodes, n)
	return n, 201, ""
}

func defaultInterface(driver, iface string) string {
	if strings.HasPrefix(driver, "fake") {
		if iface == "network" || iface == "storage" {
			return "noop"
		}
		return "fake"
	}
	switch iface {
	case "boot":
		return "pxe"
	case "console", "raid", "vendor":
		return "no-" + iface
	case "deploy":
		return "iscsi"
	case "inspect":
		return "inspector"
	case "management", "power":
		if driver == "pxe_ipmitool" {
			return "ipmitool"
		}
		return driver
	case "network":
		return "flat"
	case "storage":
		return "noop"
	}
	return ""
}

func (u *Undercloud) ironicCreateNode(w http.ResponseWriter, r *http.Request, minor float64) {
	u.ironicCreate(w, r, func(body map[string]any) (string, map[string]any, int, string) {
		n, status, msg := u.createNodeLocked(body)
		if n == nil {
			return "", nil, status, msg
		}
		return "nodes/" + n.uuid, u.nodeJSON(n, minor), 0, ""
	})
}

// ironicCreate answers a POST creating an Ironic resource: create runs with
// u.mu held and returns the new resource's path below /v1 and its JSON, or
// the error status and message; the answer is 201 with a Location.
func (u *Undercloud) ironicCreate(w http.ResponseWriter, r *http.Request, create func(body map[string]any) (path string, doc map[string]any, status int, msg string)) {
	var body map[string]any
	if !readIronicBody(w, r, &body) {
		return
	}
	u.mu.Lock()
	path, doc, status, msg := create(body)
	u.mu.Unlock()
	if doc == nil {
		ironicError(w, status, msg)
		return
	}
	w.Header().Set("Location", u.srv.URL+"/ironic/v1/"+path)
	writeJSON(w, http.StatusCreated, doc)
}

// patchable renders the node fields JSON-patch can change.
func patchable(n *node) map[string]any {
	m := map[string]any{
		"name": nullable(n.name), "driver": n.driver, "driver_info": copyMap(n.driverInfo), "properties": copyMap(n.properties),
		"extra": copyMap(n.extra), "instance_info": copyMap(n.instanceInfo), "instance_uuid": nullable(n.instanceUUID),
		"resource_class": nullable(n.resourceClass), "maintenance": n.maintenance, "maintenance_reason": nullable(n.maintenanceReason),
	}
	for _, i := range ifaceNames {
		m[i+"_interface"] = n.interfaces[i]
	}
	return m
}

func (u *Undercloud) ironicPatchNode(w http.ResponseWriter, r *http.Request, minor float64) {
	var ops []map[string]any
	if !readIronicBody(w, r, &ops) {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.pathNodeLocked(w, r)
	if n == nil {
		return
	}
	if n.reservation != "" {
		ironicError(w, http.StatusConflict, lockedMsg(n))
		return
	}
	doc := patchable(n)
	if msg := applyPatch(doc, ops); msg != "" {
		ironicError(w, http.StatusBadRequest, msg)
		return
	}
	if name := asString(doc["name"]); name != n.name && name != "" {
		if o := u.nodeLocked(name); o != nil && o != n {
			ironicError(w, http.StatusConflict, "A node with name "+name+" already exists.")
			return
		}
	}
	n.name, n.driver = asString(doc["name"]), asString(doc["driver"])
	n.driverInfo, n.properties = copyMap(asMap(doc["driver_info"])), copyMap(asMap(doc["properties"]))
	n.extra, n.instanceInfo = copyMap(asMap(doc["extra"])), copyMap(asMap(doc["instance_info"]))
	n.instanceUUID, n.resourceClass = asString(doc["instance_uuid"]), asString(doc["resource_class"])
	n.maintenance, n.maintenanceReason = asBool(doc["maintenance"]), asString(doc["maintenance_reason"])
	for _, i := range ifaceNames {
		n.interfaces[i] = asString(doc[i+"_interface"])
	}
	n.updated = now()
	writeJSON(w, http.StatusOK, u.nodeJSON(n, minor))
}

// applyPatch applies RFC 6902 add/replace/remove ops (paths under known fields).
func applyPatch(doc map[string]any, ops []map[string]any) string {
	for _, op := range ops {
		p := asString(op["path"])
		parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
		for i := range parts {
			parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(parts[i])
		}
		if _, ok := doc[parts[0]]; !ok {
			return "Adding a new attribute (" + p + ") to the root of the resource is not allowed."
		}
		parent := doc
		for _, k := range parts[:len(parts)-1] {
			next, ok := parent[k].(map[string]any)
			if !ok {
				if parent[k] == nil {
					next = map[string]any{}
					parent[k] = next
				} else {
					return "Invalid patch path: " + p
				}
			}
			parent = next
		}
		last := parts[len(parts)-1]
		switch asString(op["op"]) {
		case "add", "replace":
			if _, ok := parent[last]; !ok && asString(op["op"]) == "replace" {
				return "can't replace non-existent object '" + last + "'"
			}
			parent[last] = op["value"]
		case "remove":
			if _, ok := parent[last]; !ok {
				return "can't remove non-existent object '" + last + "'"
			}
			if len(parts) == 1 {
				parent[last] = nil
			} else {
				delete(parent, last)
			}
		default:
			return "Invalid patch op: " + asString(op["op"])
		}
	}
	return ""
}

func lockedMsg(n *node) string {
	return "Node " + n.uuid + " is locked by host " + conductorHost + ", please retry after the current operation is completed."
}

var deletableStates = map[string]bool{"available": true, "manageable": true, "enroll": true, "adopt failed": true}

func (u *Undercloud) ironicDeleteNode(w http.ResponseWriter, r *http.Request, _ float64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.nodeLocked(r.PathValue("id"))
	switch {
	case n == nil:
		ironicError(w, http.StatusNotFound, "Node "+r.PathValue("id")+" could not be found.")
	case n.reservation != "":
		ironicError(w, http.StatusConflict, lockedMsg(n))
	case n.instanceUUID != "":
		ironicError(w, http.StatusConflict, "Node "+n.uuid+" is associated with instance "+n.instanceUUID+".")
	case !deletableStates[n.provisionState] && !n.maintenance:
		ironicError(w, http.StatusConflict, fmt.Sprintf(`Can not delete node "%s" while it is in provision state "%s". Valid provision states to perform deletion are: "('available', 'manageable', 'enroll', 'adopt failed')", or set the node into maintenance mode`, n.uuid, n.provisionState))
	default:
		u.deleteNodeLocked(n)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (u *Undercloud) deleteNodeLocked(n *node) {
	n.pending = nil
	for i, x := range u.nodes {
		if x == n {
			u.nodes = append(u.nodes[:i:i], u.nodes[i+1:]...)
			break
		}
	}
	keep := u.ports[:0]
	for _, p := range u.ports {
		if p.nodeUUID != n.uuid {
			keep = append(keep, p)
		}
	}
	u.ports = keep
}

func (u *Undercloud) ironicStates(w http.ResponseWriter, r *http.Request, minor float64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.pathNodeLocked(w, r)
	if n == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"provision_state": n.provisionState, "target_provision_state": nullable(n.targetProvision),
		"power_state": nullable(n.powerState), "target_power_state": nullable(n.targetPower),
		"last_error": nullable(n.lastError), "console_enabled": false, "provision_updated_at": nullTime(ironicTime, n.provisionUpdated),
		"raid_config": map[string]any{}, "target_raid_config": map[string]any{},
	})
}

func (u *Undercloud) ironicValidate(w http.ResponseWriter, r *http.Request, _ float64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.pathNodeLocked(w, r)
	if n == nil {
		return
	}
	out := map[string]any{}
	for _, i := range ifaceNames {
		out[i] = map[string]any{"result": true}
	}
	for _, i := range []string{"console", "raid", "vendor"} {
		if strings.HasPrefix(n.interfaces[i], "no-") {
			out[i] = map[string]any{"result": nil, "reason": "not supported"}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (u *Undercloud) ironicMaintenance(w http.ResponseWriter, r *http.Request, _ float64) {
	var body map[string]any
	readJSON(r, &body)
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.pathNodeLocked(w, r)
	if n == nil {
		return
	}
	if r.Method == http.MethodPut {
		n.maintenance, n.maintenanceReason = true, asString(body["reason"])
	} else {
		n.maintenance, n.maintenanceReason, n.fault, n.lastError = false, "", "", ""
	}
	n.updated = now()
	w.WriteHeader(http.StatusAccepted)
}

// --- ports ---

var macRE = regexp.MustCompile(`^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$`)

func (u *Undercloud) portJSON(p *port, minor float64, detail bool) map[string]any {
	m := map[string]any{
		"uuid": p.uuid, "address": p.address,
		"links": []map[string]any{
			{"href": u.srv.URL + "/ironic/v1/ports/" + p.uuid, "rel": "self"},
			{"href": u.srv.URL + "/ironic/ports/" + p.uuid, "rel": "bookmark"},
		},
	}
	if detail {
		m["node_uuid"] = p.nodeUUID
		m["extra"] = copyMap(p.extra)
		m["local_link_connection"] = copyMap(p.llc)
		m["pxe_enabled"] = p.pxeEnabled
		m["internal_info"] = map[string]any{}
		m["portgroup_uuid"] = nil
		m["created_at"] = ironicTime(p.created)
		m["updated_at"] = nil
		if minor >= 34 {
			m["physical_network"] = nullable(p.physicalNetwork)
		}
	}
	return m
}

func (u *Undercloud) ironicListPorts(w http.ResponseWriter, r *http.Request, minor float64) {
	q := r.URL.Query()
	detail := strings.HasSuffix(r.URL.Path, "/detail")
	u.mu.Lock()
	nodeFilter := q.Get("node")
	if nodeFilter == "" {
		nodeFilter = q.Get("node_uuid")
	}
	if id := r.PathValue("id"); id != "" {
		nodeFilter = id
	}
	nodeUUID := ""
	if nodeFilter != "" {
		n := u.nodeLocked(nodeFilter)
		if n == nil {
			u.mu.Unlock()
			ironicError(w, http.StatusNotFound, "Node "+nodeFilter+" could not be found.")
			return
		}
		nodeUUID = n.uuid
	}
	var rows []map[string]any
	for _, p := range u.ports {
		if nodeUUID != "" && p.nodeUUID != nodeUUID {
			continue
		}
		if a := q.Get("address"); a != "" && !strings.EqualFold(a, p.address) {
			continue
		}
		rows = append(rows, u.portJSON(p, minor, true))
	}
	u.mu.Unlock()
	if fs := q.Get("fields"); fs != "" {
		for i, m := range rows {
			rows[i] = project(m, strings.Split(fs, ","))
		}
	} else if !detail {
		for i, m := range rows {
			rows[i] = project(m, []string{"uuid", "address"})
		}
	}
	page, next := ironicPage(rows, q)
	if page == nil {
		page = []map[string]any{}
	}
	body := map[string]any{"ports": page}
	if next != "" {
		body["next"] = u.srv.URL + r.URL.Path + "?" + next
	}
	writeJSON(w, http.StatusOK, body)
}

// createPortLocked validates and stores a port.
func (u *Undercloud) createPortLocked(body map[string]any) (*port, int, string) {
	addr := strings.ToLower(asString(body["address"]))
	if !macRE.MatchString(addr) {
		return nil, 400, "Expected a MAC address but received " + asString(body["address"]) + "."
	}
	addr = strings.ReplaceAll(addr, "-", ":")
	n := u.nodeLocked(asString(body["node_uuid"]))
	if n == nil {
		return nil, 400, "Node " + asString(body["node_uuid"]) + " could not be found."
	}
	for _, p := range u.ports {
		if p.address == addr {
			return nil, 409, "A port with MAC address " + addr + " already exists."
		}
	}
	pxe := true
	if v, ok := body["pxe_enabled"]; ok {
		pxe = asBool(v)
	}
	p := &port{uuid: uuid.NewString(), address: addr, nodeUUID: n.uuid, pxeEnabled: pxe,
		physicalNetwork: asString(body["physical_network"]), llc: copyMap(asMap(body["local_link_connection"])),
		extra: copyMap(asMap(body["extra"])), created: now()}
	u.ports = append(u.ports, p)
	return p, 201, ""
}

func (u *Undercloud) ironicCreatePort(w http.ResponseWriter, r *http.Request, minor float64) {
	u.ironicCreate(w, r, func(body map[string]any) (string, map[string]any, int, string) {
		p, status, msg := u.createPortLocked(body)
		if p == nil {
			return "", nil, status, msg
		}
		return "ports/" + p.uuid, u.portJSON(p, minor, true), 0, ""
	})
}

func (u *Undercloud) ironicGetPort(w http.ResponseWriter, r *http.Request, minor float64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, p := range u.ports {
		if p.uuid == r.PathValue("id") {
			writeJSON(w, http.StatusOK, u.portJSON(p, minor, true))
			return
		}
	}
	ironicError(w, http.StatusNotFound, "Port "+r.PathValue("id")+" could not be found.")
}

func (u *Undercloud) ironicDeletePort(w http.ResponseWriter, r *http.Request, _ float64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for i, p := range u.ports {
		if p.uuid == r.PathValue("id") {
			u.ports = append(u.ports[:i:i], u.ports[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	ironicError(w, http.StatusNotFound, "Port "+r.PathValue("id")+" could not be found.")
}

// macsLocked returns the node's port addresses.
func (u *Undercloud) macsLocked(n *node) []string {
	var out []string
	for _, p := range u.ports {
		if p.nodeUUID == n.uuid {
			out = append(out, p.address)
		}
	}
	sort.Strings(out)
	return out
}

// knobLocked finds a per-node knob by name, uuid or MAC.
func (u *Undercloud) knobLocked(m map[string]string, n *node) (string, bool) {
	for _, k := range append([]string{strings.ToLower(n.name), n.uuid}, u.macsLocked(n)...) {
		if v, ok := m[k]; ok && k != "" {
			return v, true
		}
	}
	return "", false
}
