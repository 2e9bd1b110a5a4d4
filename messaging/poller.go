package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/tripleo-go/sdk/tripleo"
)

// ageSlack is the margin by which a message must look older than a
// subscription (by its Zaqar age, whole seconds) to be left out of it.
const ageSlack = 2 * time.Second

// maxPagesPerCycle bounds the pages one poll cycle reads before yielding.
const maxPagesPerCycle = 50

// member is one subscription of a queue.
type member struct {
	box    *tripleo.Mailbox
	since  time.Time // when Subscribe was called
	replay bool
	// holding: a one-off replay listing is due; until it has been delivered,
	// live messages are held back in held (so that the replay comes first and
	// nothing that arrives meanwhile is lost).
	holding bool
	held    []tripleo.Message
	// skip holds the ids a one-off replay listing delivered; the main stream
	// does not deliver them again. Cleared once the main stream has caught up.
	skip map[string]struct{}
}

// wants reports whether msg goes to m.
func (m *member) wants(msg *tripleo.Message) bool {
	if m.skip != nil {
		if _, ok := m.skip[msg.ID]; ok {
			return false
		}
	}
	if !m.replay && msg.Age > 0 && time.Duration(msg.Age)*time.Second > time.Since(m.since)+ageSlack {
		return false // posted before this subscription
	}
	return true
}

// poller reads one queue for all its subscriptions.
type poller struct {
	z      *Zaqar
	queue  string
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	kick   chan struct{}
	once   sync.Once

	mu       sync.Mutex
	members  map[*member]struct{}
	replays  []*member
	flushes  []chan error
	wantPoll bool // a catch-up was asked for (manual mode)
	created  bool // an Ephemeral subscription created the queue
	advanced bool // the main stream has delivered a page
	lastErr  error
	stopped  bool
	bodies   *bodyCounts // paired mode: pushed vs listed copies
	buf      []tripleo.Message

	// poller goroutine only
	marker string
	seen   *tripleo.Seen
}

func newPoller(z *Zaqar, queue string) *poller {
	ctx, cancel := context.WithCancel(context.Background())
	p := &poller{
		z: z, queue: queue, ctx: ctx, cancel: cancel,
		done: make(chan struct{}), kick: make(chan struct{}, 1),
		members: map[*member]struct{}{}, seen: tripleo.NewSeen(z.o.SeenSize),
	}
	if z.paired {
		p.bodies = newBodyCounts(z.o.SeenSize)
	}
	return p
}

func (p *poller) poke() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// catchUp asks for a listing now (in manual mode the only way a poll happens).
func (p *poller) catchUp() {
	p.mu.Lock()
	p.wantPoll = true
	p.mu.Unlock()
	p.poke()
}

// stop cancels the poller, waits for its goroutine and deletes the queue if an
// Ephemeral subscription created it. Idempotent.
func (p *poller) stop() {
	p.once.Do(func() {
		p.cancel()
		<-p.done
		p.mu.Lock()
		created := p.created
		p.mu.Unlock()
		if created {
			p.z.deleteQueue(p.queue)
		}
	})
}

func (p *poller) flush(ctx context.Context) error {
	ch := make(chan error, 1)
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return ErrClosed
	}
	p.flushes = append(p.flushes, ch)
	p.wantPoll = true
	p.mu.Unlock()
	p.poke()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		p.mu.Lock()
		for i, c := range p.flushes {
			if c == ch {
				p.flushes = append(p.flushes[:i:i], p.flushes[i+1:]...)
				break
			}
		}
		last := p.lastErr
		p.mu.Unlock()
		if last != nil {
			return fmt.Errorf("zaqar: flush queue %s: %w (last error: %w)", p.queue, ctx.Err(), last)
		}
		return fmt.Errorf("zaqar: flush queue %s: %w", p.queue, ctx.Err())
	}
}

