package plan

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/tripleo-go/sdk/tripleo"
)

// BulkUploadSupported reads Swift's capabilities (GET /info at the root of the
// proxy, beside /v1) and reports whether the bulk middleware offers
// bulk_upload (extract-archive).
func BulkUploadSupported(ctx context.Context, c *tripleo.Client) (bool, error) {
	if err := c.Need("object-store"); err != nil {
		return false, err
	}
	infoURL, err := swiftInfoURL(c.ObjectStore.Endpoint)
	if err != nil {
		return false, err
	}
	var info map[string]json.RawMessage
	err = c.Idempotent(ctx, "swift: get /info", func() error {
		info = nil
		resp, err := c.ObjectStore.Get(ctx, infoURL, &info, &gophercloud.RequestOpts{OkCodes: []int{200}})
		_, _, err = gophercloud.ParseResponse(resp, err)
		return err
	})
	if err != nil {
		return false, tripleo.WrapHTTP("swift: get /info", err)
	}
	_, ok := info["bulk_upload"]
	return ok, nil
}

// swiftInfoURL turns http://host:8080/v1/AUTH_x/ into http://host:8080/info
// (keeping any path prefix before /v1).
func swiftInfoURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("swift endpoint %q: %w", endpoint, err)
	}
	p := u.Path
	if i := strings.Index(p, "/v1/"); i >= 0 {
		p = p[:i]
	} else {
		p = strings.TrimSuffix(strings.TrimSuffix(p, "/"), "/v1")
	}
	u.Path, u.RawPath, u.RawQuery = strings.TrimSuffix(p, "/")+"/info", "", ""
	return u.String(), nil
}

// bulkResponse is the JSON answer of Swift's bulk middleware.
type bulkResponse struct {
	Status  string     `json:"Response Status"`
	Body    string     `json:"Response Body"`
	Created int        `json:"Number Files Created"`
	Errors  [][]string `json:"Errors"`
}

// errNotCreated is the status of a file that a bulk report neither lists as
// an error nor counts as created.
const errNotCreated = "not counted as created by the bulk report"

// errNotBulk says the server answered the archive PUT without the bulk
// middleware (a plain container PUT answers 201/202 with no JSON report).
var errNotBulk = errors.New("the server did not extract the archive (no bulk middleware report)")

// bulk hashes the files, leaves out those Swift already holds, and sends the
// rest in archives of at most BulkMaxBytes. With fallback (auto mode) a server
// that turns out not to extract archives gets the files object by object.
func (u *uploader) bulk(ctx context.Context, files []*file, fallback bool) error {
	var todo []*file
	for _, f := range files {
		if err := f.read(u.fsys); err != nil {
			u.finish(f, false, err)
			return &UploadError{Plan: u.container, Mode: UploadBulk, Files: []FileError{{Name: f.name, Err: err}},
				Uploaded: u.stats.Files, Skipped: u.stats.Skipped, Total: u.stats.Total}
		}
		if !u.opts.Force && u.existing[f.name] == f.md5 {
			f.data = nil
			u.finish(f, true, nil)
			continue
		}
		todo = append(todo, f)
	}
	for len(todo) > 0 {
		n, size := 0, int64(0)
		for n < len(todo) && (n == 0 || size+todo[n].size <= u.opts.BulkMaxBytes) {
			size += todo[n].size
			n++
		}
		batch := todo[:n]
		err := u.sendArchive(ctx, batch)
		if errors.Is(err, errNotBulk) && fallback && u.stats.Archives == 0 {
			u.c.Log().Debug("bulk upload not handled by the server; uploading object by object", "container", u.container)
			u.mu.Lock()
			u.stats.Mode = UploadPerObject
			u.mu.Unlock()
			return u.perObject(ctx, todo)
		}
		if err != nil {
			return err
		}
		for _, f := range batch {
			f.data = nil
		}
		todo = todo[n:]
	}
	return nil
}

