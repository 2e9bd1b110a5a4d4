package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
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

type qstate int

const (
	qIdle    qstate = iota // to subscribe
	qPending               // subscription_create sent
	qActive                // subscribed
	qFailed                // refused; waits for its subscribers to leave or a new one
)

// wsQueue is the socket-side state of one queue.
type wsQueue struct {
	refs    int
	state   qstate
	subID   string
	renewAt time.Time
	waiters []chan error
	r       *reader
}

// wsConn is the connection manager: one goroutine owning the socket, its
// reconnections and the subscriptions made on it.
type wsConn struct {
	w      *Websocket
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}

	mu         sync.Mutex
	queues     map[string]*wsQueue
	connected  bool
	reconnects int
}

func newWSConn(w *Websocket, conn *websocket.Conn) *wsConn {
	ctx, cancel := context.WithCancel(context.Background())
	m := &wsConn{
		w: w, ctx: ctx, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1),
		queues: map[string]*wsQueue{}, connected: true,
	}
	go m.run(conn)
	return m
}

func (m *wsConn) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *wsConn) stop() {
	m.cancel()
	<-m.done
}

// acquire counts a subscription of queue (whose reader is r) and, while
// the socket is up, waits until Zaqar has answered its subscription_create.
func (m *wsConn) acquire(ctx context.Context, queue string, r *reader) error {
	m.mu.Lock()
	q := m.queues[queue]
	if q == nil {
		q = &wsQueue{}
		m.queues[queue] = q
	}
	q.refs++
	q.r = r
	if q.state == qFailed {
		q.state = qIdle
	}
	if q.state == qActive {
		m.mu.Unlock()
		return nil
	}
	if !m.connected {
		// The session subscribes after reconnecting; list now meanwhile.
		m.mu.Unlock()
		m.poke()
		r.catchUp()
		return nil
	}
	ch := make(chan error, 1)
	q.waiters = append(q.waiters, ch)
	m.mu.Unlock()
	m.poke()
	select {
	case err := <-ch:
		if err != nil {
			m.releaseQueue(queue)
		}
		return err
	case <-ctx.Done():
		m.mu.Lock()
		for i, c := range q.waiters {
			if c == ch {
				q.waiters = append(q.waiters[:i:i], q.waiters[i+1:]...)
				break
			}
		}
		m.mu.Unlock()
		m.releaseQueue(queue)
		return fmt.Errorf("zaqar websocket: subscribe to %s: %w", queue, ctx.Err())
	case <-m.done:
		m.releaseQueue(queue)
		return ErrClosed
	}
}

// releaseQueue drops one subscription of queue; the session unsubscribes a
// queue left without any.
func (m *wsConn) releaseQueue(queue string) {
	m.mu.Lock()
	if q := m.queues[queue]; q != nil {
		q.refs--
	}
	m.mu.Unlock()
	m.poke()
}

// run owns the socket: sessions, and reconnections with backoff between them.
func (m *wsConn) run(conn *websocket.Conn) {
	defer close(m.done)
	o := m.w.o
	rb := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(o.ReconnectMin),
		backoff.WithMaxInterval(o.ReconnectMax),
		backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0.2),
		backoff.WithMaxElapsedTime(0),
	)
	timer := time.NewTimer(0)
	timer.Stop()
	defer timer.Stop()
	for {
		if conn != nil {
			start := time.Now()
			tok := m.w.token()
			err := m.session(conn)
			conn.CloseNow()
			conn = nil
			m.disconnected()
			if m.ctx.Err() != nil {
				return
			}
			if time.Since(start) > o.ReconnectMax {
				rb.Reset()
			}
			if websocket.CloseStatus(err) == StatusAuthExpired {
				m.w.log.Info("zaqar websocket: authentication expired; reconnecting", "url", m.w.url)
				if pc := m.w.rest.ProviderClient; pc != nil && pc.ReauthFunc != nil {
					if rerr := pc.Reauthenticate(m.ctx, tok); rerr != nil {
						m.w.log.Warn("zaqar websocket: re-authentication failed", "error", rerr)
					}
				}
			} else {
				m.w.log.Warn("zaqar websocket: connection lost; reconnecting", "url", m.w.url, "error", err)
			}
			m.w.push.catchUpAll() // list over REST while the socket is down
		}
		timer.Reset(rb.NextBackOff())
		select {
		case <-m.ctx.Done():
			return
		case <-timer.C:
		}
		c, err := m.w.dial(m.ctx)
		if err != nil {
			if m.ctx.Err() != nil {
				return
			}
			m.w.log.Debug("zaqar websocket: reconnection failed", "url", m.w.url, "error", err)
			m.w.push.catchUpAll()
			continue
		}
		m.mu.Lock()
		m.connected = true
		m.reconnects++
		m.mu.Unlock()
		conn = c
	}
}

