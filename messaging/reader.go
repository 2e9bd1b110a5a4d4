package messaging

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/tripleo-go/sdk/tripleo"
)

// maxPagesPerCycle bounds the pages one read cycle lists before yielding.
const maxPagesPerCycle = 50

// reader reads one queue for all its subscriptions: it lists the queue from a
// marker, de-duplicates by id, fans new messages out to every member, runs the
// one-off replay listings of Replay members, and answers flushes. Its
// trigger decides when it reads; a matcher, when it has one, pairs the
// messages it lists with copies pushed by the websocket. Each request has its
// own deadline (ZaqarOpts.RequestTimeout) from a context of the reader's own,
// which only stop ends: no caller's context bounds the reading.
type reader struct {
	sc    *gophercloud.ServiceClient
	queue string
	o     ZaqarOpts
	log   *slog.Logger
	trig  *trigger
	match *matcher // nil: every listed message is delivered

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	mu       sync.Mutex
	members  *roster
	replays  []*member
	flushes  []chan error
	want     bool // a catch-up read was asked for
	created  bool // an Ephemeral subscription created the queue
	advanced bool // the main stream has delivered a page
	stopped  bool

	// reading goroutine only
	marker    string
	endMarker bool // marker is the queue's end taken at subscribe time, not yet listed from
	seen      *tripleo.Seen
}

// startAt makes a reader not started yet read from marker, the queue's end
// taken when its first subscription (without Replay) subscribed: it has
// nothing of the queue's past to deliver, so a later Replay member gets a
// replay listing of its own.
func (r *reader) startAt(marker string) {
	r.marker, r.endMarker = marker, marker != ""
	r.advanced = true
}

func newReader(sc *gophercloud.ServiceClient, queue string, o ZaqarOpts, trig *trigger, match *matcher) *reader {
	ctx, cancel := context.WithCancel(context.Background())
	return &reader{
		sc: sc, queue: queue, o: o, log: o.Logger, trig: trig, match: match,
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
		members: newRoster(), seen: tripleo.NewSeen(o.SeenSize),
	}
}

// start runs the reader's goroutine, driven by its trigger.
func (r *reader) start() {
	go func() {
		defer close(r.done)
		defer r.closeFlushes()
		r.trig.run(r.ctx, r.queue, r.pending, r.cycle)
	}()
}

// closeFlushes answers the flushes still waiting with ErrClosed.
func (r *reader) closeFlushes() {
	r.mu.Lock()
	r.stopped = true
	fl := r.flushes
	r.flushes = nil
	r.mu.Unlock()
	for _, ch := range fl {
		ch <- ErrClosed
	}
}

// stop ends the reader, waits for its goroutine (at most the request in
// flight, which stop cancels) and deletes the queue if an Ephemeral
// subscription created it. Idempotent.
func (r *reader) stop() {
	r.once.Do(func() {
		r.cancel()
		<-r.done
		r.mu.Lock()
		created := r.created
		r.mu.Unlock()
		if created {
			ctx, cancel := context.WithTimeout(context.Background(), r.o.RequestTimeout)
			defer cancel()
			if err := deleteQueue(ctx, r.sc, r.queue); err != nil {
				r.log.Warn("zaqar: ephemeral queue not deleted", "queue", r.queue, "error", err)
			}
		}
	})
}

// join adds m (created: its Subscribe created the queue). A Replay member
// gets a replay listing of its own, asked for at once, unless the reader has
// not delivered anything yet and is not matched: such a reader reads the
// queue from its beginning anyway (a matched one does not list again what was
// pushed already).
func (r *reader) join(m *member, created bool) {
	r.mu.Lock()
	r.members.add(m)
	r.created = r.created || created
	replay := m.replay && (r.advanced || r.match != nil)
	if replay {
		m.holding = true
		r.replays = append(r.replays, m)
	}
	r.mu.Unlock()
	if replay {
		r.trig.poke()
	}
}

// leave removes m and reports how many members remain.
func (r *reader) leave(m *member) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.members.remove(m)
	for i, x := range r.replays {
		if x == m {
			r.replays = append(r.replays[:i:i], r.replays[i+1:]...)
			break
		}
	}
	return r.members.len()
}

// catchUp asks for a read now (for an on-demand reader, the only way one happens).
func (r *reader) catchUp() {
	r.mu.Lock()
	r.want = true
	r.mu.Unlock()
	r.trig.poke()
}

// pending reports whether a read was asked for (catch-up, flush, replay).
func (r *reader) pending() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.want || len(r.flushes) > 0 || len(r.replays) > 0
}

