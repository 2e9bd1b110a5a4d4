package tripleotest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Swift subset: one account (any AUTH_<name> in the URL reaches it), containers
// with X-Container-Meta-*, objects with Etag/Content-Type/X-Object-Meta-* and
// X-Delete-After, listings (plain or JSON; prefix, delimiter, marker, end_marker,
// limit), container POST/DELETE (409 while not empty), the bulk middleware's
// ?extract-archive and ?bulk-delete, and temp URLs (GET with temp_url_sig works:
// there is no auth).

type container struct {
	name    string
	meta    map[string]string // lower-case suffix after x-container-meta- -> value
	objects map[string]*object
	created time.Time
}

type object struct {
	data        []byte
	contentType string
	etag        string
	meta        map[string]string // lower-case suffix after x-object-meta-
	modified    time.Time
	deleteAt    time.Time
}

func (o *object) expired() bool { return !o.deleteAt.IsZero() && now().After(o.deleteAt) }

func (c *container) live() []string {
	names := make([]string, 0, len(c.objects))
	for n, o := range c.objects {
		if !o.expired() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func (c *container) bytes() int {
	n := 0
	for _, o := range c.objects {
		if !o.expired() {
			n += len(o.data)
		}
	}
	return n
}

func (u *Undercloud) swiftRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/swift/v1/{account}", u.swiftAccount)
	mux.HandleFunc("/swift/v1/{account}/{$}", u.swiftAccount)
	mux.HandleFunc("/swift/v1/{account}/{container}", u.swiftContainer)
	mux.HandleFunc("/swift/v1/{account}/{container}/{object...}", u.swiftObject)
}

func metaHeaders(w http.ResponseWriter, prefix string, meta map[string]string) {
	for k, v := range meta {
		w.Header().Set(prefix+k, v)
	}
}

func wantsJSON(r *http.Request) bool {
	f := r.URL.Query().Get("format")
	return f == "json" || (f == "" && strings.Contains(r.Header.Get("Accept"), "application/json"))
}

func (u *Undercloud) swiftAccount(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && q.Has("bulk-delete"):
		u.swiftBulkDelete(w, r)
		return
	case r.Method == http.MethodPut && q.Has("extract-archive"):
		u.swiftExtract(w, r, "")
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD, POST, PUT")
		swiftError(w, http.StatusMethodNotAllowed)
		return
	}
	u.mu.Lock()
	names := sortedKeys(u.swift)
	type row struct {
		Name         string `json:"name"`
		Count        int    `json:"count"`
		Bytes        int    `json:"bytes"`
		LastModified string `json:"last_modified"`
	}
	var rows []row
	objects, bytesUsed := 0, 0
	for _, n := range names {
		c := u.swift[n]
		cnt, b := len(c.live()), c.bytes()
		objects += cnt
		bytesUsed += b
		rows = append(rows, row{n, cnt, b, swiftTime(c.created)})
	}
	u.mu.Unlock()
	h := w.Header()
	h.Set("X-Account-Container-Count", strconv.Itoa(len(rows)))
	h.Set("X-Account-Object-Count", strconv.Itoa(objects))
	h.Set("X-Account-Bytes-Used", strconv.Itoa(bytesUsed))
	h.Set("X-Timestamp", swiftTimestamp(now()))
	rows = pageRows(rows, func(x row) string { return x.Name }, q)
	u.swiftListing(w, r, len(rows), func() any {
		if rows == nil {
			return []row{}
		}
		return rows
	}, func() []string {
		out := make([]string, len(rows))
		for i, x := range rows {
			out[i] = x.Name
		}
		return out
	})
}

// pageRows applies prefix, marker, end_marker and limit to a sorted listing.
func pageRows[T any](rows []T, name func(T) string, q url.Values) []T {
	prefix, marker, end := q.Get("prefix"), q.Get("marker"), q.Get("end_marker")
	limit := 10000
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l >= 0 {
		limit = l
	}
	var out []T
	for _, x := range rows {
		n := name(x)
		if !strings.HasPrefix(n, prefix) || (marker != "" && n <= marker) || (end != "" && n >= end) {
			continue
		}
		if len(out) >= limit {
			break
		}
		out = append(out, x)
	}
	return out
}