// disconnected marks every queue to be subscribed again and lets waiting
// Subscribes return (the catch-up listing covers them).
func (m *wsConn) disconnected() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.connected = false
	for _, q := range m.queues {
		q.state, q.subID = qIdle, ""
		for _, ch := range q.waiters {
			ch <- nil
		}
		q.waiters = nil
	}
}

// errRenewByReconnect ends a session whose subscription id is unknown (a 409
// answer) when it must be renewed: a new socket starts without subscriptions.
var errRenewByReconnect = errors.New("subscription renewal needs a new socket")

// session runs one connected socket until it fails or the manager stops.
func (m *wsConn) session(conn *websocket.Conn) (err error) {
	sctx, cancel := context.WithCancel(m.ctx)
	frames := make(chan []byte, 64)
	readErr := make(chan error, 1)
	pingRes := make(chan error, 1)
	var wg sync.WaitGroup
	defer func() {
		if m.ctx.Err() != nil {
			closeGracefully(conn)
		}
		cancel()
		conn.CloseNow()
		wg.Wait()
	}()
	wg.Go(func() {
		for {
			_, data, err := conn.Read(sctx)
			if err != nil {
				readErr <- err
				return
			}
			select {
			case frames <- data:
			case <-sctx.Done():
				readErr <- sctx.Err()
				return
			}
		}
	})
	o := m.w.o
	headers := m.w.headers()
	send := func(action string, body map[string]any) error {
		return writeFrame(sctx, conn, action, headers, body)
	}
	var ping <-chan time.Time
	if o.PingInterval > 0 {
		t := time.NewTicker(o.PingInterval)
		defer t.Stop()
		ping = t.C
	}
	pinging := false
	renew := time.NewTimer(0)
	renew.Stop()
	defer renew.Stop()
	for {
		if err := m.reconcile(send); err != nil {
			return err
		}
		if at, ok := m.nextRenewal(); ok {
			renew.Reset(max(time.Until(at), 0))
		} else {
			renew.Stop()
		}
		select {
		case <-m.ctx.Done():
			return nil
		case err := <-readErr:
			return err
		case data := <-frames:
			if err := m.handle(data, send); err != nil {
				return err
			}
		case <-m.wake:
		case <-renew.C:
			if err := m.renew(send); err != nil {
				return err
			}
		case <-ping:
			if !pinging {
				pinging = true
				wg.Go(func() {
					pctx, pcancel := context.WithTimeout(sctx, max(o.PingInterval/2, time.Second))
					defer pcancel()
					pingRes <- conn.Ping(pctx)
				})
			}
		case err := <-pingRes:
			pinging = false
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		}
	}
}

// closeGracefully sends a normal close frame, waiting briefly for the peer's.
func closeGracefully(conn *websocket.Conn) {
	done := make(chan struct{})
	go func() {
		conn.Close(websocket.StatusNormalClosure, "")
		close(done)
	}()
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		conn.CloseNow()
		<-done
	}
}

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
