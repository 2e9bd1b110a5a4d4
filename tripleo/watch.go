package tripleo

import (
	"context"
	"errors"
	"sync"
	"time"
)

// The execution watcher's timing: a run is checked every watchFast while it
// is young, then every age/watchAgeDivisor, up to watchSlow.
const (
	watchFast       = 50 * time.Millisecond
	watchSlow       = 5 * time.Second
	watchAgeDivisor = 200
	watchBatch      = 40 // ids per list request (36-character UUIDs keep the URL under 2 KB)
)

// watchInterval is how long after a check a run of the given age is checked again.
func watchInterval(age time.Duration) time.Duration {
	return min(max(age/watchAgeDivisor, watchFast), watchSlow)
}

// ErrClientClosed is the error (errors.Is) of runs that were being followed
// when their Client was closed, and of Start and Attach on a closed Client.
var ErrClientClosed = errors.New("tripleo: client closed")

// watcher is a Client's one execution watcher: every active run is checked
// in one list request per tick (see read), and its goroutine runs only while
// runs are watched.
type watcher struct {
	c *Client

	mu      sync.Mutex
	runs    map[*watched]struct{}
	closed  bool
	running chan struct{} // closed when the goroutine exits; nil when none runs
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	mode    listMode // how runs are read (see read)
}

// watched is one run's place in the watcher: the last state read, or the
// error that ends the following (404, the client closed).
type watched struct {
	w      *watcher
	id     string
	since  time.Time
	from   time.Time // server time: no change of the run is older (updated_at window)
	next   time.Time
	urgent bool
	ready  chan struct{} // signalled when ex or err is set
	ex     *Execution
	err    error
}

func newWatcher(c *Client) *watcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &watcher{c: c, runs: map[*watched]struct{}{}, wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
}

// watcher returns the Client's watcher, made on first use.
func (c *Client) watcher() *watcher {
	c.watchMu.Lock()
	defer c.watchMu.Unlock()
	if c.watch == nil {
		c.watch = newWatcher(c)
	}
	return c.watch
}

// add starts watching execution ex (checked at once when now is set).
func (w *watcher) add(ex *Execution, now bool) (*watched, error) {
	t := time.Now()
	e := &watched{w: w, id: ex.ID, since: t, next: t.Add(watchFast), urgent: now, ready: make(chan struct{}, 1)}
	e.from = serverTime(ex.CreatedAt, t.Add(-time.Minute))
	if ex.UpdatedAt != "" {
		e.from = serverTime(ex.UpdatedAt, e.from)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, ErrClientClosed
	}
	w.runs[e] = struct{}{}
	if w.running == nil {
		w.running = make(chan struct{})
		go w.loop(w.running)
	} else {
		w.poke()
	}
	return e, nil
}

// remove stops watching e; the goroutine exits once no run is left.
func (e *watched) remove() {
	e.w.mu.Lock()
	delete(e.w.runs, e)
	e.w.mu.Unlock()
	e.w.poke()
}

// check asks for e to be checked now.
func (e *watched) check() {
	e.w.mu.Lock()
	e.urgent = true
	e.w.mu.Unlock()
	e.w.poke()
}

// result returns the last execution read (nil if none since the last call) and
// the error that ends the following.
func (e *watched) result() (*Execution, error) {
	e.w.mu.Lock()
	defer e.w.mu.Unlock()
	ex, err := e.ex, e.err
	e.ex = nil
	return ex, err
}

func (w *watcher) isClosed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

func (w *watcher) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// close ends the goroutine and fails the runs still watched. Idempotent: it
// reports whether this call closed the watcher.
func (w *watcher) close() bool {
	w.mu.Lock()
	first := !w.closed
	w.closed = true
	running := w.running
	w.mu.Unlock()
	w.cancel()
	if running != nil {
		<-running
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for e := range w.runs {
		e.err = ErrClientClosed
		signal(e.ready)
	}
	return first
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (w *watcher) loop(done chan struct{}) {
	defer close(done)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		due, gte, wait, ok := w.due()
		if !ok {
			return
		}
		if len(due) == 0 {
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-w.ctx.Done():
			case <-w.wake:
				timer.Stop()
			case <-timer.C:
			}
			continue
		}
		found, gone, at := w.read(due, gte)
		w.deliver(due, found, gone, at)
	}
}

// due returns the ids to check now, else how long until the next is due;
// ok is false when the goroutine is to exit (no run left, or closed).
// gte is the oldest server time a change of those runs can have.
func (w *watcher) due() (ids []string, gte time.Time, wait time.Duration, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.runs) == 0 || w.ctx.Err() != nil {
		w.running = nil
		return nil, gte, 0, false
	}
	now := time.Now()
	wait = watchSlow
	seen := make(map[string]bool, len(w.runs))
	for e := range w.runs {
		if e.urgent || !now.Before(e.next) {
			if !seen[e.id] {
				seen[e.id] = true
				ids = append(ids, e.id)
			}
			if gte.IsZero() || e.from.Before(gte) {
				gte = e.from
			}
			continue
		}
		wait = min(wait, e.next.Sub(now))
	}
	return ids, gte, wait, true
}

// deliver hands each run what was read (a list may have read runs that
// were not due) and schedules the next check of the runs checked; at, when
// not zero, is the server time no change of a checked run is older than.
func (w *watcher) deliver(ids []string, found map[string]*Execution, gone map[string]error, at time.Time) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	checked := make(map[string]bool, len(ids))
	for _, id := range ids {
		checked[id] = true
	}
	for e := range w.runs {
		if checked[e.id] {
			e.urgent = false
			e.next = now.Add(watchInterval(now.Sub(e.since)))
			if !at.IsZero() && at.After(e.from) {
				e.from = at
			}
		}
		if ex := found[e.id]; ex != nil {
			e.ex = ex
			signal(e.ready)
		} else if err := gone[e.id]; err != nil {
			e.err = err
			signal(e.ready)
		}
	}
}
