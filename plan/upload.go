package plan

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/objectstorage/v1/objects"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/tripleo-go/sdk/internal/retry"
	"github.com/tripleo-go/sdk/tripleo"
)

// DefaultConcurrency is how many objects UploadTemplates puts at once unless told otherwise.
const DefaultConcurrency = 8

// DefaultBulkMaxBytes is the most file bytes (before compression) UploadTemplates
// puts in one bulk archive unless told otherwise.
const DefaultBulkMaxBytes = 64 << 20

// DefaultMaxRetryTime bounds the retries of one request (5xx, 429 and
// connection errors) unless told otherwise.
const DefaultMaxRetryTime = 2 * time.Minute

// DefaultExcludes are the names tripleo-common leaves out of a plan's tarball
// (tar --exclude semantics: a pattern matches the base name of a file or
// directory at any depth; a pattern with a "/" matches the whole relative path).
var DefaultExcludes = []string{".git", ".tox", "*.pyc", "*.pyo"}

// UploadMode says how UploadTemplates sends the files.
type UploadMode string

// Upload modes.
const (
	// UploadAuto (the zero value) uses UploadBulk when Swift's GET /info lists
	// the bulk_upload capability, else UploadPerObject.
	UploadAuto UploadMode = ""
	// UploadBulk sends gzip tar archives to PUT /{container}?extract-archive=tar.gz
	// (what tripleo-common does). Swift detects content types itself
	// (X-Detect-Content-Type).
	UploadBulk UploadMode = "bulk"
	// UploadPerObject puts each file as its own object, Concurrency at a time,
	// with the content type of ContentTypeFor and its MD5 as ETag.
	UploadPerObject UploadMode = "per-object"
)

// UploadOpts tune UploadTemplates.
type UploadOpts struct {
	// Concurrency bounds the objects put at once in UploadPerObject mode
	// (0 means DefaultConcurrency). net/http's default transport keeps only 2
	// idle connections per host, so more workers open new connections all the
	// time; a Client built with tripleo.WithHTTPClient and a Transport whose
	// MaxIdleConnsPerHost is at least Concurrency reuses them (about 1.5x
	// faster against a local Swift, see BenchmarkUpload).
	Concurrency int
	// Mode chooses bulk or per-object upload (UploadAuto by default).
	Mode UploadMode
	// Excludes are more patterns to leave out, on top of DefaultExcludes.
	Excludes []string
	// NoDefaultExcludes drops DefaultExcludes.
	NoDefaultExcludes bool
	// ContentType returns the Content-Type of an object in per-object mode
	// (nil means ContentTypeFor).
	ContentType func(name string) string
	// Force uploads every file even when the container already holds an object
	// of that name with the same MD5; the container is then not listed.
	Force bool
	// BulkMaxBytes is the most file bytes per archive in bulk mode; more files
	// go in further archives, sent one after the other (0 means DefaultBulkMaxBytes).
	BulkMaxBytes int64
	// MaxRetryTime bounds the retries of each request (0 means DefaultMaxRetryTime).
	MaxRetryTime time.Duration
	// OnProgress, when set, is called after the container listing and after
	// each file (per-object) or archive (bulk) with the counters so far. Calls
	// come from the uploading goroutines but never overlap, and the counters
	// never decrease; keep the callback short, uploads wait for it.
	OnProgress func(UploadProgress)
}

// UploadTemplatesOpts are the inputs of UploadTemplates.
type UploadTemplatesOpts struct {
	// Plan is the plan whose container receives the files (required; see
	// ValidateName). The container must exist (CreateContainer).
	Plan string
	// Templates is the templates tree to upload (required).
	Templates fs.FS
	// UploadOpts tune the upload.
	UploadOpts
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o UploadTemplatesOpts) Validate() error {
	return errors.Join(checkName("plan", o.Plan), needFS(o.Templates), o.UploadOpts.Validate())
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o UploadOpts) Validate() error {
	var errs []error
	if o.Concurrency < 0 || o.Concurrency > 256 {
		errs = append(errs, tripleo.Invalid("concurrency", "%d is not between 0 and 256", o.Concurrency))
	}
	switch o.Mode {
	case UploadAuto, UploadBulk, UploadPerObject:
	default:
		errs = append(errs, tripleo.Invalid("mode", "unknown upload mode %q", o.Mode))
	}
	for _, p := range o.Excludes {
		if _, err := path.Match(p, ""); err != nil || p == "" {
			errs = append(errs, tripleo.Invalid("excludes", "%q is not a valid pattern", p))
		}
	}
	if o.BulkMaxBytes < 0 {
		errs = append(errs, tripleo.Invalid("bulk_max_bytes", "must not be negative"))
	}
	if o.MaxRetryTime < 0 {
		errs = append(errs, tripleo.Invalid("max_retry_time", "must not be negative"))
	}
	return errors.Join(errs...)
}

