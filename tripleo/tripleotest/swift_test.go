package tripleotest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/objectstorage/v1/containers"
	"github.com/gophercloud/gophercloud/v2/openstack/objectstorage/v1/objects"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Swift conformance with gophercloud's containers and objects packages.

func TestSwiftContainersAndObjects(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)
	sc := c.ObjectStore

	if _, err := containers.Create(ctx, sc, "overcloud", containers.CreateOpts{Metadata: map[string]string{"Usage-Tripleo": "plan"}}).Extract(); err != nil {
		t.Fatal(err)
	}
	if got := u.ContainerMeta("overcloud")["X-Container-Meta-Usage-Tripleo"]; got != "plan" {
		t.Errorf("meta %q", got)
	}
	for _, name := range []string{"roles/a.yaml", "roles/b.yaml", "overcloud.yaml", "x.j2.yaml"} {
		res := objects.Create(ctx, sc, "overcloud", name, objects.CreateOpts{Content: strings.NewReader("x: " + name), ContentType: "application/x-yaml",
			Metadata: map[string]string{"Origin": "test"}})
		h, err := res.Extract()
		if err != nil || h.ETag != etagOf([]byte("x: "+name)) {
			t.Fatalf("upload %s: %+v %v", name, h, err)
		}
	}
	dl := objects.Download(ctx, sc, "overcloud", "roles/a.yaml", nil)
	body, err := dl.ExtractContent()
	if err != nil || string(body) != "x: roles/a.yaml" {
		t.Fatalf("download: %q %v", body, err)
	}
	md, err := objects.Get(ctx, sc, "overcloud", "roles/a.yaml", nil).ExtractMetadata()
	if err != nil || md["Origin"] != "test" {
		t.Errorf("object meta %v %v", md, err)
	}
	gh, err := containers.Get(ctx, sc, "overcloud", nil).Extract()
	if err != nil || gh.ObjectCount != 4 {
		t.Errorf("container head: %+v %v", gh, err)
	}
	// listings: prefix + delimiter, limit/marker paging
	var names []string
	err = objects.List(sc, "overcloud", objects.ListOpts{Limit: 1}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		n, err := objects.ExtractNames(p)
		names = append(names, n...)
		return true, err
	})
	if err != nil || strings.Join(names, ",") != "overcloud.yaml,roles/a.yaml,roles/b.yaml,x.j2.yaml" {
		t.Errorf("paged listing %v %v", names, err)
	}
	code, _, raw := doJSON(t, "GET", u.Endpoints().Swift+"/overcloud?format=json&delimiter=/", nil, nil)
	if code != 200 || !strings.Contains(string(raw), `{"subdir":"roles/"}`) {
		t.Errorf("delimiter listing: %s", raw)
	}
	// a container that is not empty cannot be deleted
	_, err = containers.Delete(ctx, sc, "overcloud").Extract()
	if !gophercloud.ResponseCodeIs(err, 409) {
		t.Errorf("delete non-empty: %v", err)
	}
	res, err := objects.BulkDelete(ctx, sc, "overcloud", []string{"roles/a.yaml", "missing"}).Extract()
	if err != nil || res.NumberDeleted != 1 || res.NumberNotFound != 1 {
		t.Errorf("bulk delete %+v %v", res, err)
	}
	dl = objects.Download(ctx, sc, "overcloud", "roles/a.yaml", nil)
	if _, err := dl.ExtractContent(); !gophercloud.ResponseCodeIs(err, 404) {
		t.Errorf("deleted object: %v", err)
	}
	// account listing
	var cs []string
	containers.List(sc, nil).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		n, err := containers.ExtractNames(p)
		cs = append(cs, n...)
		return true, err
	})
	if strings.Join(cs, ",") != "overcloud" {
		t.Errorf("containers %v", cs)
	}
	// a wrong Etag is refused
	res2 := objects.Create(ctx, sc, "overcloud", "bad", objects.CreateOpts{Content: strings.NewReader("x"), ETag: "0123"})
	if !gophercloud.ResponseCodeIs(res2.Err, 422) {
		t.Errorf("bad etag: %v", res2.Err)
	}
}

func TestSwiftExtractArchive(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, data := range map[string]string{"overcloud.yaml": "a", "puppet/role.yaml": "b"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write([]byte(data))
	}
	tw.Close()
	zw.Close()
	code, _, body := doJSON(t, "PUT", u.Endpoints().Swift+"/plan?extract-archive=tar.gz", buf.Bytes(), map[string]string{"Accept": "application/json"})
	var res map[string]any
	json.Unmarshal(body, &res)
	if code != 200 || res["Response Status"] != "201 Created" || res["Number Files Created"] != float64(2) {
		t.Fatalf("extract: %d %s", code, body)
	}
	if objs := u.Objects("plan"); string(objs["puppet/role.yaml"]) != "b" || len(objs) != 2 {
		t.Errorf("objects %v", objs)
	}
	code, _, body = doJSON(t, "PUT", u.Endpoints().Swift+"/plan?extract-archive=tar.gz", "garbage", map[string]string{"Accept": "application/json"})
	if code != 200 || !strings.Contains(string(body), `"Response Body":"Invalid Tar File: not a gzip file"`) {
		t.Errorf("bad archive: %d %s", code, body)
	}
	code, _, body = doJSON(t, "POST", u.Endpoints().Swift+"?bulk-delete", "plan/overcloud.yaml\nplan\n", map[string]string{"Accept": "application/json", "Content-Type": "text/plain"})
	if code != 200 || !strings.Contains(string(body), `"Errors":[["plan","409 Conflict"]]`) {
		t.Errorf("bulk delete of a non-empty container: %s", body)
	}
}