// flush asks for a read and waits until the messages the queue held when it
// was called are in the members' mailboxes. However long that takes, only
// ctx bounds the wait; a read that fails fails the flush with its error.
func (r *reader) flush(ctx context.Context) error {
	ch := make(chan error, 1)
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return ErrClosed
	}
	r.flushes = append(r.flushes, ch)
	r.want = true
	r.mu.Unlock()
	r.trig.poke()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		r.mu.Lock()
		for i, c := range r.flushes {
			if c == ch {
				r.flushes = append(r.flushes[:i:i], r.flushes[i+1:]...)
				break
			}
		}
		r.mu.Unlock()
		return fmt.Errorf("zaqar: flush queue %s: %w", r.queue, ctx.Err())
	}
}

// list GETs one page after marker, under the per-request deadline.
func (r *reader) list(marker string) (*page, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.o.RequestTimeout)
	defer cancel()
	return listPage(ctx, r.sc, r.queue, marker, r.o.PageSize)
}

// cycle runs the pending replays, then reads the main stream from the marker
// until a page is not full, and completes the flushes it started with (with
// the error of the request that failed, if one did).
func (r *reader) cycle() (res readResult) {
	r.mu.Lock()
	replays, flushes := r.replays, r.flushes
	r.replays, r.flushes, r.want = nil, nil, false
	r.mu.Unlock()
	answer := func(err error) {
		for _, ch := range flushes {
			ch <- err
		}
	}
	retry := func(rs []*member) {
		r.mu.Lock()
		for _, m := range rs {
			if r.members.has(m) {
				r.replays = append(r.replays, m)
			}
		}
		r.want = true
		r.mu.Unlock()
	}
	for i, m := range replays {
		if err := r.replay(m); err != nil {
			retry(replays[i:])
			answer(err)
			return readResult{err: err}
		}
	}
	limit := r.o.PageSize
	for pages := 0; ; pages++ {
		if pages == maxPagesPerCycle {
			retry(nil)
			r.mu.Lock()
			r.flushes = append(flushes, r.flushes...) // served by the next cycle, at once
			r.mu.Unlock()
			res.full = true
			return res
		}
		pg, err := r.list(r.marker)
		if err != nil && r.endMarker && classify(r.ctx, err) == errClient {
			r.log.Debug("zaqar: the queue end refused as a marker; reading the queue from its beginning", "queue", r.queue, "error", err)
			r.marker, r.endMarker = "", false
			pg, err = r.list(r.marker)
		}
		if err == nil {
			r.endMarker = false
		}
		if err != nil {
			retry(nil)
			answer(err)
			res.err = err
			return res
		}
		res.got = r.accept(pg.Messages) > 0 || res.got
		next := pg.nextMarker()
		progressed := next != "" && next != r.marker
		if next != "" {
			r.marker = next
		}
		// A full page is followed at once, unless the marker did not move
		// (Zaqar's redis driver answers a marker of rank 0 with the same page).
		if len(pg.Messages) < limit || !progressed {
			break
		}
	}
	r.mu.Lock()
	for m := range r.members.all {
		m.skip = nil
	}
	r.mu.Unlock()
	answer(nil)
	return res
}

// accept de-duplicates and parses a page of the main stream and delivers the
// new messages to every member; it returns how many were new.
func (r *reader) accept(raw []rawMessage) int {
	fresh := make([]tripleo.Message, 0, len(raw))
	for i := range raw {
		m := &raw[i]
		if !r.seen.Add(m.ID) {
			continue
		}
		msg, err := toMessage(r.queue, m)
		if err != nil {
			r.log.Warn("zaqar: message skipped: body is not a TripleO message", "queue", r.queue, "id", m.ID, "error", err)
			continue
		}
		if r.match != nil && !r.match.listed(m.Body) {
			continue // delivered already as pushed
		}
		fresh = append(fresh, msg)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.advanced = true
	r.deliverLocked(fresh)
	return len(fresh)
}

// push delivers a message the websocket pushed (no id) unless the matcher
// says its listed copy was delivered already.
func (r *reader) push(body json.RawMessage, ttl int) error {
	var msg tripleo.Message
	if err := msg.ParseBody(body); err != nil {
		return err
	}
	if r.match == nil {
		return fmt.Errorf("zaqar: queue %s: a pushed message without a matcher", r.queue)
	}
	id, deliver := r.match.pushed(body)
	if !deliver {
		return nil
	}
	msg.ID, msg.Queue, msg.TTL = id, r.queue, ttl
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deliverLocked([]tripleo.Message{msg})
	return nil
}

// deliverLocked puts msgs into every member that wants them (held back for
// a member whose replay is due). r.mu is held.
func (r *reader) deliverLocked(msgs []tripleo.Message) {
	r.members.deliver(msgs, func(m *member, mine []tripleo.Message) {
		if m.holding {
			m.held = append(m.held, mine...)
		} else {
			m.box.Put(mine...)
		}
	})
}
