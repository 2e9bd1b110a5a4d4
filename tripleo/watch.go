package tripleo

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
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
// in one list request per tick (GET /v2/executions?id=in:...&fields=...),
// falling back to one GET per run where the server does not filter by id.
// Its goroutine runs only while runs are watched.
type watcher struct {
	c *Client

	mu      sync.Mutex
	runs    map[*watched]struct{}
	closed  bool
	running chan struct{} // closed when the goroutine exits; nil when none runs
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	perRun  bool // the server does not filter lists by id
}

// watched is one run's place in the watcher: the last state read, or the
// error that ends the following (404, the client closed).
type watched struct {
	w      *watcher
	id     string
	since  time.Time
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

// add starts watching execution id (checked at once when now is set).
func (w *watcher) add(id string, now bool) (*watched, error) {
	t := time.Now()
	e := &watched{w: w, id: id, since: t, next: t.Add(watchFast), urgent: now, ready: make(chan struct{}, 1)}
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
		due, wait, ok := w.due()
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
		found, gone := w.read(due)
		w.deliver(due, found, gone)
	}
}

// due returns the ids to check now, else how long until the next is due;
// ok is false when the goroutine is to exit (no run left, or closed).
func (w *watcher) due() (ids []string, wait time.Duration, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.runs) == 0 || w.ctx.Err() != nil {
		w.running = nil
		return nil, 0, false
	}
	now := time.Now()
	wait = watchSlow
	seen := map[string]bool{}
	for e := range w.runs {
		if e.urgent || !now.Before(e.next) {
			if !seen[e.id] {
				seen[e.id] = true
				ids = append(ids, e.id)
			}
			continue
		}
		wait = min(wait, e.next.Sub(now))
	}
	return ids, wait, true
}

// deliver hands each checked run what was read and schedules its next check.
func (w *watcher) deliver(ids []string, found map[string]*Execution, gone map[string]error) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	checked := make(map[string]bool, len(ids))
	for _, id := range ids {
		checked[id] = true
	}
	for e := range w.runs {
		if !checked[e.id] {
			continue
		}
		e.urgent = false
		e.next = now.Add(watchInterval(now.Sub(e.since)))
		if ex := found[e.id]; ex != nil {
			e.ex = ex
			signal(e.ready)
		} else if err := gone[e.id]; err != nil {
			e.err = err
			signal(e.ready)
		}
	}
}

// read checks ids: one list request per batch, then a GET for each id the
// lists did not return (or for every id, where lists are not filtered). An
// id Mistral answers 404 for is in gone; an id whose read failed otherwise is
// in neither map, and is checked again at its next tick.
func (w *watcher) read(ids []string) (found map[string]*Execution, gone map[string]error) {
	found = make(map[string]*Execution, len(ids))
	gone = map[string]error{}
	w.mu.Lock()
	perRun := w.perRun
	w.mu.Unlock()
	if !perRun {
		for i := 0; i < len(ids); i += watchBatch {
			batch := ids[i:min(i+watchBatch, len(ids))]
			exs, err := w.list(batch)
			if errors.Is(err, errNoIDFilter) {
				w.c.Log().Debug("mistral: executions not listed by id; checking each run with its own GET", "error", err)
				w.mu.Lock()
				w.perRun = true
				w.mu.Unlock()
				break
			}
			if err != nil {
				w.c.Log().Debug("mistral: executions not listed; will retry", "error", err)
				return found, gone
			}
			for i := range exs {
				found[exs[i].ID] = &exs[i]
			}
		}
	}
	for _, id := range ids {
		if found[id] != nil || w.ctx.Err() != nil {
			continue
		}
		ex, err := w.get(id)
		switch {
		case err == nil:
			found[id] = ex
		case IsNotFound(err):
			gone[id] = err
		default:
			w.c.Log().Debug("mistral: execution not read; will retry", "execution", id, "error", err)
		}
	}
	return found, gone
}

// errNoIDFilter: the server rejects, or ignores, the id filter of a list.
var errNoIDFilter = errors.New("the server does not filter executions by id")

// list reads the state of the executions ids in one request.
func (w *watcher) list(ids []string) ([]Execution, error) {
	q := url.Values{}
	q.Set("id", "in:"+strings.Join(ids, ","))
	q.Set("fields", "id,state,state_info")
	q.Set("limit", strconv.Itoa(len(ids)))
	var body struct {
		Executions []Execution `json:"executions"`
	}
	op := "mistral: list executions"
	resp, err := w.c.Workflow.Get(w.ctx, w.c.Workflow.ServiceURL("executions")+"?"+q.Encode(), &body, &gophercloud.RequestOpts{OkCodes: []int{200}})
	if _, _, err = gophercloud.ParseResponse(resp, err); err != nil {
		if code := statusOf(err); code >= 400 && code < 500 && code != http.StatusTooManyRequests {
			return nil, errors.Join(errNoIDFilter, WrapHTTP(op, err))
		}
		return nil, WrapHTTP(op, err)
	}
	asked := make(map[string]bool, len(ids))
	for _, id := range ids {
		asked[id] = true
	}
	for _, ex := range body.Executions {
		if !asked[ex.ID] {
			return nil, errNoIDFilter
		}
	}
	return body.Executions, nil
}

// get reads one execution, once (the next tick is the retry).
func (w *watcher) get(id string) (*Execution, error) {
	var ex Execution
	resp, err := w.c.Workflow.Get(w.ctx, w.c.Workflow.ServiceURL("executions", url.PathEscape(id)), &ex, &gophercloud.RequestOpts{OkCodes: []int{200}})
	if _, _, err = gophercloud.ParseResponse(resp, err); err != nil {
		return nil, WrapHTTP("mistral: get execution "+id, err)
	}
	return &ex, nil
}

// statusOf returns the HTTP status of a failed request (0 when it has none).
func statusOf(err error) int {
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) {
		return ue.Actual
	}
	return 0
}
