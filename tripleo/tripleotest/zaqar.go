package tripleotest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Zaqar v2 subset: queues PUT/GET/DELETE/list/stats, messages
// POST (TTL 60..1209600, default the queue's _default_message_ttl or 3600),
// GET list (echo, limit ≤ 20 default 10, opaque marker, links rel next),
// GET/DELETE by id and ?ids=. Every /v2 request needs a UUID Client-ID and an
// X-Project-ID; queues are per project. Messages expire after their TTL (real time).

type queue struct {
	name    string
	project string
	meta    map[string]any
	msgs    []*zmsg
	created time.Time
}

type zmsg struct {
	id       string
	seq      int64
	body     json.RawMessage
	ttl      int
	created  time.Time
	clientID string
}

func (m *zmsg) expired(t time.Time) bool { return t.Sub(m.created) >= time.Duration(m.ttl)*time.Second }

var queueNameRE = regexp.MustCompile(`^[a-zA-Z0-9_\-.]{1,64}$`)

const (
	zaqarDefaultTTL = 3600
	zaqarMinTTL     = 60
	zaqarMaxTTL     = 1209600
)

func (u *Undercloud) zaqarRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /zaqar/v2/queues", u.zaqarHeaders(u.zaqarListQueues))
	mux.HandleFunc("/zaqar/v2/queues/{queue}", u.zaqarHeaders(u.zaqarQueue))
	mux.HandleFunc("GET /zaqar/v2/queues/{queue}/stats", u.zaqarHeaders(u.zaqarStats))
	mux.HandleFunc("/zaqar/v2/queues/{queue}/messages", u.zaqarHeaders(u.zaqarMessages))
	mux.HandleFunc("/zaqar/v2/queues/{queue}/messages/{id}", u.zaqarHeaders(u.zaqarMessage))
	mux.HandleFunc("/zaqar/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept")
		writeJSON(w, http.StatusNotFound, map[string]any{"title": "404 Not Found"})
	})
}

type zaqarHandler func(w http.ResponseWriter, r *http.Request, project, clientID string)

