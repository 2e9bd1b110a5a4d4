package deployment

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stackevents"

	"github.com/tripleo-go/sdk/tripleo"
)

// sameEvents answers every request with the same full page of events, as a
// Heat (or a proxy) that ignores the marker would.
type sameEvents struct{ markers []string }

func (s *sameEvents) RoundTrip(r *http.Request) (*http.Response, error) {
	s.markers = append(s.markers, r.URL.Query().Get("marker"))
	return &http.Response{StatusCode: 200, Status: "200 OK", Request: r,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(bytes.NewReader([]byte(`{"events": [{"id": "a"}, {"id": "b"}]}`)))}, nil
}

func TestEachEventPageStopsWhenTheMarkerIsNotHonoured(t *testing.T) {
	h := &sameEvents{}
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test/v2", Heat: "http://heat.test/v1/admin"},
		tripleo.WithHTTPClient(&http.Client{Transport: h}))
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	err = eachEventPage(context.Background(), c, "overcloud", "sid", eventQuery{SortDir: "asc", Limit: 2}, func([]stackevents.Event) bool {
		pages++
		return true
	})
	if err == nil || !strings.Contains(err.Error(), `heat: list events of stack overcloud: heat: a page of events ends at marker "b" again`) {
		t.Fatalf("error %v", err)
	}
	if pages != 2 || strings.Join(h.markers, ",") != ",b" {
		t.Fatalf("%d pages, markers %q", pages, h.markers)
	}
}