// run is the poller goroutine.
func (p *poller) run() {
	defer close(p.done)
	defer func() {
		p.mu.Lock()
		p.stopped = true
		fl := p.flushes
		p.flushes = nil
		p.mu.Unlock()
		for _, ch := range fl {
			ch <- ErrClosed
		}
	}()
	o := p.z.o
	idle := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(o.MinInterval),
		backoff.WithMaxInterval(o.MaxInterval),
		backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0),
		backoff.WithMaxElapsedTime(0),
	)
	fail := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(o.RetryMin),
		backoff.WithMaxInterval(o.RetryMax),
		backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0.2),
		backoff.WithMaxElapsedTime(0),
	)
	timer := time.NewTimer(0)
	defer timer.Stop()
	if p.z.manual {
		timer.Stop()
	}
	warned := false
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-timer.C:
		case <-p.kick:
		}
		if p.z.manual && !p.pending() {
			continue
		}
		got, full, err := p.cycle()
		var next time.Duration
		switch {
		case err == nil:
			fail.Reset()
			if warned {
				p.z.log.Info("zaqar: queue readable again", "queue", p.queue)
				warned = false
			}
			if got {
				idle.Reset()
			}
			next = idle.NextBackOff()
			if full {
				next = 0 // the cycle stopped at its page cap
			}
		default:
			switch classify(p.ctx, err) {
			case errGone:
				return
			case errClient:
				if !warned {
					p.z.log.Warn("zaqar: listing rejected; retrying slowly", "queue", p.queue, "error", err)
					warned = true
				} else {
					p.z.log.Debug("zaqar: listing rejected again", "queue", p.queue, "error", err)
				}
				next = o.MaxInterval
			default:
				next = max(fail.NextBackOff(), retryAfter(err))
				p.z.log.Debug("zaqar: listing failed; will retry", "queue", p.queue, "in", next, "error", err)
			}
		}
		if p.z.manual && err == nil && !full {
			continue // wait for the next kick
		}
		timer.Reset(next)
	}
}

// pending reports whether a manual-mode poller has work (catch-up, flush, replay).
func (p *poller) pending() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.wantPoll || len(p.flushes) > 0 || len(p.replays) > 0
}

// cycle runs the pending replays, then reads the main stream from the marker
// until a page is not full; it completes the flushes it started with. got
// reports new messages; full reports that it stopped at the page cap.
func (p *poller) cycle() (got, full bool, err error) {
	p.mu.Lock()
	replays := p.replays
	p.replays = nil
	flushes := p.flushes
	p.flushes = nil
	p.wantPoll = false
	p.mu.Unlock()
	requeue := func(rs []*member) {
		p.mu.Lock()
		for _, m := range rs {
			if _, ok := p.members[m]; ok {
				p.replays = append(p.replays, m)
			}
		}
		if err == nil {
			p.flushes = append(flushes, p.flushes...)
		}
		p.wantPoll = true
		p.lastErr = err
		p.mu.Unlock()
		if err != nil {
			for _, ch := range flushes {
				ch <- err // a flush fails with the read that failed
			}
		}
	}
	for i, m := range replays {
		if err = p.replay(m); err != nil {
			requeue(replays[i:])
			return false, false, err
		}
	}
	limit := p.z.o.PageSize
	for pages := 0; ; pages++ {
		if pages == maxPagesPerCycle {
			requeue(nil)
			return got, true, nil
		}
		var pg *page
		pg, err = listPage(p.ctx, p.z.sc, p.queue, p.marker, limit)
		if err != nil {
			requeue(nil)
			return got, false, err
		}
		n := p.accept(pg.Messages)
		got = got || n > 0
		next := pg.nextMarker()
		progressed := next != "" && next != p.marker
		if next != "" {
			p.marker = next
		}
		// A full page is followed at once, unless the marker did not move
		// (Zaqar's redis driver answers a marker of rank 0 with the same page).
		if len(pg.Messages) < limit || !progressed {
			break
		}
	}
	p.mu.Lock()
	for m := range p.members {
		m.skip = nil
	}
	p.lastErr = nil
	p.mu.Unlock()
	for _, ch := range flushes {
		ch <- nil
	}
	return got, false, nil
}

