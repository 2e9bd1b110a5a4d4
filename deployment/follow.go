package deployment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stackevents"

	"github.com/tripleo-go/sdk/internal/retry"
	"github.com/tripleo-go/sdk/tripleo"
)

// Following defaults.
const (
	// DefaultNestedDepth is how deep nested stacks' events are followed (tripleoclient's 2).
	DefaultNestedDepth = 2
	// DefaultPageSize is the events page size (limit).
	DefaultPageSize = 200
	// DefaultPollMin is the poll interval while events flow.
	DefaultPollMin = 2 * time.Second
	// DefaultPollMax is the poll interval the watch backs off to while idle.
	DefaultPollMax = 20 * time.Second
	// DefaultMaxRetries is how many consecutive transient errors a watch tolerates.
	DefaultMaxRetries = 10
	// emptyPollsBeforeGet: after this many empty polls in a row the stack is read
	// (tripleoclient's rule), in case its final event is missing.
	emptyPollsBeforeGet = 2
	// seenEvents is how many event ids a watch remembers to de-duplicate them.
	seenEvents = 8192
	// SourceHeat is the Source of the events of a watch.
	SourceHeat = "heat"
)

// FollowOpts are the inputs of FollowStack. With only Stack set it follows
// the stack's current operation from its first event, with the defaults above.
type FollowOpts struct {
	// Stack is the stack to follow: "name", "name/id" or an id (required).
	Stack string
	// StackID skips the lookup of the stack's id by name.
	StackID string
	// Action is the Heat action awaited (CREATE, UPDATE, DELETE, …); empty means
	// the action of the stack's status when the watch starts.
	Action string
	// Since is an event id: only later events are read (see LatestEventID).
	// Empty reads every event of the stack, older operations included; their
	// final events never end the watch (only the awaited operation's do).
	Since string
	// NestedDepth is how deep nested stacks are followed (events and resource
	// counters): 0 means DefaultNestedDepth, a negative value the top stack only.
	NestedDepth int
	// PageSize is the events page size (0 means DefaultPageSize).
	PageSize int
	// PollMin and PollMax bound the poll interval: PollMin while events flow,
	// backing off (×1.5) to PollMax while none come (0 means the defaults).
	// Transient errors are retried on the same bounds (×2).
	PollMin, PollMax time.Duration
	// MaxRetries is how many consecutive transient errors (HTTP 429, 502, 503,
	// 504, connection errors) are retried before the watch ends with the last
	// one; 0 means DefaultMaxRetries, a negative value retries forever.
	MaxRetries int
}

// Validate checks the options locally (*tripleo.ValidationError, joined).
func (o FollowOpts) Validate() error {
	var errs []error
	if _, _, err := parseStackRef(o.Stack); err != nil {
		errs = append(errs, err)
	}
	if a := strings.ToUpper(o.Action); a != "" && !heatActions[a] {
		errs = append(errs, tripleo.Invalid("action", "%q is not a Heat action (CREATE, UPDATE, DELETE, ROLLBACK, …)", o.Action))
	}
	if o.PageSize < 0 {
		errs = append(errs, tripleo.Invalid("page size", "must not be negative"))
	}
	if o.PollMin < 0 || o.PollMax < 0 {
		errs = append(errs, tripleo.Invalid("poll interval", "must not be negative"))
	}
	if o.PollMin > 0 && o.PollMax > 0 && o.PollMax < o.PollMin {
		errs = append(errs, tripleo.Invalid("poll interval", "ceiling %s is below floor %s", o.PollMax, o.PollMin))
	}
	if strings.ContainsAny(o.StackID, "/?#") {
		errs = append(errs, tripleo.Invalid("stack id", "%q is not a stack id", o.StackID))
	}
	return errors.Join(errs...)
}