// UploadProgress is a snapshot of an upload's counters.
type UploadProgress struct {
	// Object is the file just finished, or "" for a report not about one file
	// (the first one, after the listing, and the archives of bulk mode).
	Object string
	// Uploaded, Skipped (already in Swift with the same MD5) and Failed count
	// finished files; InProgress those being sent; Total all files to consider.
	Uploaded, Skipped, Failed, InProgress, Total int
	// Bytes is the size of the files uploaded so far.
	Bytes int64
	// Mode is the mode in use.
	Mode UploadMode
	// Err is Object's failure, if it failed.
	Err error
}

// UploadStats sums up an upload.
type UploadStats struct {
	// Files is the number of files uploaded.
	Files int
	// Skipped is the number of files Swift already held with the same MD5.
	Skipped int
	// Failed is the number of files that could not be uploaded.
	Failed int
	// Total is the number of files in the tree (after excludes).
	Total int
	// Bytes is the size of the uploaded files.
	Bytes int64
	// Mode is the mode used; empty when nothing needed uploading.
	Mode UploadMode
	// Archives is the number of bulk archives sent (bulk mode).
	Archives int
	// Duration is the wall time of the whole call.
	Duration time.Duration
}

// FileError is the failure of one file.
type FileError struct {
	// Name is the object name (the file's path relative to the tree's root).
	Name string
	// Status is Swift's status for it, e.g. "413 Request Entity Too Large", if known.
	Status string
	// Err is the error, for per-object uploads.
	Err error
}

// String renders "name: error" (or "name: status").
func (f FileError) String() string {
	switch {
	case f.Err != nil:
		return f.Name + ": " + f.Err.Error()
	case f.Status != "":
		return f.Name + ": " + f.Status
	}
	return f.Name
}

// UploadError reports files UploadTemplates could not upload. The files
// uploaded before it stay in the container: calling UploadTemplates again
// uploads only what is missing or different.
type UploadError struct {
	// Plan is the destination plan (its Swift container).
	Plan string
	// Mode is the mode that failed.
	Mode UploadMode
	// Files are the files that failed, by name.
	Files []FileError
	// Status and Body are the bulk response's "Response Status" and "Response
	// Body" (bulk mode).
	Status, Body string
	// Uploaded, Skipped and Total count the files as in UploadStats.
	Uploaded, Skipped, Total int
	// Err is a failure of the whole request (bulk mode), if any.
	Err error
}

// Error names the failed files (the first five) and counts what is in the container.
func (e *UploadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "upload to swift container %s (%s)", e.Plan, e.Mode)
	if e.Status != "" {
		fmt.Fprintf(&b, ": %s", e.Status)
		if e.Body != "" {
			fmt.Fprintf(&b, " %q", e.Body)
		}
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if n := len(e.Files); n > 0 {
		names := make([]string, 0, 5)
		for i, f := range e.Files {
			if i == 5 {
				names = append(names, fmt.Sprintf("and %d more", n-5))
				break
			}
			names = append(names, f.String())
		}
		fmt.Fprintf(&b, ": %d file(s) failed: %s", n, strings.Join(names, "; "))
	}
	fmt.Fprintf(&b, " (%d of %d files in the container: %d uploaded, %d already there)", e.Uploaded+e.Skipped, e.Total, e.Uploaded, e.Skipped)
	return b.String()
}

// Unwrap returns the errors of the failed files.
func (e *UploadError) Unwrap() []error {
	var out []error
	if e.Err != nil {
		out = append(out, e.Err)
	}
	for _, f := range e.Files {
		if f.Err != nil {
			out = append(out, f.Err)
		}
	}
	return out
}