// sendArchive builds one gzip tar of batch and PUTs it to extract-archive,
// retrying 5xx (HTTP or the report's own status) with the whole archive.
func (u *uploader) sendArchive(ctx context.Context, batch []*file) error {
	archive, err := buildArchive(batch)
	if err != nil {
		return fmt.Errorf("upload to %s: build archive: %w", u.container, err)
	}
	u.mu.Lock()
	u.inFlight += len(batch)
	u.mu.Unlock()
	op := "swift: extract archive into " + u.container
	target := u.sc.ServiceURL(escape(u.container)) + "?extract-archive=tar.gz"
	var rep bulkResponse
	err = retryRequest(ctx, u.c, op, u.opts.MaxRetryTime, func() error {
		rep = bulkResponse{}
		resp, err := u.sc.Put(ctx, target, bytes.NewReader(archive), nil, &gophercloud.RequestOpts{
			OkCodes:          []int{200, 201, 202}, // 202: a container PUT, see errNotBulk
			KeepResponseBody: true,
			MoreHeaders: map[string]string{
				"Accept":                "application/json",
				"Content-Type":          "application/gzip",
				"X-Detect-Content-Type": "true",
			},
		})
		body, _, err := gophercloud.ParseResponse(resp, err)
		if err != nil {
			return err
		}
		defer body.Close()
		raw, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		// The middleware may send spaces to keep the connection alive before the report.
		if json.Unmarshal(bytes.TrimSpace(raw), &rep) != nil || rep.Status == "" {
			return errNotBulk // not Retryable: final
		}
		if strings.HasPrefix(rep.Status, "5") {
			// The whole archive again is safe: extraction overwrites what landed.
			return gophercloud.ErrUnexpectedResponseCode{Actual: statusCode(rep.Status), Body: []byte(rep.Body),
				Method: "PUT", URL: target, Expected: []int{201}}
		}
		return nil
	})
	u.mu.Lock()
	defer u.mu.Unlock()
	u.inFlight -= len(batch)
	fail := func(files []FileError, err error) error {
		return &UploadError{Plan: u.container, Mode: UploadBulk, Files: files, Status: rep.Status, Body: rep.Body,
			Uploaded: u.stats.Files, Skipped: u.stats.Skipped, Total: u.stats.Total, Err: err}
	}
	if errors.Is(err, errNotBulk) {
		return fail(nil, errNotBulk)
	}
	if err != nil && rep.Status == "" {
		u.stats.Failed += len(batch)
		u.reportLocked(UploadProgress{Mode: UploadBulk})
		return fail(nil, tripleo.WrapHTTP(op, err))
	}
	u.stats.Archives++
	u.stats.Mode = UploadBulk
	failed := map[string]string{}
	for _, e := range rep.Errors {
		if len(e) == 0 {
			continue
		}
		status := ""
		if len(e) > 1 {
			status = e[1]
		}
		failed[bulkName(u.container, e[0])] = status
	}
	var fe []FileError
	// Files the report neither lists as errors nor counts as created (a
	// count short of the batch, or negative) are failures too: a report of
	// success must not hide a file that is not in the container.
	created, batchFailed := max(rep.Created, 0), 0
	for _, f := range batch {
		if status, bad := failed[f.name]; bad {
			fe = append(fe, FileError{Name: f.name, Status: status})
			delete(failed, f.name)
			batchFailed++
			continue
		}
		if created > 0 {
			created--
			u.stats.Files++
			u.stats.Bytes += f.size
			continue
		}
		fe = append(fe, FileError{Name: f.name, Status: errNotCreated})
		batchFailed++
	}
	for name, status := range failed { // names that match no file of the batch
		fe = append(fe, FileError{Name: name, Status: status})
	}
	u.stats.Failed += batchFailed
	u.reportLocked(UploadProgress{Mode: UploadBulk})
	if len(fe) > 0 || !strings.HasPrefix(rep.Status, "2") {
		return fail(fe, nil)
	}
	return nil
}

func statusCode(status string) int {
	n := 0
	for _, r := range status {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// bulkName turns a name of the report ("/v1/AUTH_x/overcloud/a%20b.yaml" or
// "overcloud/a.yaml") into the object name.
func bulkName(container, reported string) string {
	name := reported
	if n, err := url.PathUnescape(reported); err == nil {
		name = n
	}
	if i := strings.Index(name, "/"+container+"/"); i >= 0 {
		return name[i+len(container)+2:]
	}
	return strings.TrimPrefix(strings.TrimPrefix(name, "/"), container+"/")
}

// buildArchive writes the files into a gzip tar, in memory, with the object
// names as paths.
func buildArchive(batch []*file) ([]byte, error) {
	var total int64
	for _, f := range batch {
		total += f.size
	}
	var buf bytes.Buffer
	buf.Grow(int(total/3) + 4096)
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	mtime := time.Unix(0, 0)
	for _, f := range batch {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: mtime}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