func (o FollowOpts) withDefaults() FollowOpts {
	o.Action = strings.ToUpper(o.Action)
	switch {
	case o.NestedDepth == 0:
		o.NestedDepth = DefaultNestedDepth
	case o.NestedDepth < 0:
		o.NestedDepth = 0
	}
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.PollMin == 0 {
		o.PollMin = DefaultPollMin
		if o.PollMax > 0 && o.PollMax < o.PollMin {
			o.PollMin = o.PollMax
		}
	}
	if o.PollMax == 0 {
		o.PollMax = max(DefaultPollMax, o.PollMin)
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	return o
}

// StackWatch follows one Heat stack operation. It is a run of the tripleo
// engine (Run returns it): its events are tripleo.Events of Source "heat" whose
// Data is a StackEvent, kept in the run's in-memory log, so a host that reads
// nothing blocks nothing. It ends when the awaited operation reaches
// *_COMPLETE (Wait returns the Stack) or *_FAILED (a *StackError), when a
// non-transient error occurs, when Stop is called or when FollowStack's ctx
// ends. No goroutine outlives it.
type StackWatch struct {
	run  *tripleo.Run[*Stack]
	ctx  context.Context
	stop context.CancelCauseFunc
	f    *follower

	evOnce sync.Once
	evCh   chan StackEvent
}

// Run is the watch as a tripleo run (for tripleo.Join, All, Snapshot).
func (w *StackWatch) Run() *tripleo.Run[*Stack] { return w.run }

// Stack returns the followed stack's name and id.
func (w *StackWatch) Stack() (name, id string) { return w.f.name, w.f.id }

// Action is the Heat action the watch awaits.
func (w *StackWatch) Action() string {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	return w.f.action
}

// Done is closed when the watch has ended.
func (w *StackWatch) Done() <-chan struct{} { return w.run.Done() }

// Wait returns the final Stack, a *StackError, or the error that ended the
// watch; ctx bounds only this wait.
func (w *StackWatch) Wait(ctx context.Context) (*Stack, error) { return w.run.Wait(ctx) }

// Counts returns the resource counters now: resources complete, in progress
// and failed, of those known (listed when the watch started, or seen in events).
func (w *StackWatch) Counts() tripleo.Progress {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	return w.f.table.counts
}

// Stop ends the watch (Wait then returns an error matching ErrStopped) and
// releases its goroutines; it is idempotent and harmless after the end.
func (w *StackWatch) Stop() { w.stop(ErrStopped) }

// Events returns the stack's events in order; the channel is closed when the
// watch ends. A host that calls Events must drain it (or Stop the watch).
func (w *StackWatch) Events() <-chan StackEvent {
	w.evOnce.Do(func() {
		w.evCh = make(chan StackEvent)
		go func() {
			defer close(w.evCh)
			for ev, err := range w.run.All(w.ctx) {
				if err != nil {
					return
				}
				se, ok := ev.Data.(StackEvent)
				if !ok {
					continue
				}
				select {
				case w.evCh <- se:
				case <-w.ctx.Done():
					return
				}
			}
		}()
	})
	return w.evCh
}

// FollowStack follows the Heat stack opts.Stack ("name", "name/id" or an id)
// until its awaited operation ends. It reads the stack first (errors, such as a
// 404, are returned at once), then polls GET
// /stacks/{name}/{id}/events?sort_dir=asc&marker=<last id>&nested_depth=N&limit=M,
// paging by marker, fast while events flow and backing off while idle; after two
// empty polls it reads the stack itself. ctx bounds the whole watch.
//
// It returns a *StackWatch rather than a *tripleo.Run until Run can stop its
// following without cancelling anything on the server; StackWatch.Run gives
// the watch as a Run.
func FollowStack(ctx context.Context, c *tripleo.Client, opts FollowOpts) (*StackWatch, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	stack := opts.Stack
	name, id, err := parseStackRef(stack)
	if err != nil {
		return nil, err
	}
	if opts.StackID != "" {
		if id != "" && id != opts.StackID {
			return nil, tripleo.Invalid("stack id", "%q differs from the id in %q", opts.StackID, stack)
		}
		id = opts.StackID
	}
	if c == nil {
		return nil, fmt.Errorf("follow stack %s: orchestration: %w", stack, tripleo.ErrNoService)
	}
	if err := c.Need("orchestration"); err != nil {
		return nil, fmt.Errorf("follow stack %s: %w", stack, err)
	}
	o := opts.withDefaults()
	f := &follower{c: c, opts: o, name: name, id: id, action: o.Action, since: o.Since, marker: o.Since, seen: tripleo.NewSeen(seenEvents)}
	st, err := f.getStack(ctx)
	if err != nil {
		return nil, err
	}
	f.name, f.id, f.lastStatus = st.Name, st.ID, st.Status
	if f.action == "" {
		f.action = statusAction(st.Status)
	}
	wctx, stop := context.WithCancelCause(ctx)
	w := &StackWatch{ctx: wctx, stop: stop, f: f}
	w.run = tripleo.Go(wctx, c, OpFollowStack, f.follow)
	return w, nil
}

// follower is the body of a watch; only its goroutine touches the fields
// below mu, except those mu guards.
type follower struct {
	c    *tripleo.Client
	opts FollowOpts
	name string
	id   string

	since  string // the initial marker
	marker string // the last event id read
	seen   *tripleo.Seen
	fresh  int // events read by this watch

	verdict    verdict
	decisive   *StackEvent // the top-stack event that decided the verdict
	lastStatus string      // last status of the top stack seen

	mu     sync.Mutex // guards action and table (read by Counts, Action)
	action string
	table  resTable
}

func (f *follower) follow(ctx context.Context, s *tripleo.Scope) (*Stack, error) {
	f.seed(ctx)
	marker := "the first event"
	if f.since != "" {
		marker = "event " + f.since
	}
	p := f.counts()
	s.Emit(tripleo.Event{
		Kind: tripleo.EventProgress, Source: SourceHeat, Subject: f.name, Status: f.lastStatus, Progress: &p,
		Text: fmt.Sprintf("following stack %s (%s) awaiting %s from %s", f.name, f.id, orAny(f.awaited()), marker),
	})
	poll := newBackoff(f.opts.PollMin, f.opts.PollMax, 1.5)
	errWait := newBackoff(f.opts.PollMin, f.opts.PollMax, 2)
	failures, empty := 0, 0
	var wait time.Duration
	for {
		if err := sleep(ctx, wait); err != nil {
			return nil, f.ended(ctx)
		}
		n, err := f.poll(ctx, s)
		if err == nil && f.decided() {
			return f.conclude(ctx, nil)
		}
		if err == nil && n == 0 {
			if empty++; empty >= emptyPollsBeforeGet {
				empty = 0
				var st *Stack
				st, err = getStack(ctx, f.c, f.name, f.id)
				if err == nil {
					if v := judge(st.Status, f.awaited()); (v == succeeded || v == failed) && f.trustGet() {
						_, _ = f.poll(ctx, s) // the last events, if Heat has them by now
						if !f.decided() {
							f.verdict, f.lastStatus = v, st.Status
						}
						return f.conclude(ctx, st)
					}
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, f.ended(ctx)
			}
			if tripleo.IsNotFound(err) && f.awaited() == HeatActionDelete {
				return &Stack{Name: f.name, ID: f.id, Status: "DELETE_COMPLETE"}, nil
			}
			if !transient(err) {
				return nil, fmt.Errorf("following stack %s (%s): %w", f.name, f.id, err)
			}
			failures++
			if f.opts.MaxRetries >= 0 && failures > f.opts.MaxRetries {
				return nil, fmt.Errorf("following stack %s (%s): giving up after %d retries: %w", f.name, f.id, f.opts.MaxRetries, err)
			}
			wait = errWait.NextBackOff()
			s.Emit(tripleo.Event{
				Kind: tripleo.EventWarning, Source: SourceHeat, Subject: f.name, Err: err,
				Text: fmt.Sprintf("Heat unavailable, retry %d in %s: %v", failures, wait, err),
			})
			continue
		}
		failures = 0
		errWait.Reset()
		if n > 0 {
			empty = 0
			poll.Reset()
		}
		wait = poll.NextBackOff()
	}
}

// poll reads every event after the marker, page by page; it returns how many
// new events it handled.
func (f *follower) poll(ctx context.Context, s *tripleo.Scope) (int, error) {
	q := eventQuery{SortDir: "asc", Marker: f.marker, Limit: f.opts.PageSize, NestedDepth: f.opts.NestedDepth}
	n := 0
	err := eachEventPage(ctx, f.c, f.name, f.id, q, func(evs []stackevents.Event) bool {
		for i := range evs {
			e := &evs[i]
			if e.ID != "" {
				f.marker = e.ID
			}
			if !f.seen.Add(e.ID) {
				continue
			}
			n++
			f.handle(s, e)
		}
		return true
	})
	return n, err
}

// handle records one new event: top-stack verdict, resource counters, and the run event.
func (f *follower) handle(s *tripleo.Scope, e *stackevents.Event) {
	f.fresh++
	se := StackEvent{
		ID: e.ID, Time: e.Time, ResourceName: e.ResourceName, LogicalResourceID: e.LogicalResourceID,
		PhysicalResourceID: e.PhysicalResourceID, Status: e.ResourceStatus, StatusReason: e.ResourceStatusReason,
	}
	se.Stack, se.StackID = linkStack(e.Links)
	if se.StackID == "" {
		se.Stack, se.StackID = f.name, f.id
	}
	se.Nested = se.StackID != f.id
	se.Top = !se.Nested && e.ResourceName == f.name && e.PhysicalResourceID == f.id
	f.mu.Lock()
	switch {
	case se.Top:
		f.lastStatus = e.ResourceStatus
		if f.action == "" && ClassifyStatus(e.ResourceStatus) == StackInProgress {
			f.action = statusAction(e.ResourceStatus)
		}
		switch v := judge(e.ResourceStatus, f.action); v {
		case pending:
			f.verdict, f.decisive = pending, nil
		case succeeded, failed:
			if f.verdict != succeeded && f.verdict != failed {
				top := se
				f.verdict, f.decisive = v, &top
			}
		}
	case e.ResourceName == se.Stack && e.PhysicalResourceID == se.StackID:
		// a nested stack's own event: its parent resource is counted instead
	default:
		f.table.set(se.StackID+"/"+e.ResourceName, resRow{name: e.ResourceName, stack: se.Stack, status: e.ResourceStatus, reason: e.ResourceStatusReason})
	}
	se.Progress = f.table.counts
	f.mu.Unlock()
	p := se.Progress
	s.Emit(tripleo.Event{
		Kind: tripleo.EventProgress, Source: SourceHeat, Subject: e.ResourceName, Status: e.ResourceStatus,
		Text: e.ResourceStatusReason, Progress: &p, Data: se,
	})
}

func (f *follower) awaited() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.action
}

func (f *follower) counts() tripleo.Progress {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.table.counts
}

func (f *follower) decided() bool { return f.verdict == succeeded || f.verdict == failed }

// trustGet: a stack status read without events is believed only when the watch
// replays everything (no Since) or has seen events after Since — otherwise the
// status could still be that of the previous operation (Heat not yet switched).
func (f *follower) trustGet() bool { return f.since == "" || f.fresh > 0 }

// seed lists the stack's resources (to the nested depth) for the counters'
// total; a failure only leaves the counters to the events. With a Since marker
// their current statuses are the baseline (the events before the marker are
// not read: an update's unchanged resources stay complete). Without one every
// event is replayed, so the statuses come from the events alone and the
// counters rise as the replay goes instead of starting from the current state.
func (f *follower) seed(ctx context.Context) {
	res, err := listResources(ctx, f.c, f.name, f.id, f.opts.NestedDepth)
	if err != nil {
		f.c.Log().Debug("heat: resources not listed; counting from events only", "stack", f.name, "error", err)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range res {
		stName, stID := linkStack(r.Links)
		if stID == "" {
			stName, stID = f.name, f.id
		}
		row := resRow{name: r.Name, typ: r.Type, stack: stName}
		if f.since != "" {
			row.status, row.reason = r.Status, r.StatusReason
		}
		f.table.set(stID+"/"+r.Name, row)
	}
}

// conclude turns the verdict into the outcome; st is the stack when already read.
func (f *follower) conclude(ctx context.Context, st *Stack) (*Stack, error) {
	status, reason := f.lastStatus, ""
	if f.decisive != nil {
		status, reason = f.decisive.Status, f.decisive.StatusReason
	}
	if st == nil {
		var err error
		if st, err = f.getStack(ctx); err != nil {
			f.c.Log().Debug("heat: final stack not read", "stack", f.name, "error", err)
			st = &Stack{Name: f.name, ID: f.id, Status: status, StatusReason: reason}
		}
	}
	if st.Status != status {
		st.Status, st.StatusReason = status, reason
	} else if st.StatusReason == "" {
		st.StatusReason = reason
	}
	if f.verdict == succeeded {
		return st, nil
	}
	return nil, &StackError{Stack: f.name, ID: f.id, Status: st.Status, Reason: st.StatusReason, Failed: f.failures(ctx)}
}

// failures lists the failed resources from Heat (nested depth included), or
// from the events when the list cannot be read.
func (f *follower) failures(ctx context.Context) []ResourceFailure {
	var out []ResourceFailure
	res, err := listResources(ctx, f.c, f.name, f.id, f.opts.NestedDepth)
	if err == nil {
		for _, r := range res {
			if ClassifyStatus(r.Status) == StackFailed {
				stName, _ := linkStack(r.Links)
				if stName == "" {
					stName = f.name
				}
				out = append(out, ResourceFailure{Name: r.Name, Type: r.Type, Status: r.Status, Reason: r.StatusReason, Stack: stName})
			}
		}
		return out
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.table.order {
		if r := f.table.rows[k]; ClassifyStatus(r.status) == StackFailed {
			out = append(out, ResourceFailure{Name: r.name, Type: r.typ, Status: r.status, Reason: r.reason, Stack: r.stack})
		}
	}
	return out
}

// getStack reads the stack, retrying transient errors.
func (f *follower) getStack(ctx context.Context) (*Stack, error) {
	var st *Stack
	err := retryTransient(ctx, f.opts, func() (err error) {
		st, err = getStack(ctx, f.c, f.name, f.id)
		return err
	})
	return st, err
}

// retryTransient runs fn until it succeeds, fails with a non-transient error,
// has been retried o.MaxRetries times (on o's poll bounds, ×2) or ctx ends; the
// last error of fn is kept when ctx ends.
func retryTransient(ctx context.Context, o FollowOpts, fn func() error) error {
	var b backoff.BackOff = newBackoff(o.PollMin, o.PollMax, 2)
	if o.MaxRetries >= 0 {
		b = backoff.WithMaxRetries(b, uint64(o.MaxRetries))
	}
	return retry.Do(ctx, b, transient, nil, fn)
}

func (f *follower) ended(ctx context.Context) error {
	return fmt.Errorf("following stack %s (%s, last status %s): %w", f.name, f.id, orAny(f.lastStatus), context.Cause(ctx))
}

func orAny(s string) string {
	if s == "" {
		return "any action"
	}
	return s
}

// transient reports whether a Heat error is worth retrying: 429, 502, 503,
// 504 and connection errors; other HTTP statuses are not.
func transient(err error) bool {
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) {
		switch ue.Actual {
		case 429, 502, 503, 504:
			return true
		}
		return false
	}
	return tripleo.Retryable(err, true)
}

func newBackoff(initial, ceiling time.Duration, mult float64) *backoff.ExponentialBackOff {
	return backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(initial),
		backoff.WithMaxInterval(ceiling),
		backoff.WithMultiplier(mult),
		backoff.WithRandomizationFactor(0),
		backoff.WithMaxElapsedTime(0),
	)
}

// sleep waits d (0: not at all) or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// resTable keeps each known resource's last status and the counters.
type resTable struct {
	rows   map[string]resRow
	order  []string
	counts tripleo.Progress
}

type resRow struct {
	name, typ, stack, status, reason string
}

// set records a resource's status, keeping the counters in step.
func (t *resTable) set(key string, r resRow) {
	if t.rows == nil {
		t.rows = map[string]resRow{}
	}
	old, ok := t.rows[key]
	if ok {
		t.count(old.status, -1)
		if r.typ == "" {
			r.typ = old.typ
		}
	} else {
		t.order = append(t.order, key)
		t.counts.Total++
	}
	t.rows[key] = r
	t.count(r.status, 1)
}

func (t *resTable) count(status string, d int) {
	switch ClassifyStatus(status) {
	case StackInProgress:
		t.counts.InProgress += d
	case StackFailed:
		t.counts.Failed += d
	case StackComplete:
		if statusAction(status) != "INIT" { // INIT_COMPLETE: not started yet
			t.counts.Done += d
		}
	}
}
