package tripleotest

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// The bulk middleware's answers: 200 with a
// JSON body when Accept is JSON, else "Key: value" lines.
func bulkAnswer(w http.ResponseWriter, r *http.Request, body map[string]any, order []string) {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSON(w, http.StatusOK, body)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	for _, k := range order {
		switch v := body[k].(type) {
		case [][]string:
			fmt.Fprintf(w, "%s:\n", k)
			for _, e := range v {
				fmt.Fprintf(w, "%s, %s\n", e[0], e[1])
			}
		default:
			fmt.Fprintf(w, "%s: %v\n", k, v)
		}
	}
}

// swiftExtract implements PUT <container>?extract-archive=tar|tar.gz|tar.bz2:
// tar paths become object names (into container, or, at account level, the
// first path segment is the container, created on demand).
func (u *Undercloud) swiftExtract(w http.ResponseWriter, r *http.Request, cname string) {
	format := r.URL.Query().Get("extract-archive")
	order := []string{"Number Files Created", "Response Body", "Response Status", "Errors"}
	fail := func(msg string) {
		bulkAnswer(w, r, map[string]any{"Response Status": "400 Bad Request", "Response Body": msg, "Number Files Created": 0, "Errors": [][]string{}}, order)
	}
	var src io.Reader = r.Body
	switch format {
	case "tar":
	case "tar.gz", "tgz":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			fail("Invalid Tar File: not a gzip file")
			return
		}
		defer zr.Close()
		src = zr
	case "tar.bz2":
		src = bzip2.NewReader(r.Body)
	default:
		fail("Unsupported archive format")
		return
	}
	type file struct {
		container, name string
		data            []byte
	}
	var files []file
	tr := tar.NewReader(src)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fail("Invalid Tar File: " + err.Error())
			return
		}
		if h.Typeflag != tar.TypeReg { // the reader reports the legacy TypeRegA as TypeReg
			continue
		}
		name := strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")
		data, err := io.ReadAll(tr)
		if err != nil {
			fail("Invalid Tar File: " + err.Error())
			return
		}
		c := cname
		if c == "" {
			c, name, _ = strings.Cut(name, "/")
			if name == "" {
				continue
			}
		}
		files = append(files, file{c, name, data})
	}
	u.mu.Lock()
	for _, f := range files {
		if u.swift[f.container] == nil {
			u.swift[f.container] = &container{name: f.container, meta: map[string]string{}, objects: map[string]*object{}, created: now()}
		}
		u.swiftPutLocked(f.container, f.name, f.data, "")
	}
	u.mu.Unlock()
	bulkAnswer(w, r, map[string]any{"Response Status": "201 Created", "Response Body": "", "Number Files Created": len(files), "Errors": [][]string{}}, order)
}

// swiftBulkDelete implements POST ?bulk-delete: one URL-encoded
// "container/object" or "container" a line.
func (u *Undercloud) swiftBulkDelete(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	deleted, notFound := 0, 0
	errs := [][]string{}
	u.mu.Lock()
	sc := bufio.NewScanner(bytes.NewReader(b))
	var lines []string
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	// objects first, then containers, as the middleware's callers order them
	sort.SliceStable(lines, func(i, j int) bool {
		return strings.Contains(strings.TrimPrefix(lines[i], "/"), "/") && !strings.Contains(strings.TrimPrefix(lines[j], "/"), "/")
	})
	for _, l := range lines {
		p, err := url.PathUnescape(strings.TrimPrefix(l, "/"))
		if err != nil {
			p = l
		}
		cname, oname, hasObj := strings.Cut(p, "/")
		c := u.swift[cname]
		switch {
		case c == nil:
			notFound++
		case hasObj:
			if o := c.objects[oname]; o == nil || o.expired() {
				notFound++
			} else {
				delete(c.objects, oname)
				deleted++
			}
		case len(c.live()) > 0:
			errs = append(errs, []string{cname, "409 Conflict"})
		default:
			delete(u.swift, cname)
			deleted++
		}
	}
	u.mu.Unlock()
	status := "200 OK"
	if len(errs) > 0 {
		status = "400 Bad Request"
	}
	bulkAnswer(w, r, map[string]any{"Response Status": status, "Response Body": "", "Number Deleted": deleted, "Number Not Found": notFound, "Errors": errs},
		[]string{"Number Deleted", "Number Not Found", "Response Body", "Response Status", "Errors"})
}
