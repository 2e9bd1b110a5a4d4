package messaging

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// reconcile subscribes the queues that have subscriptions and are not
// subscribed, and unsubscribes (and forgets) those left without any.
func (m *wsConn) reconcile(send func(string, map[string]any) error) error {
	type unsub struct{ queue, id string }
	var subs []string
	var unsubs []unsub
	m.mu.Lock()
	for name, q := range m.queues {
		switch {
		case q.refs <= 0:
			if q.state == qActive && q.subID != "" {
				unsubs = append(unsubs, unsub{name, q.subID})
			}
			for _, ch := range q.waiters {
				ch <- ErrClosed
			}
			delete(m.queues, name)
		case q.state == qIdle:
			q.state = qPending
			subs = append(subs, name)
		}
	}
	m.mu.Unlock()
	ttl := m.w.frameTTL()
	for _, name := range subs {
		if err := send("queue_create", map[string]any{"queue_name": name}); err != nil {
			return err
		}
		if err := send("subscription_create", map[string]any{"queue_name": name, "ttl": ttl}); err != nil {
			return err
		}
	}
	for _, u := range unsubs {
		if err := send("subscription_delete", map[string]any{"queue_name": u.queue, "subscription_id": u.id}); err != nil {
			return err
		}
	}
	return nil
}

func (m *wsConn) nextRenewal() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var at time.Time
	for _, q := range m.queues {
		if q.state == qActive && q.refs > 0 && (at.IsZero() || q.renewAt.Before(at)) {
			at = q.renewAt
		}
	}
	return at, !at.IsZero()
}

// renew re-creates the subscriptions that are due: subscription_delete, then
// subscription_create (its answer triggers a REST catch-up for the gap).
func (m *wsConn) renew(send func(string, map[string]any) error) error {
	type due struct{ queue, id string }
	var list []due
	now := time.Now()
	m.mu.Lock()
	for name, q := range m.queues {
		if q.state != qActive || q.refs <= 0 || q.renewAt.After(now) {
			continue
		}
		if q.subID == "" {
			m.mu.Unlock()
			return errRenewByReconnect
		}
		list = append(list, due{name, q.subID})
		q.state, q.subID = qPending, ""
	}
	m.mu.Unlock()
	ttl := m.w.frameTTL()
	for _, d := range list {
		m.w.log.Debug("zaqar websocket: renewing subscription", "queue", d.queue)
		if err := send("subscription_delete", map[string]any{"queue_name": d.queue, "subscription_id": d.id}); err != nil {
			return err
		}
		if err := send("subscription_create", map[string]any{"queue_name": d.queue, "ttl": ttl}); err != nil {
			return err
		}
	}
	return nil
}

// handle processes one frame from the socket.
func (m *wsConn) handle(data []byte, send func(string, map[string]any) error) error {
	f, err := parseFrame(data)
	if err != nil {
		m.w.log.Debug("zaqar websocket: frame ignored", "error", err)
		return nil
	}
	if f.Request == nil {
		if f.QueueName == "" || (f.MessageType != "" && f.MessageType != "Notification") {
			return nil
		}
		m.mu.Lock()
		var r *reader
		if q := m.queues[f.QueueName]; q != nil && q.refs > 0 {
			r = q.r
		}
		m.mu.Unlock()
		if r != nil {
			if err := r.push(f.Body, int(f.TTL)); err != nil {
				m.w.log.Warn("zaqar websocket: message skipped: body is not a TripleO message", "queue", f.QueueName, "error", err)
			}
		}
		return nil
	}
	queue := f.Request.Body.QueueName
	status := f.Headers.Status
	switch f.Request.Action {
	case "subscription_create":
		return m.subscribed(queue, f, send)
	case "queue_create":
		if status >= 300 {
			m.w.log.Warn("zaqar websocket: queue_create refused", "queue", queue, "status", status, "error", replyError(f))
		}
	case "subscription_delete":
		if status >= 300 {
			m.w.log.Debug("zaqar websocket: subscription_delete refused", "queue", queue, "status", status, "error", replyError(f))
		}
	}
	return nil
}

// subscribed handles the answer to subscription_create.
func (m *wsConn) subscribed(queue string, f *inFrame, send func(string, map[string]any) error) error {
	status := f.Headers.Status
	var body struct {
		SubscriptionID string `json:"subscription_id"`
	}
	_ = json.Unmarshal(f.Body, &body)
	m.mu.Lock()
	q := m.queues[queue]
	if q == nil || q.refs <= 0 || q.state != qPending {
		m.mu.Unlock()
		if status == http.StatusCreated && body.SubscriptionID != "" && (q == nil || q.refs <= 0) {
			return send("subscription_delete", map[string]any{"queue_name": queue, "subscription_id": body.SubscriptionID})
		}
		return nil
	}
	waiters := q.waiters
	q.waiters = nil
	var err error
	switch status {
	case http.StatusCreated, http.StatusConflict: // 409: this socket is subscribed already
		ttl := m.w.o.SubscriptionTTL
		q.state, q.subID, q.renewAt = qActive, body.SubscriptionID, time.Now().Add(ttl-ttl/4)
	default:
		q.state = qFailed
		err = fmt.Errorf("zaqar websocket: subscribe to %s: status %d: %s", queue, status, replyError(f))
	}
	others := q.refs > len(waiters)
	r := q.r
	m.mu.Unlock()
	if err == nil && r != nil {
		r.catchUp() // list what was posted before the subscription took effect
	}
	for _, ch := range waiters {
		ch <- err
	}
	if err != nil {
		if others {
			return err // reconnect (with backoff) and try again
		}
		m.w.log.Debug("zaqar websocket: subscription refused", "queue", queue, "error", err)
	}
	return nil
}
