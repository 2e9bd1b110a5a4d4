package plan_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// templatesFS is testdata/templates plus files the default excludes must drop.
func templatesFS(t testing.TB) (fs.FS, map[string][]byte) {
	t.Helper()
	want := map[string][]byte{}
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("testdata/templates"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile("testdata/templates/" + p)
		if err != nil {
			return err
		}
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		want[p] = b
		return nil
	})
	require.NoError(t, err)
	m[".git/HEAD"] = &fstest.MapFile{Data: []byte("ref: refs/heads/master\n")}
	m[".git/objects/ab/cdef"] = &fstest.MapFile{Data: []byte("x")}
	m[".tox/py3/bin/python"] = &fstest.MapFile{Data: []byte("#!")}
	m["tools/yaml-validate.py"] = &fstest.MapFile{Data: []byte("print('ok')\n")}
	m["tools/yaml-validate.pyc"] = &fstest.MapFile{Data: []byte{0x33, 0x0d, 0x0d, 0x0a}}
	m["puppet/services/.tox/x"] = &fstest.MapFile{Data: []byte("nested tox dir")}
	want["tools/yaml-validate.py"] = []byte("print('ok')\n")
	return m, want
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestUploadPerObjectRequests(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", false)
	sw.register(mt)
	sw.mkContainer("overcloud", nil)
	fsys, want := templatesFS(t)

	var progress []plan.UploadProgress
	st, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys, UploadOpts: plan.UploadOpts{Mode: plan.UploadPerObject,
		OnProgress: func(p plan.UploadProgress) { progress = append(progress, p) }}})
	require.NoError(t, err)
	assert.Equal(t, len(want), st.Files)
	assert.Equal(t, len(want), st.Total)
	assert.Zero(t, st.Skipped)
	assert.Equal(t, plan.UploadPerObject, st.Mode)
	var total int64
	for _, b := range want {
		total += int64(len(b))
	}
	assert.Equal(t, total, st.Bytes)

	// Excludes: .git, .tox (at any depth) and *.pyc never reach Swift.
	assert.Equal(t, keys(want), sw.names("overcloud"))

	reqs, hdrs := sw.log()
	require.Equal(t, "GET /v1/AUTH_x/overcloud", reqs[0], "one listing first")
	assert.Equal(t, "application/json", hdrs[0].Get("Accept"))
	puts := 0
	for i, r := range reqs[1:] {
		h := hdrs[i+1]
		name, ok := strings.CutPrefix(r, "PUT /v1/AUTH_x/overcloud/")
		require.True(t, ok, "unexpected request %s", r)
		puts++
		body := want[name]
		require.NotNil(t, body, name)
		assert.Equal(t, md5hex(body), h.Get("Etag"), name)
		assert.Equal(t, fmt.Sprint(len(body)), h.Get("Content-Length"), name)
		assert.Equal(t, plan.ContentTypeFor(name), h.Get("Content-Type"), name)
		o, _ := sw.object("overcloud", name)
		assert.Equal(t, body, o.data, name)
	}
	assert.Equal(t, len(want), puts, "one PUT per file, no HEAD per file")
	o, _ := sw.object("overcloud", "puppet/role.role.j2.yaml")
	assert.Equal(t, "application/x-yaml", o.ctype)
	o, _ = sw.object("overcloud", "tools/yaml-validate.py")
	assert.Equal(t, "text/x-python", o.ctype)

	// Progress: a first report, then one per file; counters never decrease.
	require.Len(t, progress, len(want)+1)
	assert.Equal(t, plan.UploadProgress{Total: len(want), Mode: plan.UploadPerObject}, progress[0])
	last := progress[len(progress)-1]
	assert.Equal(t, len(want), last.Uploaded)
	assert.Zero(t, last.InProgress)
	for i := 1; i < len(progress); i++ {
		assert.GreaterOrEqual(t, progress[i].Uploaded, progress[i-1].Uploaded)
		assert.NotEmpty(t, progress[i].Object)
	}
}

