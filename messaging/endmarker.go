package messaging

import (
	"context"
	"net/http"
	"strings"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/tripleo-go/sdk/tripleo"
)

// A queue's first subscription without Replay starts its reader at the
// queue's end: the id of its newest message, read from the queue's stats
// (GET /v2/queues/{queue}/stats, messages.newest.href), which Zaqar's redis
// store takes as a listing marker. So subscribing costs one request whatever
// the queue retains (a reader from the queue's beginning lists 20 messages a
// page: 500 requests for 10,000 retained messages), and nothing posted after
// Subscribe returns is missed (it comes after that marker). Where the stats
// cannot be read, or the first listing refuses the marker (a store whose
// markers are not message ids), the reader reads from the beginning as before,
// leaving out by age what was posted before the subscription.

// queueStats is the part of GET /v2/queues/{queue}/stats the reader uses.
type queueStats struct {
	Messages struct {
		Total  int `json:"total"`
		Newest *struct {
			Href string `json:"href"`
		} `json:"newest"`
	} `json:"messages"`
}

// endMarker returns the id of queue's newest message ("" for an empty queue
// or one that does not exist yet).
func endMarker(ctx context.Context, sc *gophercloud.ServiceClient, queue string) (string, error) {
	var st queueStats
	resp, err := sc.Get(ctx, sc.ServiceURL("v2", "queues", queue, "stats"), &st, &gophercloud.RequestOpts{OkCodes: []int{200}})
	if _, _, err = gophercloud.ParseResponse(resp, err); err != nil {
		if gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			return "", nil
		}
		return "", tripleo.WrapHTTP("zaqar: stats of queue "+queue, err)
	}
	if st.Messages.Newest == nil {
		return "", nil
	}
	h := strings.TrimRight(st.Messages.Newest.Href, "/")
	return h[strings.LastIndex(h, "/")+1:], nil
}