// accept de-duplicates and parses a page of the main stream and delivers the
// new messages to every member; it returns how many were new.
func (p *poller) accept(raw []rawMessage) int {
	fresh := make([]tripleo.Message, 0, len(raw))
	var hashes []uint64
	for i := range raw {
		r := &raw[i]
		if !p.seen.Add(r.ID) {
			continue
		}
		m, err := toMessage(p.queue, r)
		if err != nil {
			p.z.log.Warn("zaqar: message skipped: body is not a TripleO message", "queue", p.queue, "id", r.ID, "error", err)
			continue
		}
		fresh = append(fresh, m)
		if p.bodies != nil {
			hashes = append(hashes, bodyHash(r.Body))
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bodies != nil {
		kept := fresh[:0]
		for i, m := range fresh {
			if p.bodies.listed(hashes[i]) {
				kept = append(kept, m)
			}
		}
		fresh = kept
	}
	p.advanced = true
	p.deliverLocked(fresh)
	return len(fresh)
}

// deliverLocked puts msgs into every member that wants them. p.mu is held.
func (p *poller) deliverLocked(msgs []tripleo.Message) {
	if len(msgs) == 0 {
		return
	}
	for m := range p.members {
		buf := p.buf[:0]
		for i := range msgs {
			if m.wants(&msgs[i]) {
				buf = append(buf, msgs[i])
			}
		}
		if m.holding {
			m.held = append(m.held, buf...)
		} else {
			m.box.Put(buf...)
		}
		p.buf = buf[:0]
	}
}

// replay lists the queue from its beginning for member m alone and delivers
// what it retains; the main stream then skips those ids for m until it has caught up.
func (p *poller) replay(m *member) error {
	var out []tripleo.Message
	marker := ""
	for pages := 0; pages < 10*maxPagesPerCycle; pages++ {
		pg, err := listPage(p.ctx, p.z.sc, p.queue, marker, p.z.o.PageSize)
		if err != nil {
			return err
		}
		for i := range pg.Messages {
			msg, err := toMessage(p.queue, &pg.Messages[i])
			if err != nil {
				continue // logged by the main stream
			}
			out = append(out, msg)
		}
		next := pg.nextMarker()
		if len(pg.Messages) < p.z.o.PageSize || next == "" || next == marker {
			break
		}
		marker = next
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.members[m]; !ok {
		return nil
	}
	seen := make(map[string]struct{}, len(out))
	uniq := out[:0]
	for _, msg := range out {
		if _, dup := seen[msg.ID]; dup {
			continue
		}
		seen[msg.ID] = struct{}{}
		uniq = append(uniq, msg)
	}
	m.box.Put(uniq...)
	for _, msg := range m.held {
		if _, dup := seen[msg.ID]; !dup {
			m.box.Put(msg)
		}
	}
	m.holding, m.held = false, nil
	m.skip = seen
	return nil
}

// push delivers a message pushed by the websocket (no id): paired with the
// REST listing by body hash; it gets a synthetic id "push-<hash>-<n>".
func (p *poller) push(body json.RawMessage, ttl int) error {
	var msg tripleo.Message
	if err := msg.ParseBody(body); err != nil {
		return err
	}
	h := bodyHash(body)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bodies == nil {
		return errors.New("not a paired poller")
	}
	fresh, n := p.bodies.pushed(h)
	if !fresh {
		return nil
	}
	msg.ID = fmt.Sprintf("push-%016x-%d", h, n)
	msg.Queue = p.queue
	msg.TTL = ttl
	p.deliverLocked([]tripleo.Message{msg})
	return nil
}
