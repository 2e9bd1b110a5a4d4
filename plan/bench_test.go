package plan_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tripleo-go/sdk/plan"
)

// benchTree is 1,000 small template files in 10 directories.
func benchTree() fstest.MapFS {
	m := fstest.MapFS{}
	for i := range 1000 {
		m[fmt.Sprintf("puppet/services/group-%d/service-%03d.yaml", i%10, i)] = &fstest.MapFile{Data: fmt.Appendf(nil,
			"heat_template_version: queens\ndescription: service %d\nparameters:\n  ServiceNetMap:\n    default: {}\n    type: json\n"+
				"outputs:\n  role_data:\n    value:\n      service_name: service_%d\n", i, i)}
	}
	return m
}

// BenchmarkUpload uploads 1,000 small files to an in-process Swift (an
// httptest server on loopback; its own allocations count too) into a fresh
// container each iteration: object by object one at a time, object by object
// DefaultConcurrency at a time, and as one bulk archive.
func BenchmarkUpload(b *testing.B) {
	tree := benchTree()
	for _, latency := range []time.Duration{0, 2 * time.Millisecond} {
		for _, bc := range []struct {
			name string
			opts plan.UploadOpts
			pool bool
		}{
			{"sequential", plan.UploadOpts{Mode: plan.UploadPerObject, Concurrency: 1}, false},
			{"concurrent", plan.UploadOpts{Mode: plan.UploadPerObject}, false},
			{"concurrent-pool", plan.UploadOpts{Mode: plan.UploadPerObject}, true},
			{"bulk", plan.UploadOpts{Mode: plan.UploadBulk}, false},
		} {
			benchUpload(b, fmt.Sprintf("latency=%s/%s", latency, bc.name), tree, bc.opts, latency, bc.pool)
		}
	}
}

func benchUpload(b *testing.B, name string, tree fstest.MapFS, opts plan.UploadOpts, latency time.Duration, pool bool) {
	b.Run(name, func(b *testing.B) {
		uc := newExampleUndercloud()
		defer uc.Close()
		uc.swift.quiet = true
		uc.swift.hold = latency // per object PUT and per archive
		c := uc.client()
		if pool {
			// net/http's default transport keeps 2 idle connections per host; keep one per worker.
			c = uc.clientWith(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: plan.DefaultConcurrency}})
		}
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			name := fmt.Sprintf("bench-%d", i)
			i++
			uc.swift.mkContainer(name, nil)
			st, err := plan.UploadTemplates(ctx, c, plan.UploadTemplatesOpts{Plan: name, Templates: tree, UploadOpts: opts})
			if err != nil || st.Files != 1000 {
				b.Fatalf("%+v %v", st, err)
			}
			uc.swift.mu.Lock()
			delete(uc.swift.containers, name)
			uc.swift.mu.Unlock()
		}
		b.ReportMetric(float64(1000*i)/b.Elapsed().Seconds(), "files/s")
	})
}
