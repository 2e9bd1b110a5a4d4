package messaging

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/coder/websocket"
)

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