func TestUploadResumesSkippingSameETag(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", false)
	sw.register(mt)
	fsys, want := templatesFS(t)
	// Half the files are already there; one with stale content.
	pre := map[string]string{}
	names := keys(want)
	for _, n := range names[:len(names)/2] {
		pre[n] = string(want[n])
	}
	pre["overcloud.yaml"] = "stale"
	sw.mkContainer("overcloud", pre)

	st, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys, UploadOpts: plan.UploadOpts{Mode: plan.UploadPerObject}})
	require.NoError(t, err)
	skipped := len(names) / 2
	if _, ok := pre["overcloud.yaml"]; ok && strings.Compare("overcloud.yaml", names[len(names)/2]) < 0 {
		skipped-- // overcloud.yaml was among the first half but stale
	}
	assert.Equal(t, skipped, st.Skipped)
	assert.Equal(t, len(names)-skipped, st.Files)
	o, _ := sw.object("overcloud", "overcloud.yaml")
	assert.Equal(t, want["overcloud.yaml"], o.data)

	reqs, _ := sw.log()
	listings := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, "GET /v1/AUTH_x/overcloud") && !strings.Contains(r, "marker=") {
			listings++ // a listing's next pages carry a marker
		}
		assert.NotContains(t, r, "HEAD")
	}
	assert.Equal(t, 1, listings, "one container listing, not a HEAD per file")

	// A second run uploads nothing.
	st, err = plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys, UploadOpts: plan.UploadOpts{Mode: plan.UploadPerObject}})
	require.NoError(t, err)
	assert.Equal(t, len(names), st.Skipped)
	assert.Zero(t, st.Files)
}

func TestUploadListingIsPaged(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", false)
	sw.register(mt)
	fsys, want := templatesFS(t)
	pre := map[string]string{}
	for n, b := range want {
		pre[n] = string(b)
	}
	sw.mkContainer("overcloud", pre)
	// Swift pages listings by 10000; gophercloud follows with marker until an empty page.
	st, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys})
	require.NoError(t, err)
	assert.Equal(t, len(want), st.Skipped)
	reqs, _ := sw.log()
	assert.Equal(t, []string{"GET /v1/AUTH_x/overcloud", "GET /v1/AUTH_x/overcloud?marker=tools%2Fyaml-validate.py"}, reqs,
		"listing pages, and no /info nor PUT when nothing needs uploading")
}

func TestUploadConcurrencyBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		sw := newFakeSwift("/v1/AUTH_x", false)
		sw.register(mt)
		sw.mkContainer("overcloud", nil)
		sw.hold = 50 * time.Millisecond
		m := fstest.MapFS{}
		for i := range 40 {
			m[fmt.Sprintf("environments/env-%02d.yaml", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("parameter_defaults: {N: %d}\n", i))}
		}
		maxSeen := 0
		st, err := plan.UploadTemplates(t.Context(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: m, UploadOpts: plan.UploadOpts{Mode: plan.UploadPerObject, Concurrency: 3,
			OnProgress: func(p plan.UploadProgress) { maxSeen = max(maxSeen, p.InProgress) }}})
		require.NoError(t, err)
		assert.Equal(t, 40, st.Files)
		assert.Equal(t, 3, sw.maxInFlight, "at most Concurrency PUTs in flight, and that many used")
		assert.LessOrEqual(t, maxSeen, 3)

		// The default is 8.
		sw.mkContainer("overcloud", nil)
		sw.maxInFlight = 0
		_, err = plan.UploadTemplates(t.Context(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: m, UploadOpts: plan.UploadOpts{Mode: plan.UploadPerObject}})
		require.NoError(t, err)
		assert.Equal(t, plan.DefaultConcurrency, sw.maxInFlight)
	})
}

func TestUploadRetriesWithFullBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		sw := newFakeSwift("/v1/AUTH_x", false)
		sw.register(mt)
		sw.mkContainer("overcloud", nil)
		sw.keepBodies = true
		sw.failPut = func(name string, attempt int) int {
			if name == "overcloud.yaml" && attempt <= 2 {
				return []int{503, 500}[attempt-1]
			}
			return 0
		}
		fsys, want := templatesFS(t)
		start := time.Now()
		st, err := plan.UploadTemplates(t.Context(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys, UploadOpts: plan.UploadOpts{Mode: plan.UploadPerObject}})
		require.NoError(t, err)
		assert.Equal(t, len(want), st.Files)
		bodies := sw.bodies["overcloud.yaml"]
		require.Len(t, bodies, 3, "503, 500, then 201")
		for i, b := range bodies {
			assert.Equal(t, want["overcloud.yaml"], b, "attempt %d sent the whole file", i+1)
		}
		assert.Greater(t, time.Since(start), 100*time.Millisecond, "backoff between attempts")
	})
}

func TestUploadFailureIsTyped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		sw := newFakeSwift("/v1/AUTH_x", false)
		sw.register(mt)
		sw.mkContainer("overcloud", nil)
		sw.failPut = func(name string, _ int) int {
			if name == "roles_data.yaml" {
				return 403
			}
			return 0
		}
		fsys, want := templatesFS(t)
		st, err := plan.UploadTemplates(t.Context(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys, UploadOpts: plan.UploadOpts{Mode: plan.UploadPerObject, Concurrency: 1}})
		var ue *plan.UploadError
		require.ErrorAs(t, err, &ue)
		require.Len(t, ue.Files, 1)
		assert.Equal(t, "roles_data.yaml", ue.Files[0].Name)
		var api *tripleo.APIError
		require.ErrorAs(t, err, &api)
		assert.Equal(t, 403, api.StatusCode)
		assert.Equal(t, 1, sw.attempts["roles_data.yaml"], "4xx is not retried")
		assert.Equal(t, 1, st.Failed)
		assert.Equal(t, len(want), st.Total)
		assert.Equal(t, ue.Uploaded, st.Files)
		assert.Less(t, st.Files, len(want), "stopped at the first failure")
		assert.Contains(t, err.Error(), "roles_data.yaml")
		assert.Contains(t, err.Error(), fmt.Sprintf("of %d files in the container", len(want)))

		// Retrying resumes: only what is missing is sent.
		sw.failPut = nil
		before := len(sw.names("overcloud"))
		st, err = plan.UploadTemplates(t.Context(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys, UploadOpts: plan.UploadOpts{Mode: plan.UploadPerObject}})
		require.NoError(t, err)
		assert.Equal(t, before, st.Skipped)
		assert.Equal(t, len(want)-before, st.Files)
	})
}

func TestUploadMissingContainer(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", true)
	sw.register(mt)
	fsys, _ := templatesFS(t)
	_, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "nope", Templates: fsys})
	require.ErrorIs(t, err, tripleo.ErrNotFound)
	var api *tripleo.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, "Not Found The resource could not be found.", api.Message)
	require.ErrorIs(t, err, tripleo.ErrPlanNotFound)
	assert.Equal(t, "upload templates (create the plan's container with plan.CreateContainer first): plan nope does not exist", err.Error())
	reqs, _ := sw.log()
	assert.Equal(t, []string{"GET /v1/AUTH_x/nope"}, reqs)

	// Force skips the listing but still checks the container.
	_, err = plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "nope", Templates: fsys, UploadOpts: plan.UploadOpts{Force: true}})
	require.ErrorIs(t, err, tripleo.ErrPlanNotFound)
}

func TestUploadValidation(t *testing.T) {
	c, mt := newMockClient(t)
	fsys, _ := templatesFS(t)
	_, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "bad/name", Templates: nil, UploadOpts: plan.UploadOpts{Concurrency: -1, Mode: "zip", Excludes: []string{"[x"}}})
	probs := tripleo.Problems(err)
	fields := []string{}
	for _, p := range probs {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"plan", "templates", "concurrency", "mode", "excludes"}, fields)
	_, err = plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fstest.MapFS{".git/x": {Data: []byte("x")}}})
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput, "no files after excludes")
	_, err = plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "", Templates: fsys})
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	assert.Zero(t, mt.GetTotalCallCount(), "nothing sent")
}