// ContentTypeFor returns the Content-Type UploadTemplates gives an object in
// per-object mode, from its name's extension: application/x-yaml for .yaml
// and .yml (so also .j2.yaml), application/json, text/plain for .j2 and other
// text files, text/x-python, text/x-sh, application/gzip, and
// application/octet-stream otherwise (what Swift itself answers for an
// unknown type).
func ContentTypeFor(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".yaml"), strings.HasSuffix(n, ".yml"):
		return "application/x-yaml"
	case strings.HasSuffix(n, ".json"):
		return "application/json"
	case strings.HasSuffix(n, ".py"):
		return "text/x-python"
	case strings.HasSuffix(n, ".sh"):
		return "text/x-sh"
	case strings.HasSuffix(n, ".tar.gz"), strings.HasSuffix(n, ".tgz"), strings.HasSuffix(n, ".gz"):
		return "application/gzip"
	case strings.HasSuffix(n, ".j2"), strings.HasSuffix(n, ".txt"), strings.HasSuffix(n, ".md"),
		strings.HasSuffix(n, ".rst"), strings.HasSuffix(n, ".cfg"), strings.HasSuffix(n, ".conf"),
		strings.HasSuffix(n, ".ini"), strings.HasSuffix(n, ".pp"), strings.HasSuffix(n, ".erb"),
		path.Base(n) == "license", path.Base(n) == "readme":
		return "text/plain"
	}
	return "application/octet-stream"
}

// file is one file of the tree.
type file struct {
	name string
	size int64
	data []byte // read lazily
	md5  string
}