// zaqarHeaders checks Client-ID, X-Project-ID, Accept and the queue name, as Zaqar's wsgi hooks do.
func (u *Undercloud) zaqarHeaders(h zaqarHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Accept"); a != "" && !strings.Contains(a, "application/json") && !strings.Contains(a, "*/*") {
			w.Header().Set("Vary", "Accept")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotAcceptable)
			return
		}
		cid := r.Header.Get("Client-ID")
		if cid == "" {
			zaqarError(w, http.StatusBadRequest, "Missing header value", `The "Client-ID" header is required.`)
			return
		}
		if _, err := uuid.Parse(cid); err != nil {
			zaqarError(w, http.StatusBadRequest, "Wrong UUID value", "Malformed hexadecimal UUID.")
			return
		}
		project := r.Header.Get("X-Project-ID")
		if project == "" {
			zaqarError(w, http.StatusBadRequest, "Project-Id Missing", "The header X-PROJECT-ID was missing")
			return
		}
		if q := r.PathValue("queue"); q != "" && !queueNameRE.MatchString(q) {
			zaqarError(w, http.StatusBadRequest, "Invalid queue identification", "The format of the submitted queue name or project id is not valid.")
			return
		}
		h(w, r, project, cid)
	}
}

func qkey(project, name string) string { return project + "/" + name }

func (u *Undercloud) queueLocked(project, name string, create bool) *queue {
	q := u.queues[qkey(project, name)]
	if q == nil && create {
		q = &queue{name: name, project: project, meta: map[string]any{}, created: now()}
		u.queues[qkey(project, name)] = q
	}
	return q
}

func queueMeta(q *queue) map[string]any {
	m := map[string]any{
		"_max_messages_post_size": 262144, "_default_message_ttl": zaqarDefaultTTL, "_default_message_delay": 0,
		"_dead_letter_queue": nil, "_dead_letter_queue_messages_ttl": nil, "_max_claim_count": nil, "_enable_encrypt_messages": false,
	}
	if q != nil {
		for k, v := range q.meta {
			m[k] = v
		}
	}
	return m
}

func (u *Undercloud) zaqarListQueues(w http.ResponseWriter, r *http.Request, project, _ string) {
	detailed := r.URL.Query().Get("detailed") == "true"
	u.mu.Lock()
	var names []string
	for _, q := range u.queues {
		if q.project == project {
			names = append(names, q.name)
		}
	}
	sortStrings(names)
	out := []map[string]any{}
	for _, n := range names {
		item := map[string]any{"name": n, "href": "/v2/queues/" + n}
		if detailed {
			item["metadata"] = queueMeta(u.queues[qkey(project, n)])
		}
		out = append(out, item)
	}
	u.mu.Unlock()
	out = pageRows(out, func(m map[string]any) string { return m["name"].(string) }, r.URL.Query())
	links := []map[string]any{}
	if len(out) > 0 {
		links = append(links, map[string]any{"rel": "next", "href": "/v2/queues?marker=" + out[len(out)-1]["name"].(string)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"queues": out, "links": links})
}

func (u *Undercloud) zaqarQueue(w http.ResponseWriter, r *http.Request, project, _ string) {
	name := r.PathValue("queue")
	switch r.Method {
	case http.MethodPut:
		var meta map[string]any
		if err := readJSON(r, &meta); err != nil && err.Error() != "EOF" {
			zaqarError(w, http.StatusBadRequest, "Malformed JSON", "Request body could not be parsed.")
			return
		}
		u.mu.Lock()
		existed := u.queueLocked(project, name, false) != nil
		q := u.queueLocked(project, name, true)
		for k, v := range meta {
			q.meta[k] = v
		}
		u.mu.Unlock()
		w.Header().Set("Location", "/v2/queues/"+name)
		if existed {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
	case http.MethodGet:
		u.mu.Lock()
		m := queueMeta(u.queueLocked(project, name, false))
		u.mu.Unlock()
		writeJSON(w, http.StatusOK, m)
	case http.MethodDelete:
		u.mu.Lock()
		delete(u.queues, qkey(project, name))
		u.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (u *Undercloud) zaqarStats(w http.ResponseWriter, r *http.Request, project, _ string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	q := u.queueLocked(project, r.PathValue("queue"), false)
	live := liveMessages(q)
	stats := map[string]any{"claimed": 0, "free": len(live), "total": len(live)}
	if len(live) > 0 {
		stats["oldest"] = statMsg(q, live[0])
		stats["newest"] = statMsg(q, live[len(live)-1])
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": stats})
}

func statMsg(q *queue, m *zmsg) map[string]any {
	return map[string]any{"age": int(now().Sub(m.created).Seconds()), "ttl": m.ttl, "body": m.body, "claim_id": nil, "claim_count": 0,
		"created": heatTime(m.created), "href": "/v2/queues/" + q.name + "/messages/" + m.id}
}

func liveMessages(q *queue) []*zmsg {
	if q == nil {
		return nil
	}
	t := now()
	var out []*zmsg
	keep := q.msgs[:0]
	for _, m := range q.msgs {
		if m.expired(t) {
			continue
		}
		keep = append(keep, m)
		out = append(out, m)
	}
	q.msgs = keep
	return out
}

func msgJSON(q *queue, m *zmsg) map[string]any {
	return map[string]any{"id": m.id, "href": "/v2/queues/" + q.name + "/messages/" + m.id,
		"ttl": m.ttl, "age": int(now().Sub(m.created).Seconds()), "body": m.body}
}

func (u *Undercloud) zaqarMessages(w http.ResponseWriter, r *http.Request, project, clientID string) {
	name := r.PathValue("queue")
	switch r.Method {
	case http.MethodPost:
		u.zaqarPostHTTP(w, r, project, clientID, name)
	case http.MethodGet:
		u.zaqarList(w, r, project, clientID, name)
	case http.MethodDelete:
		ids := strings.Split(r.URL.Query().Get("ids"), ",")
		u.mu.Lock()
		if q := u.queueLocked(project, name, false); q != nil {
			drop := map[string]bool{}
			for _, id := range ids {
				drop[id] = true
			}
			keep := q.msgs[:0]
			for _, m := range q.msgs {
				if !drop[m.id] {
					keep = append(keep, m)
				}
			}
			q.msgs = keep
		}
		u.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (u *Undercloud) zaqarPostHTTP(w http.ResponseWriter, r *http.Request, project, clientID, name string) {
	if r.ContentLength > int64(u.cfg.zaqarMaxPostSize) {
		zaqarError(w, http.StatusBadRequest, "Invalid API request", "Request body can not be larger than "+strconv.Itoa(u.cfg.zaqarMaxPostSize)+" bytes")
		return
	}
	var req struct {
		Messages []struct {
			TTL   *json.Number    `json:"ttl"`
			Body  json.RawMessage `json:"body"`
			Delay *json.Number    `json:"delay"`
		} `json:"messages"`
	}
	if err := readJSON(r, &req); err != nil {
		zaqarError(w, http.StatusBadRequest, "Malformed JSON", "Request body could not be parsed.")
		return
	}
	if len(req.Messages) == 0 {
		zaqarError(w, http.StatusBadRequest, "Invalid API request", "No messages were found in the request body.")
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	q := u.queueLocked(project, name, true)
	def := asInt(queueMeta(q)["_default_message_ttl"], zaqarDefaultTTL)
	type pending struct {
		body json.RawMessage
		ttl  int
	}
	var ps []pending
	for _, m := range req.Messages {
		ttl := def
		if m.TTL != nil {
			ttl = asInt(*m.TTL, def)
		}
		if ttl < zaqarMinTTL || ttl > zaqarMaxTTL {
			zaqarError(w, http.StatusBadRequest, "Invalid API request", "The TTL for a message may not exceed 1209600 seconds, and must be at least 60 seconds long.")
			return
		}
		if len(m.Body) == 0 {
			zaqarError(w, http.StatusBadRequest, "Invalid API request", `Missing "body" field.`)
			return
		}
		ps = append(ps, pending{m.Body, ttl})
	}
	var ids, res []string
	for _, p := range ps {
		m := u.appendMessageLocked(q, p.body, p.ttl, clientID)
		ids = append(ids, m.id)
		res = append(res, "/v2/queues/"+name+"/messages/"+m.id)
	}
	w.Header().Set("Location", "/v2/queues/"+name+"/messages?ids="+strings.Join(ids, ","))
	writeJSON(w, http.StatusCreated, map[string]any{"resources": res})
}

func (u *Undercloud) appendMessageLocked(q *queue, body json.RawMessage, ttl int, clientID string) *zmsg {
	u.seq++
	m := &zmsg{id: uuid.NewString(), seq: u.seq, body: append(json.RawMessage(nil), body...), ttl: ttl, created: now(), clientID: clientID}
	q.msgs = append(q.msgs, m)
	return m
}

func (u *Undercloud) zaqarList(w http.ResponseWriter, r *http.Request, project, clientID, name string) {
	qs := r.URL.Query()
	if ids := qs.Get("ids"); ids != "" {
		want := map[string]bool{}
		for _, id := range strings.Split(ids, ",") {
			want[id] = true
		}
		u.mu.Lock()
		out := []map[string]any{}
		q := u.queueLocked(project, name, false)
		for _, m := range liveMessages(q) {
			if want[m.id] {
				out = append(out, msgJSON(q, m))
			}
		}
		u.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"messages": out})
		return
	}
	limit := 10
	if s := qs.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 20 {
			zaqarError(w, http.StatusBadRequest, "Invalid API request", "Limit must be at least 1 and may not be greater than 20.")
			return
		}
		limit = n
	}
	var after int64
	if s := qs.Get("marker"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			zaqarError(w, http.StatusBadRequest, "Invalid API request", "Malformed marker.")
			return
		}
		after = n
	}
	echo := qs.Get("echo") == "true"
	u.mu.Lock()
	q := u.queueLocked(project, name, false)
	out := []map[string]any{}
	var last int64
	for _, m := range liveMessages(q) {
		if m.seq <= after || (!echo && m.clientID == clientID) {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, msgJSON(q, m))
		last = m.seq
	}
	u.mu.Unlock()
	links := []map[string]any{}
	if len(out) > 0 {
		next := "/v2/queues/" + name + "/messages?marker=" + strconv.FormatInt(last, 10) + "&limit=" + strconv.Itoa(limit)
		if echo {
			next += "&echo=true"
		}
		links = append(links, map[string]any{"rel": "next", "href": next})
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out, "links": links})
}

func (u *Undercloud) zaqarMessage(w http.ResponseWriter, r *http.Request, project, _ string) {
	name, id := r.PathValue("queue"), r.PathValue("id")
	u.mu.Lock()
	defer u.mu.Unlock()
	q := u.queueLocked(project, name, false)
	var found *zmsg
	idx := -1
	for i, m := range liveMessages(q) {
		if m.id == id {
			found, idx = m, i
		}
	}
	switch r.Method {
	case http.MethodGet:
		if found == nil {
			zaqarError(w, http.StatusNotFound, "Not found", "Message "+id+" does not exist in queue "+name+" for project "+project)
			return
		}
		writeJSON(w, http.StatusOK, msgJSON(q, found))
	case http.MethodDelete:
		if found != nil {
			q.msgs = append(q.msgs[:idx:idx], q.msgs[idx+1:]...)
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// postMessage posts a workflow's message body to queue (of the undercloud's
// project) as Mistral's zaqar.queue_post does (no ttl: the queue default).
func (u *Undercloud) postMessage(queueName string, body any) {
	raw, err := json.Marshal(body)
	if err != nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	q := u.queueLocked(u.project, queueName, true)
	u.appendMessageLocked(q, raw, asInt(queueMeta(q)["_default_message_ttl"], zaqarDefaultTTL), "")
}