func TestUploadBulk(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", true)
	sw.register(mt)
	fsys, want := templatesFS(t)
	sw.mkContainer("overcloud", map[string]string{"roles_data.yaml": string(want["roles_data.yaml"])})
	var archive []byte
	sw.onArchive = func(_ []string, body []byte) int { archive = body; return 0 }

	var progress []plan.UploadProgress
	st, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys, UploadOpts: plan.UploadOpts{OnProgress: func(p plan.UploadProgress) { progress = append(progress, p) }}})
	require.NoError(t, err)
	assert.Equal(t, plan.UploadBulk, st.Mode)
	assert.Equal(t, 1, st.Archives)
	assert.Equal(t, 1, st.Skipped)
	assert.Equal(t, len(want)-1, st.Files)
	assert.Equal(t, keys(want), sw.names("overcloud"))

	reqs, hdrs := sw.log()
	require.Equal(t, []string{"GET /v1/AUTH_x/overcloud", "GET /v1/AUTH_x/overcloud?marker=roles_data.yaml",
		"GET /info", "PUT /v1/AUTH_x/overcloud?extract-archive=tar.gz"}, reqs)
	h := hdrs[3]
	assert.Equal(t, "application/json", h.Get("Accept"))
	assert.Equal(t, "true", h.Get("X-Detect-Content-Type"))
	assert.Equal(t, "application/gzip", h.Get("Content-Type"))

	// The archive holds exactly the files to upload, named relative to the root.
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	got := map[string][]byte{}
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		b, _ := io.ReadAll(tr)
		got[hd.Name] = b
	}
	exp := map[string][]byte{}
	for k, v := range want {
		if k != "roles_data.yaml" {
			exp[k] = v
		}
	}
	assert.Equal(t, exp, got)

	last := progress[len(progress)-1]
	assert.Equal(t, plan.UploadProgress{Uploaded: len(want) - 1, Skipped: 1, Total: len(want), Bytes: st.Bytes, Mode: plan.UploadBulk}, last)
}

func TestUploadBulkSplitsArchives(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", true)
	sw.register(mt)
	sw.mkContainer("overcloud", nil)
	fsys, want := templatesFS(t)
	var sizes []int
	sw.onArchive = func(names []string, _ []byte) int { sizes = append(sizes, len(names)); return 0 }
	st, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys, UploadOpts: plan.UploadOpts{Mode: plan.UploadBulk, BulkMaxBytes: 2048}})
	require.NoError(t, err)
	assert.Greater(t, st.Archives, 1)
	assert.Len(t, sizes, st.Archives)
	n := 0
	for _, s := range sizes {
		n += s
	}
	assert.Equal(t, len(want), n)
	assert.Equal(t, keys(want), sw.names("overcloud"))
	reqs, _ := sw.log()
	assert.NotContains(t, reqs, "GET /info", "forced bulk does not ask /info")
}

func TestUploadBulkPerFileErrors(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", true)
	sw.register(mt)
	sw.mkContainer("overcloud", nil)
	sw.bulkErrors = func(name string) string {
		switch name {
		case "environments/docker.yaml":
			return "413 Request Entity Too Large"
		case "puppet/role.role.j2.yaml":
			return "400 Bad Request"
		}
		return ""
	}
	fsys, want := templatesFS(t)
	st, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys})
	var ue *plan.UploadError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, plan.UploadBulk, ue.Mode)
	assert.Equal(t, "400 Bad Request", ue.Status)
	assert.Equal(t, []plan.FileError{
		{Name: "environments/docker.yaml", Status: "413 Request Entity Too Large"},
		{Name: "puppet/role.role.j2.yaml", Status: "400 Bad Request"},
	}, ue.Files)
	assert.Contains(t, err.Error(), "environments/docker.yaml: 413 Request Entity Too Large")
	assert.Equal(t, len(want)-2, st.Files)
	assert.Equal(t, 2, st.Failed)
	assert.Equal(t, len(want)-2, ue.Uploaded)

	// The retry sends only the two missing files.
	sw.bulkErrors = nil
	var sent []string
	sw.onArchive = func(names []string, _ []byte) int { sent = names; return 0 }
	st, err = plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"environments/docker.yaml", "puppet/role.role.j2.yaml"}, sent)
	assert.Equal(t, 2, st.Files)
}