// listFiles walks fsys, leaving out the excluded names, and returns the
// regular files (symbolic links to regular files included) sorted by name.
func listFiles(fsys fs.FS, excludes []string) ([]*file, error) {
	var files []*file
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if excluded(p, excludes) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if info, err = fs.Stat(fsys, p); err != nil {
				return err
			}
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		files = append(files, &file{name: p, size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, nil
}

// excluded applies tar --exclude semantics to a slash-separated relative path.
func excluded(rel string, patterns []string) bool {
	base := path.Base(rel)
	for _, p := range patterns {
		if ok, _ := path.Match(p, base); ok {
			return true
		}
		if strings.Contains(p, "/") {
			if ok, _ := path.Match(strings.TrimPrefix(p, "./"), rel); ok {
				return true
			}
		}
	}
	return false
}

// read loads the file and its MD5.
func (f *file) read(fsys fs.FS) error {
	if f.data != nil {
		return nil
	}
	data, err := fs.ReadFile(fsys, f.name)
	if err != nil {
		return err
	}
	sum := md5.Sum(data)
	f.data, f.md5, f.size = data, hex.EncodeToString(sum[:]), int64(len(data))
	return nil
}

// UploadTemplates uploads a templates tree to a plan container like `swift
// upload` does: object names are the files' paths relative to the root of
// opts.Templates (e.g. "environments/docker.yaml"), DefaultExcludes and opts.Excludes
// are left out, and each file is sent once.
//
// It is resumable: the container is listed once and a file whose object
// already exists with the same MD5 (ETag) is skipped, so calling it again
// after a failure sends only what is missing. Each request is retried on 5xx,
// 429 and connection errors with exponential backoff, every attempt with the
// whole body from the start (gophercloud does not rewind a request body it
// retries itself, gophercloud#603, so the SDK retries with a new reader).
//
// In per-object mode at most opts.Concurrency objects are in flight; in bulk
// mode the files go in gzip tar archives to Swift's extract-archive, whose JSON
// answer is checked file by file. Failed files give an *UploadError naming
// them; a missing container gives a *tripleo.APIError matching
// tripleo.ErrNotFound (create it with CreateContainer first). The stats are
// returned in every case.
func UploadTemplates(ctx context.Context, c *tripleo.Client, opts UploadTemplatesOpts) (UploadStats, error) {
	container, fsys := opts.Plan, opts.Templates
	start := time.Now()
	stats := UploadStats{}
	if err := opts.Validate(); err != nil {
		return stats, err
	}
	if err := c.Need("object-store"); err != nil {
		return stats, err
	}
	u := &uploader{c: c, sc: c.ObjectStore, container: container, fsys: fsys, opts: opts.UploadOpts}
	u.opts.fill()
	err := u.run(ctx)
	u.mu.Lock()
	defer u.mu.Unlock()
	stats = u.stats
	stats.Duration = time.Since(start)
	return stats, err
}

func needFS(fsys fs.FS) error {
	if fsys == nil {
		return tripleo.Invalid("templates", "a file system (fs.FS) is required")
	}
	return nil
}

func (o *UploadOpts) fill() {
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.ContentType == nil {
		o.ContentType = ContentTypeFor
	}
	if o.BulkMaxBytes == 0 {
		o.BulkMaxBytes = DefaultBulkMaxBytes
	}
	if o.MaxRetryTime == 0 {
		o.MaxRetryTime = DefaultMaxRetryTime
	}
	if !o.NoDefaultExcludes {
		o.Excludes = append(append([]string(nil), DefaultExcludes...), o.Excludes...)
	}
}

// uploader is one UploadTemplates call.
type uploader struct {
	c         *tripleo.Client
	sc        *gophercloud.ServiceClient
	container string
	fsys      fs.FS
	opts      UploadOpts

	mu       sync.Mutex // guards stats, progress and the OnProgress calls
	stats    UploadStats
	inFlight int
	existing map[string]string // object name -> MD5 from the listing
}

func (u *uploader) run(ctx context.Context) error {
	files, err := listFiles(u.fsys, u.opts.Excludes)
	if err != nil {
		return fmt.Errorf("upload to %s: read templates: %w", u.container, err)
	}
	if len(files) == 0 {
		return tripleo.Invalid("templates", "the tree holds no files (after excludes)")
	}
	u.stats.Total = len(files)
	if !u.opts.Force {
		if err := u.list(ctx); err != nil {
			return err
		}
	} else if err := u.headContainer(ctx); err != nil {
		return err
	}
	mode := u.opts.Mode
	if mode == UploadAuto {
		// Hash the tree first: /info is worth asking only when several files
		// need uploading. The data is kept for the upload.
		todo := 0
		for _, f := range files {
			if err := f.read(u.fsys); err != nil {
				return fmt.Errorf("upload to %s: read %s: %w", u.container, f.name, err)
			}
			if u.opts.Force || u.existing[f.name] != f.md5 {
				todo++
			}
		}
		mode = UploadPerObject
		if todo > 1 {
			ok, err := BulkUploadSupported(ctx, u.c)
			if err != nil {
				u.c.Log().Debug("swift /info not read; uploading object by object", "error", err)
			}
			if ok {
				mode = UploadBulk
			}
		}
	}
	u.report(UploadProgress{Mode: mode})
	if mode == UploadBulk {
		return u.bulk(ctx, files, u.opts.Mode == UploadAuto)
	}
	return u.perObject(ctx, files)
}

// report updates the snapshot fields and calls OnProgress; u.mu must not be held.
func (u *uploader) report(p UploadProgress) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.reportLocked(p)
}

func (u *uploader) reportLocked(p UploadProgress) {
	if p.Mode != "" && u.stats.Mode == "" {
		u.stats.Mode = p.Mode
	}
	if u.opts.OnProgress == nil {
		return
	}
	p.Uploaded, p.Skipped, p.Failed, p.Total = u.stats.Files, u.stats.Skipped, u.stats.Failed, u.stats.Total
	p.InProgress, p.Bytes = u.inFlight, u.stats.Bytes
	if p.Mode == "" {
		p.Mode = u.stats.Mode
	}
	u.opts.OnProgress(p)
}

// list reads the container listing once (every page) into u.existing.
func (u *uploader) list(ctx context.Context) error {
	op := "swift: list container " + u.container
	err := retryRequest(ctx, u.c, op, u.opts.MaxRetryTime, func() error {
		existing := map[string]string{}
		err := objects.List(u.sc, u.container, objects.ListOpts{}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
			infos, err := objects.ExtractInfo(p)
			if err != nil {
				return false, err
			}
			for _, o := range infos {
				existing[o.Name] = strings.ToLower(o.Hash)
			}
			return true, nil
		})
		if err == nil {
			u.existing = existing
		}
		return err
	})
	return wrapContainerErr(op, u.container, err)
}

// headContainer checks that the container exists (Force mode, which skips the listing).
func (u *uploader) headContainer(ctx context.Context) error {
	op := "swift: head container " + u.container
	err := retryRequest(ctx, u.c, op, u.opts.MaxRetryTime, func() error {
		resp, err := u.sc.Head(ctx, u.sc.ServiceURL(escape(u.container)), &gophercloud.RequestOpts{OkCodes: []int{200, 204}})
		_, _, err = gophercloud.ParseResponse(resp, err)
		return err
	})
	return wrapContainerErr(op, u.container, err)
}