// swiftListing answers a listing: JSON when asked, else names one a line (204 when empty).
func (u *Undercloud) swiftListing(w http.ResponseWriter, r *http.Request, n int, asJSON func() any, names func() []string) {
	if wantsJSON(r) {
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSONNoLen(w, asJSON())
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if n == 0 || r.Method == http.MethodHead {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.WriteHeader(http.StatusOK)
	for _, s := range names() {
		io.WriteString(w, s+"\n")
	}
}

func writeJSONNoLen(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	writeJSON(w, http.StatusOK, v)
}

func swiftTimestamp(t time.Time) string {
	return fmt.Sprintf("%d.%05d", t.Unix(), t.Nanosecond()/10000)
}

func (u *Undercloud) swiftContainer(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("container")
	q := r.URL.Query()
	if r.Method == http.MethodPut && q.Has("extract-archive") {
		u.swiftExtract(w, r, name)
		return
	}
	if r.Method == http.MethodPost && q.Has("bulk-delete") {
		u.swiftBulkDelete(w, r)
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	c := u.swift[name]
	switch r.Method {
	case http.MethodPut:
		status := http.StatusAccepted
		if c == nil {
			c = &container{name: name, meta: map[string]string{}, objects: map[string]*object{}, created: now()}
			u.swift[name] = c
			status = http.StatusCreated
		}
		applyMeta(c.meta, r.Header, "X-Container-Meta-", "X-Remove-Container-Meta-")
		if status == http.StatusCreated {
			w.Header().Set("Content-Type", "text/html; charset=UTF-8")
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(status)
			return
		}
		swiftError(w, status)
	case http.MethodPost:
		if c == nil {
			swiftError(w, http.StatusNotFound)
			return
		}
		applyMeta(c.meta, r.Header, "X-Container-Meta-", "X-Remove-Container-Meta-")
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		if c == nil {
			swiftError(w, http.StatusNotFound)
			return
		}
		if len(c.live()) > 0 {
			swiftError(w, http.StatusConflict)
			return
		}
		delete(u.swift, name)
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet, http.MethodHead:
		if c == nil {
			swiftError(w, http.StatusNotFound)
			return
		}
		h := w.Header()
		names := c.live()
		h.Set("X-Container-Object-Count", strconv.Itoa(len(names)))
		h.Set("X-Container-Bytes-Used", strconv.Itoa(c.bytes()))
		h.Set("X-Timestamp", swiftTimestamp(c.created))
		h.Set("X-Storage-Policy", "Policy-0")
		h.Set("Accept-Ranges", "bytes")
		metaHeaders(w, "X-Container-Meta-", c.meta)
		if r.Method == http.MethodHead {
			h.Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		u.containerListing(w, r, c, names)
	default:
		swiftError(w, http.StatusMethodNotAllowed)
	}
}

type objectRow struct {
	Name         string `json:"name,omitempty"`
	Subdir       string `json:"subdir,omitempty"`
	Bytes        *int   `json:"bytes,omitempty"`
	Hash         string `json:"hash,omitempty"`
	ContentType  string `json:"content_type,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

func (u *Undercloud) containerListing(w http.ResponseWriter, r *http.Request, c *container, names []string) {
	q := r.URL.Query()
	delim := q.Get("delimiter")
	prefix := q.Get("prefix")
	var rows []objectRow
	seenDir := map[string]bool{}
	for _, n := range names {
		if !strings.HasPrefix(n, prefix) {
			continue
		}
		if delim != "" {
			if i := strings.Index(n[len(prefix):], delim); i >= 0 {
				dir := n[:len(prefix)+i+len(delim)]
				if !seenDir[dir] {
					seenDir[dir] = true
					rows = append(rows, objectRow{Subdir: dir})
				}
				continue
			}
		}
		o := c.objects[n]
		size := len(o.data)
		rows = append(rows, objectRow{Name: n, Bytes: &size, Hash: o.etag, ContentType: o.contentType, LastModified: swiftTime(o.modified)})
	}
	rows = pageRows(rows, func(x objectRow) string { return x.Name + x.Subdir }, q)
	u.swiftListing(w, r, len(rows), func() any {
		if rows == nil {
			return []objectRow{}
		}
		return rows
	}, func() []string {
		out := make([]string, len(rows))
		for i, x := range rows {
			out[i] = x.Name + x.Subdir
		}
		return out
	})
}

// applyMeta sets (and removes) metadata from request headers.
func applyMeta(meta map[string]string, h http.Header, setPrefix, removePrefix string) {
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		switch {
		case strings.HasPrefix(ck, removePrefix):
			delete(meta, strings.ToLower(strings.TrimPrefix(ck, removePrefix)))
		case strings.HasPrefix(ck, setPrefix):
			key := strings.ToLower(strings.TrimPrefix(ck, setPrefix))
			if len(vs) == 0 || vs[0] == "" {
				delete(meta, key)
			} else {
				meta[key] = vs[0]
			}
		}
	}
}

func metaCanon(prefix string, meta map[string]string) map[string]string {
	out := make(map[string]string, len(meta))
	for k, v := range meta {
		out[http.CanonicalHeaderKey(prefix+k)] = v
	}
	return out
}

func guessType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func etagOf(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func (u *Undercloud) swiftObject(w http.ResponseWriter, r *http.Request) {
	cname, oname := r.PathValue("container"), r.PathValue("object")
	if r.Method == http.MethodPut {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			swiftError(w, http.StatusBadRequest)
			return
		}
		if want := r.Header.Get("Etag"); want != "" && !strings.EqualFold(strings.Trim(want, `"`), etagOf(data)) {
			swiftError(w, http.StatusUnprocessableEntity)
			return
		}
		meta := map[string]string{}
		applyMeta(meta, r.Header, "X-Object-Meta-", "X-Remove-Object-Meta-")
		ctype := r.Header.Get("Content-Type")
		if ctype == "" || r.Header.Get("X-Detect-Content-Type") == "true" {
			ctype = guessType(oname)
		}
		o := &object{data: data, contentType: ctype, etag: etagOf(data), meta: meta, modified: now()}
		setDeleteAt(o, r.Header)
		u.mu.Lock()
		c := u.swift[cname]
		if c == nil {
			u.mu.Unlock()
			swiftError(w, http.StatusNotFound)
			return
		}
		c.objects[oname] = o
		u.mu.Unlock()
		w.Header().Set("Etag", o.etag)
		w.Header().Set("Last-Modified", o.modified.Format(http.TimeFormat))
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusCreated)
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	c := u.swift[cname]
	var o *object
	if c != nil {
		o = c.objects[oname]
		if o != nil && o.expired() {
			delete(c.objects, oname)
			o = nil
		}
	}
	if o == nil {
		swiftError(w, http.StatusNotFound)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h := w.Header()
		h.Set("Content-Type", o.contentType)
		h.Set("Etag", o.etag)
		h.Set("Last-Modified", o.modified.Format(http.TimeFormat))
		h.Set("X-Timestamp", swiftTimestamp(o.modified))
		h.Set("Accept-Ranges", "bytes")
		h.Set("Content-Length", strconv.Itoa(len(o.data)))
		if !o.deleteAt.IsZero() {
			h.Set("X-Delete-At", strconv.FormatInt(o.deleteAt.Unix(), 10))
		}
		metaHeaders(w, "X-Object-Meta-", o.meta)
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			w.Write(o.data)
		}
	case http.MethodPost:
		o.meta = map[string]string{}
		applyMeta(o.meta, r.Header, "X-Object-Meta-", "X-Remove-Object-Meta-")
		setDeleteAt(o, r.Header)
		swiftError(w, http.StatusAccepted)
	case http.MethodDelete:
		delete(c.objects, oname)
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusNoContent)
	default:
		swiftError(w, http.StatusMethodNotAllowed)
	}
}

