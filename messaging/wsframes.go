package messaging

import (
	"context"
	"encoding/json"
	"time"

	"github.com/coder/websocket"
)

// StatusAuthExpired is the close code Zaqar sends when the Keystone token of
// the socket expires ("Authentication expired.").
const StatusAuthExpired websocket.StatusCode = 4003

// outFrame is a request frame, as python-tripleoclient sends it.
type outFrame struct {
	Action  string            `json:"action"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body"`
}

// inFrame is a reply ({"request", "body", "headers": {"status"}}) or a pushed
// notification ({"body", "ttl", "queue_name", "Message_Type": "Notification"}).
type inFrame struct {
	Request *struct {
		Action string `json:"action"`
		Body   struct {
			QueueName string `json:"queue_name"`
		} `json:"body"`
	} `json:"request"`
	Headers struct {
		Status int `json:"status"`
	} `json:"headers"`
	Body        json.RawMessage `json:"body"`
	TTL         float64         `json:"ttl"`
	QueueName   string          `json:"queue_name"`
	MessageType string          `json:"Message_Type"`
}

func parseFrame(data []byte) (*inFrame, error) {
	f := &inFrame{}
	if err := json.Unmarshal(data, f); err != nil {
		return nil, err
	}
	return f, nil
}

// minSubscriptionTTL is Zaqar's minimum subscription ttl, in seconds.
const minSubscriptionTTL = 60

// frameTTL is the ttl sent in subscription_create: SubscriptionTTL in
// seconds, at least Zaqar's minimum.
func (w *Websocket) frameTTL() int {
	return max(int(w.o.SubscriptionTTL/time.Second), minSubscriptionTTL)
}

// frameWriteTimeout bounds each frame write.
const frameWriteTimeout = 10 * time.Second

func writeFrame(ctx context.Context, c *websocket.Conn, action string, headers map[string]string, body any) error {
	b, err := json.Marshal(outFrame{Action: action, Headers: headers, Body: body})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, frameWriteTimeout)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, b)
}

// replyError renders an error reply.
func replyError(f *inFrame) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(f.Body, &e) == nil && e.Error != "" {
		return e.Error
	}
	var s string
	if json.Unmarshal(f.Body, &s) == nil {
		return s
	}
	return string(f.Body)
}
