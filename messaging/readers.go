package messaging

import (
	"context"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/tripleo-go/sdk/tripleo"
)

// readers is a Notifier's set of readers, one per queue: the first
// subscription of a queue starts its reader, the last Close stops it. build
// makes a queue's reader (with the Notifier's trigger and matcher).
type readers struct {
	sc    *gophercloud.ServiceClient
	o     ZaqarOpts
	build func(queue string) *reader

	mu      sync.Mutex
	byQueue map[string]*reader
	closed  bool
}

func newReaders(sc *gophercloud.ServiceClient, o ZaqarOpts, build func(queue string) *reader) *readers {
	return &readers{sc: sc, o: o, build: build, byQueue: map[string]*reader{}}
}

// subscribe adds a subscription of queue to its reader (started if new). With
// opts.Ephemeral the queue is created first, its creation bounded by ctx and
// by the request timeout.
func (rs *readers) subscribe(ctx context.Context, queue string, opts tripleo.SubscribeOpts) (*tripleo.Mailbox, *reader, error) {
	if err := tripleo.ValidateQueueName(queue); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if rs.isClosed() {
		return nil, nil, ErrClosed
	}
	created := false
	if opts.Ephemeral {
		cctx, cancel := context.WithTimeout(ctx, rs.o.RequestTimeout)
		c, err := createQueue(cctx, rs.sc, queue)
		cancel()
		if err != nil {
			return nil, nil, err
		}
		created = c
	}
	m := &member{since: time.Now(), replay: opts.Replay, execution: opts.Execution}
	end, fromEnd := "", false
	if !opts.Replay && !created && rs.get(queue) == nil {
		cctx, cancel := context.WithTimeout(ctx, rs.o.RequestTimeout)
		var err error
		end, err = endMarker(cctx, rs.sc, queue)
		cancel()
		if err != nil {
			rs.o.Logger.Debug("zaqar: queue end not read; reading the queue from its beginning", "queue", queue, "error", err)
		}
		fromEnd = err == nil && end != "" // an empty queue is read from its beginning anyway
	}
	rs.mu.Lock()
	if rs.closed {
		rs.mu.Unlock()
		if created {
			rs.deleteQueue(queue)
		}
		return nil, nil, ErrClosed
	}
	r := rs.byQueue[queue]
	fresh := r == nil
	if fresh {
		r = rs.build(queue)
		if fromEnd {
			r.startAt(end)
		}
		rs.byQueue[queue] = r
	}
	m.box = tripleo.NewMailbox(func() { rs.leave(r, m) })
	r.join(m, created)
	if fresh {
		r.start()
	}
	rs.mu.Unlock()
	return m.box, r, nil
}

// leave removes m from r; the queue's last subscription stops its reader.
func (rs *readers) leave(r *reader, m *member) {
	rs.mu.Lock()
	last := r.leave(m) == 0
	if last && rs.byQueue[r.queue] == r {
		delete(rs.byQueue, r.queue)
	}
	rs.mu.Unlock()
	if last {
		r.stop()
	}
}

// flush flushes queue's reader; a queue without subscriptions has nothing to flush.
func (rs *readers) flush(ctx context.Context, queue string) error {
	rs.mu.Lock()
	r, closed := rs.byQueue[queue], rs.closed
	rs.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if r == nil {
		return nil
	}
	return r.flush(ctx)
}

// close stops every reader and waits for them. Idempotent.
func (rs *readers) close() {
	rs.mu.Lock()
	rs.closed = true
	all := make([]*reader, 0, len(rs.byQueue))
	for _, r := range rs.byQueue {
		all = append(all, r)
	}
	clear(rs.byQueue)
	rs.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range all {
		wg.Go(r.stop)
	}
	wg.Wait()
}

func (rs *readers) isClosed() bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.closed
}

// get returns the running reader of queue, or nil.
func (rs *readers) get(queue string) *reader {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.byQueue[queue]
}

// catchUpAll asks every reader for a read now.
func (rs *readers) catchUpAll() {
	rs.mu.Lock()
	all := make([]*reader, 0, len(rs.byQueue))
	for _, r := range rs.byQueue {
		all = append(all, r)
	}
	rs.mu.Unlock()
	for _, r := range all {
		r.catchUp()
	}
}

func (rs *readers) deleteQueue(queue string) {
	ctx, cancel := context.WithTimeout(context.Background(), rs.o.RequestTimeout)
	defer cancel()
	if err := deleteQueue(ctx, rs.sc, queue); err != nil {
		rs.o.Logger.Warn("zaqar: ephemeral queue not deleted", "queue", queue, "error", err)
	}
}