func setDeleteAt(o *object, h http.Header) {
	if s := h.Get("X-Delete-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			o.deleteAt = now().Add(time.Duration(n) * time.Second)
		}
	}
	if s := h.Get("X-Delete-At"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			o.deleteAt = time.Unix(n, 0)
		}
	}
}

// --- internal access for the simulated workflows (callers must not hold u.mu) ---

// swiftPutObject stores an object (the container must exist); it returns
// swiftclient's error text otherwise.
func (u *Undercloud) swiftPutObject(cname, oname string, data []byte, ctype string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.swiftPutLocked(cname, oname, data, ctype)
}

func (u *Undercloud) swiftPutLocked(cname, oname string, data []byte, ctype string) error {
	c := u.swift[cname]
	if c == nil {
		return fmt.Errorf("%s", swiftClientError("Object PUT failed", u.swiftURL()+"/"+cname+"/"+oname, 404))
	}
	if ctype == "" {
		ctype = guessType(oname)
	}
	c.objects[oname] = &object{data: append([]byte(nil), data...), contentType: ctype, etag: etagOf(data), meta: map[string]string{}, modified: now()}
	return nil
}

// swiftGetObject reads an object or returns swiftclient's "Object GET failed" text.
func (u *Undercloud) swiftGetObject(cname, oname string) ([]byte, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if c := u.swift[cname]; c != nil {
		if o := c.objects[oname]; o != nil && !o.expired() {
			return append([]byte(nil), o.data...), nil
		}
	}
	return nil, fmt.Errorf("%s", swiftClientError("Object GET failed", u.swiftURL()+"/"+cname+"/"+oname, 404))
}

// swiftEnsureContainer creates a container if missing (with metadata) and reports whether it did.
func (u *Undercloud) swiftEnsureContainer(name string, meta map[string]string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.swift[name] != nil {
		return false
	}
	c := &container{name: name, meta: map[string]string{}, objects: map[string]*object{}, created: now()}
	for k, v := range meta {
		c.meta[strings.ToLower(k)] = v
	}
	u.swift[name] = c
	return true
}

func (u *Undercloud) swiftHasContainer(name string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.swift[name] != nil
}

// swiftDeleteContainer deletes a container and its objects; the error is swiftclient's text.
func (u *Undercloud) swiftDeleteContainer(name string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.swift[name] == nil {
		return fmt.Errorf("%s", swiftClientError("Container GET failed", u.swiftURL()+"/"+name+"?format=json", 404))
	}
	delete(u.swift, name)
	return nil
}

// swiftObjects returns a copy of a container's live objects (nil if it does not exist).
func (u *Undercloud) swiftObjects(name string) map[string][]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	c := u.swift[name]
	if c == nil {
		return nil
	}
	out := map[string][]byte{}
	for _, n := range c.live() {
		out[n] = append([]byte(nil), c.objects[n].data...)
	}
	return out
}