func wrapContainerErr(op, container string, err error) error {
	if err == nil {
		return nil
	}
	err = tripleo.WrapHTTP(op, err)
	if tripleo.IsNotFound(err) {
		return &tripleo.PlanNotFoundError{Plan: container, Op: "upload templates (create the plan's container with plan.CreateContainer first)", Err: err}
	}
	return err
}

// perObject uploads the files with at most Concurrency requests in flight,
// stopping at the first failure.
func (u *uploader) perObject(parent context.Context, files []*file) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	jobs := make(chan *file)
	var (
		wg     sync.WaitGroup
		failMu sync.Mutex
		failed []FileError
	)
	for range u.opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				if ctx.Err() != nil {
					continue // drain: nothing new starts after a failure
				}
				if err := u.one(ctx, f); err != nil {
					failMu.Lock()
					// Files cut short by the cancel below (or by the caller) did not fail.
					if ctx.Err() == nil {
						failed = append(failed, FileError{Name: f.name, Err: err})
					}
					failMu.Unlock()
					cancel()
				}
			}
		}()
	}
feed:
	for _, f := range files {
		select {
		case jobs <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(failed) > 0 {
		sort.Slice(failed, func(i, j int) bool { return failed[i].Name < failed[j].Name })
		return &UploadError{Plan: u.container, Mode: UploadPerObject, Files: failed,
			Uploaded: u.stats.Files, Skipped: u.stats.Skipped, Total: u.stats.Total}
	}
	if err := parent.Err(); err != nil {
		return fmt.Errorf("upload to %s interrupted with %d of %d files in the container: %w",
			u.container, u.stats.Files+u.stats.Skipped, u.stats.Total, err)
	}
	return nil
}

// one uploads (or skips) one file; it reports progress either way.
func (u *uploader) one(ctx context.Context, f *file) error {
	if err := f.read(u.fsys); err != nil {
		u.finish(f, false, err)
		return err
	}
	defer func() { f.data = nil }() // the tree may be large: keep only what is in flight
	if !u.opts.Force && u.existing[f.name] == f.md5 {
		u.finish(f, true, nil)
		return nil
	}
	u.mu.Lock()
	u.inFlight++
	u.mu.Unlock()
	err := u.put(ctx, f)
	u.mu.Lock()
	u.inFlight--
	u.mu.Unlock()
	if err != nil && ctx.Err() != nil {
		return err // cut short, not failed: no report
	}
	u.finish(f, false, err)
	return err
}

func (u *uploader) finish(f *file, skipped bool, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case err != nil:
		u.stats.Failed++
	case skipped:
		u.stats.Skipped++
	default:
		u.stats.Files++
		u.stats.Bytes += f.size
	}
	u.reportLocked(UploadProgress{Object: f.name, Err: err})
}

// put sends one object; each attempt reads the body from the start.
func (u *uploader) put(ctx context.Context, f *file) error {
	op := "swift: put " + u.container + "/" + f.name
	ctype := u.opts.ContentType(f.name)
	err := retryRequest(ctx, u.c, op, u.opts.MaxRetryTime, func() error {
		res := objects.Create(ctx, u.sc, u.container, f.name, objects.CreateOpts{
			Content:     bytes.NewReader(f.data),
			ContentType: ctype,
			ETag:        f.md5,
		})
		return res.Err
	})
	return tripleo.WrapHTTP(op, err)
}

// retryRequest runs an idempotent request with exponential backoff (100 ms to
// 5 s) while its error is tripleo.Retryable, for at most maxTime; when ctx
// ends first the last request error is kept beside ctx's.
func retryRequest(ctx context.Context, c *tripleo.Client, op string, maxTime time.Duration, fn func() error) error {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(100*time.Millisecond),
		backoff.WithMaxInterval(5*time.Second),
		backoff.WithMaxElapsedTime(maxTime),
	)
	retryable := func(err error) bool { return tripleo.Retryable(err, true) }
	return retry.Do(ctx, b, retryable, func(err error, d time.Duration) {
		c.Log().Debug("retrying", "op", op, "in", d, "error", err)
	}, fn)
}

// escape escapes a container or object name for a URL path.
func escape(s string) string { return url.PathEscape(s) }