func TestUploadBulkRetries5xxWithWholeArchive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		sw := newFakeSwift("/v1/AUTH_x", true)
		sw.register(mt)
		sw.mkContainer("overcloud", nil)
		var bodies [][]byte
		sw.onArchive = func(_ []string, body []byte) int {
			bodies = append(bodies, body)
			if len(bodies) == 1 {
				return 503
			}
			return 0
		}
		fsys, want := templatesFS(t)
		st, err := plan.UploadTemplates(t.Context(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys})
		require.NoError(t, err)
		require.Len(t, bodies, 2)
		assert.NotEmpty(t, bodies[0])
		assert.Equal(t, bodies[0], bodies[1], "the retry sends the whole archive again")
		assert.Equal(t, len(want), st.Files)
	})
}

func TestUploadBulkNotHandled(t *testing.T) {
	// A Swift without the bulk middleware treats the PUT as a container PUT (202, no report).
	plainPut := func(mt *httpmock.MockTransport, sw *fakeSwift) {
		mt.RegisterRegexpResponder("PUT", mustRe(`extract-archive`), func(r *http.Request) (*http.Response, error) {
			sw.mu.Lock()
			sw.requests = append(sw.requests, "PUT (plain) "+r.URL.Path)
			sw.mu.Unlock()
			resp := httpmock.NewStringResponse(202, "")
			resp.Request = r
			return resp, nil
		})
	}
	t.Run("forced", func(t *testing.T) {
		c, mt := newMockClient(t)
		sw := newFakeSwift("/v1/AUTH_x", false)
		plainPut(mt, sw)
		sw.register(mt)
		sw.mkContainer("overcloud", nil)
		fsys, _ := templatesFS(t)
		_, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys, UploadOpts: plan.UploadOpts{Mode: plan.UploadBulk}})
		var ue *plan.UploadError
		require.ErrorAs(t, err, &ue)
		assert.Contains(t, err.Error(), "did not extract the archive")
	})
	t.Run("auto falls back", func(t *testing.T) {
		c, mt := newMockClient(t)
		sw := newFakeSwift("/v1/AUTH_x", true) // /info says bulk, but the PUT is not extracted
		plainPut(mt, sw)
		sw.register(mt)
		sw.mkContainer("overcloud", nil)
		fsys, want := templatesFS(t)
		st, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys})
		require.NoError(t, err)
		assert.Equal(t, plan.UploadPerObject, st.Mode)
		assert.Equal(t, len(want), st.Files)
		assert.Zero(t, st.Failed)
		assert.Equal(t, keys(want), sw.names("overcloud"))
	})
}

func TestUploadAutoWithoutInfo(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", false)
	sw.register(mt)
	sw.mkContainer("overcloud", nil)
	fsys, want := templatesFS(t)
	st, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys})
	require.NoError(t, err)
	assert.Equal(t, plan.UploadPerObject, st.Mode, "no bulk_upload in /info")
	assert.Equal(t, len(want), st.Files)
}

func TestBulkUploadSupported(t *testing.T) {
	for _, tc := range []struct {
		endpoint, info string
	}{
		{"http://swift.test/v1/AUTH_x", "http://swift.test/info"},
		{"http://swift.test/swift/v1/AUTH_x/", "http://swift.test/swift/info"},
		{"http://swift.test/v1", "http://swift.test/info"},
	} {
		mt := httpmock.NewMockTransport()
		c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: mistralURL, Swift: tc.endpoint},
			tripleo.WithHTTPClient(&http.Client{Transport: mt}))
		require.NoError(t, err)
		mt.RegisterResponder("GET", tc.info, httpmock.NewJsonResponderOrPanic(200, map[string]any{"bulk_upload": map[string]any{}}))
		ok, err := plan.BulkUploadSupported(context.Background(), c)
		require.NoError(t, err, tc.endpoint)
		assert.True(t, ok, tc.endpoint)
	}
}

