package tripleo

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"
)

// Run is one operation in progress: a workflow execution followed through the
// Notifier and Mistral, or a composite of several (see Go).
//
// The error returned by the function that started the run covers starting only.
// The ctx given to that function bounds the following: cancelling it releases
// every goroutine of the run and ends it with ctx's error, but does not stop the
// workflow on the server. Wait(ctx) bounds only that wait. Only Cancel stops the
// workflow.
//
// Every event is kept in an in-memory log: Events delivers them all in order,
// ending with an EventDone, and is then closed. A host that never reads Events
// loses nothing and blocks nothing; a host that calls Events must drain it (or
// cancel the run's ctx). The outcome is stored, the EventDone logged and Done
// closed before Events closes, so Snapshot after Wait holds every event. Wait is safe from many goroutines and returns the same result each time.
type Run[T any] struct {
	name   string
	ctx    context.Context // the caller's following ctx (ends forwarders)
	client *Client

	mu      sync.Mutex
	id      string
	log     []Event
	changed chan struct{} // closed and replaced whenever the log grows
	cancel  func(context.Context) error
	poke    chan struct{}

	done  chan struct{}
	value T
	err   error

	evOnce sync.Once
	evCh   chan Event
}

func newRun[T any](ctx context.Context, c *Client, name, id string) *Run[T] {
	return &Run[T]{
		name: name, ctx: ctx, client: c, id: id,
		changed: make(chan struct{}),
		done:    make(chan struct{}),
		poke:    make(chan struct{}, 1),
	}
}

// Name is the workflow (or operation) the run performs.
func (r *Run[T]) Name() string { return r.name }

// ExecutionID is the Mistral execution id (for a composite run, that of the
// step running now, or of the last one).
func (r *Run[T]) ExecutionID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.id
}

// Done is closed once the outcome is stored.
func (r *Run[T]) Done() <-chan struct{} { return r.done }

// Wait returns the outcome once the run has ended, or ctx's error (with the
// execution id) if ctx ends first; the run goes on in that case.
func (r *Run[T]) Wait(ctx context.Context) (T, error) {
	select {
	case <-r.done:
		return r.value, r.err
	default:
	}
	select {
	case <-r.done:
		return r.value, r.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("waiting for %s (execution %s): %w", r.name, r.ExecutionID(), ctx.Err())
	}
}

// Result returns the outcome and true once the run has ended, without waiting.
func (r *Run[T]) Result() (T, error, bool) {
	select {
	case <-r.done:
		return r.value, r.err, true
	default:
		var zero T
		return zero, nil, false
	}
}

// Events returns the run's events in order; the channel is closed after the
// EventDone, or when the run's ctx ends.
func (r *Run[T]) Events() <-chan Event {
	r.evOnce.Do(func() {
		r.evCh = make(chan Event)
		go r.forward()
	})
	return r.evCh
}

func (r *Run[T]) forward() {
	defer close(r.evCh)
	for i := 0; ; {
		ev, ok, wake := r.at(i)
		if !ok {
			select {
			case <-wake:
				continue
			case <-r.ctx.Done():
				return
			}
		}
		select {
		case r.evCh <- ev:
			i++
			if ev.Kind == EventDone {
				<-r.done // closed right after the EventDone is logged
				return
			}
		case <-r.ctx.Done():
			return
		}
	}
}

// at returns log[i], or a channel closed when the log grows.
func (r *Run[T]) at(i int) (Event, bool, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i < len(r.log) {
		return r.log[i], true, nil
	}
	return Event{}, false, r.changed
}

// All iterates over the events in the caller's goroutine, ending with the
// EventDone paired with the run's error. If ctx ends first it yields ctx's error.
func (r *Run[T]) All(ctx context.Context) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for i := 0; ; i++ {
			ev, ok, wake := r.at(i)
			for !ok {
				select {
				case <-wake:
				case <-ctx.Done():
					yield(Event{}, ctx.Err())
					return
				}
				ev, ok, wake = r.at(i)
			}
			if ev.Kind == EventDone {
				yield(ev, ev.Err)
				return
			}
			if !yield(ev, nil) {
				return
			}
		}
	}
}

// Snapshot returns a copy of the events logged so far.
func (r *Run[T]) Snapshot() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.log...)
}

// Cancel asks Mistral to cancel the execution running now; the run then ends
// with a *WorkflowError matching ErrCancelled.
func (r *Run[T]) Cancel(ctx context.Context) error {
	r.mu.Lock()
	cancel, id := r.cancel, r.id
	r.mu.Unlock()
	if cancel != nil {
		return cancel(ctx)
	}
	if id == "" {
		return fmt.Errorf("cancel %s: no execution is running", r.name)
	}
	if _, err := r.client.CancelExecution(ctx, id, "cancelled by tripleo-go"); err != nil {
		return err
	}
	select {
	case r.poke <- struct{}{}:
	default:
	}
	return nil
}

// emit appends an event to the log (no-op once the run has ended).
func (r *Run[T]) emit(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	if ev.Text == "" && ev.Kind != EventMessage {
		// state changes and the like read as a sentence; a message's Text
		// stays what the workflow posted (Sentence renders an empty one)
		ev.Text = ev.Sentence()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.log); n > 0 && r.log[n-1].Kind == EventDone {
		return
	}
	r.log = append(r.log, ev)
	close(r.changed)
	r.changed = make(chan struct{})
}

// finish stores the outcome, logs the EventDone, then closes Done; a
// forwarder waits for Done before it closes Events.
func (r *Run[T]) finish(v T, err error) {
	select {
	case <-r.done:
		return
	default:
	}
	r.value, r.err = v, err
	defer close(r.done)
	status := StateSuccess
	if err != nil {
		status = StateError
		if we, ok := err.(*WorkflowError); ok {
			status = we.State
		}
	}
	r.emit(Event{Kind: EventDone, Source: r.name, ExecutionID: r.ExecutionID(), Status: status, Err: err})
}

func (r *Run[T]) setCurrent(id string, cancel func(context.Context) error) {
	r.mu.Lock()
	r.id, r.cancel = id, cancel
	r.mu.Unlock()
}
