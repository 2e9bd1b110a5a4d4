package messaging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"

	"github.com/tripleo-go/sdk/tripleo"
)

// The REST calls of this package. The listing is built on the service client
// directly (query from gophercloud's messages.ListOpts) rather than through
// messages.List's pager, because:
//   - gophercloud's messages.Message has Body map[string]any, so one message
//     whose body is not a JSON object (Zaqar accepts any JSON: a string, a
//     list) makes ExtractMessages fail for the whole page, and a reader would
//     be stuck on that page forever; here bodies stay json.RawMessage and a bad
//     one is skipped alone;
//   - the reader needs exactly one page per request with the marker of
//     links.next kept for the next poll, not an iteration over all pages;
//   - it decodes each page once (the pager decodes into any, re-encodes and
//     decodes again), which matters with many queues.
// Queue creation is built on the service client too: queues.Create requires a
// default message TTL and does not tell 201 (created) from 204 (existed).

// rawMessage is one message of a listing, body kept raw.
type rawMessage struct {
	ID   string          `json:"id"`
	Age  float64         `json:"age"`
	TTL  float64         `json:"ttl"`
	Body json.RawMessage `json:"body"`
}

// page is one listing page.
type page struct {
	Messages []rawMessage `json:"messages"`
	Links    []struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	} `json:"links"`
}

// nextMarker returns the marker of links.next ("" when there is none).
func (p *page) nextMarker() string {
	for _, l := range p.Links {
		if l.Rel != "next" {
			continue
		}
		u, err := url.Parse(l.Href)
		if err != nil {
			return ""
		}
		return u.Query().Get("marker")
	}
	return ""
}

func messagesURL(sc *gophercloud.ServiceClient, queue string) string {
	return sc.ServiceURL("v2", "queues", queue, "messages")
}

// listPage GETs one page of queue after marker ("" = from the beginning):
// GET /v2/queues/{queue}/messages?limit=N&marker=M&echo=true. Non-destructive:
// nothing is claimed; echo=true so that messages posted with this client's
// own Client-ID are listed too.
func listPage(ctx context.Context, sc *gophercloud.ServiceClient, queue, marker string, limit int) (*page, error) {
	q, err := messages.ListOpts{Limit: limit, Marker: marker, Echo: true}.ToMessageListQuery()
	if err != nil {
		return nil, err
	}
	resp, err := sc.Get(ctx, messagesURL(sc, queue)+q, nil, &gophercloud.RequestOpts{
		OkCodes:          []int{200, 204},
		KeepResponseBody: true,
	})
	if err != nil {
		return nil, tripleo.WrapHTTP("zaqar: list messages of queue "+queue, err)
	}
	defer resp.Body.Close()
	p := &page{}
	if resp.StatusCode == http.StatusNoContent {
		return p, nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("zaqar: list messages of queue %s: %w", queue, err)
	}
	if p, err = parsePage(body); err != nil {
		return nil, fmt.Errorf("zaqar: list messages of queue %s: %w", queue, err)
	}
	return p, nil
}

// parsePage decodes the body of a listing; an empty body is an empty page.
func parsePage(body []byte) (*page, error) {
	p := &page{}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(body, p); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return p, nil
}

// createQueue PUTs /v2/queues/{queue} with an empty metadata object and
// reports whether this call created it (201) rather than finding it (204).
func createQueue(ctx context.Context, sc *gophercloud.ServiceClient, queue string) (bool, error) {
	resp, err := sc.Put(ctx, sc.ServiceURL("v2", "queues", queue), map[string]any{}, nil, &gophercloud.RequestOpts{
		OkCodes: []int{201, 204},
	})
	if err != nil {
		return false, tripleo.WrapHTTP("zaqar: create queue "+queue, err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusCreated, nil
}

// deleteQueue DELETEs /v2/queues/{queue}; a queue already gone is not an error.
func deleteQueue(ctx context.Context, sc *gophercloud.ServiceClient, queue string) error {
	err := queues.Delete(ctx, sc, queue).ExtractErr()
	if err != nil && !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		return tripleo.WrapHTTP("zaqar: delete queue "+queue, err)
	}
	return nil
}

// toMessage turns a listed message into a tripleo.Message; the error says why
// its body is not a TripleO message body.
func toMessage(queue string, r *rawMessage) (tripleo.Message, error) {
	m := tripleo.Message{ID: r.ID, Queue: queue, Age: int(r.Age), TTL: int(r.TTL)}
	if len(r.Body) == 0 {
		return m, errors.New("message has no body")
	}
	err := m.ParseBody(r.Body)
	return m, err
}

// errClass sorts a failed request: retryable (5xx, 429, connection and
// decoding errors: backoff), client (other 4xx: logged, retried at the slow
// interval), or gone (the ctx ended).
type errClass int

const (
	errRetryable errClass = iota
	errClient
	errGone
)

func classify(ctx context.Context, err error) errClass {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return errGone
	}
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) && ue.Actual >= 400 && ue.Actual < 500 && ue.Actual != http.StatusTooManyRequests {
		return errClient
	}
	return errRetryable
}

// retryAfter returns the Retry-After delay of a 429/503 answer, if any (seconds form only).
func retryAfter(err error) time.Duration {
	var ue gophercloud.ErrUnexpectedResponseCode
	if !errors.As(err, &ue) || ue.ResponseHeader == nil {
		return 0
	}
	s := ue.ResponseHeader.Get("Retry-After")
	if s == "" {
		return 0
	}
	n, perr := strconv.Atoi(s)
	if perr != nil || n < 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, 5*time.Minute)
}