func TestContentTypeFor(t *testing.T) {
	for name, want := range map[string]string{
		"overcloud.yaml":                 "application/x-yaml",
		"puppet/role.role.j2.yaml":       "application/x-yaml",
		"roles/Compute.yml":              "application/x-yaml",
		"network_data.json":              "application/json",
		"templates/foo.j2":               "text/plain",
		"tools/yaml-validate.py":         "text/x-python",
		"extraconfig/post_deploy/run.sh": "text/x-sh",
		"README.rst":                     "text/plain",
		"LICENSE":                        "text/plain",
		"firstboot/os-net-config.bin":    "application/octet-stream",
	} {
		assert.Equal(t, want, plan.ContentTypeFor(name), name)
	}
}

func TestUploadCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		sw := newFakeSwift("/v1/AUTH_x", false)
		sw.register(mt)
		sw.mkContainer("overcloud", nil)
		sw.hold = time.Second
		fsys, want := templatesFS(t)
		ctx, cancel := context.WithCancel(t.Context())
		var once sync.Once
		st, err := plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys, UploadOpts: plan.UploadOpts{Mode: plan.UploadPerObject, Concurrency: 2,
			OnProgress: func(p plan.UploadProgress) {
				if p.Uploaded == 2 {
					once.Do(cancel)
				}
			}}})
		require.ErrorIs(t, err, context.Canceled)
		var ue *plan.UploadError
		assert.False(t, errors.As(err, &ue), "a cancelled upload is not a file failure")
		assert.Contains(t, err.Error(), fmt.Sprintf("of %d files in the container", len(want)))
		assert.Zero(t, st.Failed)
		assert.Less(t, st.Files, len(want))
	})
}

func TestUploadBulkReportShortOfTheBatchIsAnError(t *testing.T) {
	for _, tc := range []struct {
		report     string
		files      int
		unreported []string
	}{
		{`{"Response Status": "200 OK", "Number Files Created": 2}`, 2, []string{"roles_data.yaml"}},
		{`{"Response Status": "201 Created", "Number Files Created": -1}`, 0, []string{"environments/a b.yaml", "overcloud.yaml", "roles_data.yaml"}},
	} {
		c, fsys := bulkReportClient(t, func() []byte { return []byte(tc.report) })
		st, err := plan.UploadTemplates(context.Background(), c, plan.UploadTemplatesOpts{Plan: "overcloud", Templates: fsys,
			UploadOpts: plan.UploadOpts{Mode: plan.UploadBulk, Force: true, MaxRetryTime: time.Second}})
		var ue *plan.UploadError
		require.ErrorAs(t, err, &ue, tc.report)
		var names []string
		for _, f := range ue.Files {
			assert.Equal(t, "not counted as created by the bulk report", f.Status)
			names = append(names, f.Name)
		}
		assert.Equal(t, tc.unreported, names, tc.report)
		assert.Equal(t, tc.files, st.Files, tc.report)
		assert.Equal(t, 3-tc.files, st.Failed, tc.report)
	}
}

// bulkReportClient is a Client whose Swift takes bulk uploads and answers each
// extract-archive with report(), and a three-file templates tree to upload.
func bulkReportClient(t testing.TB, report func() []byte) (*tripleo.Client, fstest.MapFS) {
	c, mt := newMockClient(t)
	mt.RegisterRegexpResponder("PUT", mustRe(`extract-archive`), func(r *http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(201, report())
		resp.Request = r
		return resp, nil
	})
	sw := newFakeSwift("/v1/AUTH_x", true)
	sw.register(mt)
	sw.mkContainer("overcloud", nil)
	return c, fstest.MapFS{
		"overcloud.yaml":        {Data: []byte("heat_template_version: queens\n")},
		"roles_data.yaml":       {Data: []byte("- name: Controller\n")},
		"environments/a b.yaml": {Data: []byte("parameter_defaults: {}\n")},
	}
}
