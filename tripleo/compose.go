package tripleo

import (
	"context"
	"fmt"
)

// Scope is what the body of a composite run (Go) uses to report progress and
// to run its steps.
type Scope struct {
	emit   func(Event)
	set    func(id string, cancel func(context.Context) error)
	client *Client
}

// Emit adds an event to the composite run.
func (s *Scope) Emit(ev Event) { s.emit(ev) }

// Client is the client the composite run was started with.
func (s *Scope) Client() *Client { return s.client }

// Go starts a composite run: body runs in its own goroutine, emitting events
// through the Scope and running steps with Join; its return value is the run's
// outcome. name names the operation (e.g. "deployment.Deploy"). ctx bounds the
// body as it bounds a workflow run's following. A panic in body ends the run
// with an error instead of killing the program.
func Go[T any](ctx context.Context, c *Client, name string, body func(ctx context.Context, s *Scope) (T, error)) *Run[T] {
	r := newRun[T](ctx, c, name, "")
	r.emit(Event{Kind: EventStarted, Source: name})
	go r.body(func() (T, error) { return body(ctx, r.scope()) })
	return r
}

// Then returns a run that is sub seen through f: it has sub's name, execution
// id and events (each passed to annotate, when not nil, which may enrich it in
// place: a Subject, Progress counters, Data), and its outcome is f applied to
// sub's outcome. Typed packages use it to check or complete a workflow's result
// (e.g. read the final node states) without a second "started" event.
func Then[T, U any](ctx context.Context, sub *Run[T], annotate func(*Event), f func(ctx context.Context, s *Scope, v T, err error) (U, error)) *Run[U] {
	r := newRun[U](ctx, sub.client, sub.name, sub.ExecutionID())
	r.setCurrent(sub.ExecutionID(), sub.Cancel)
	go r.body(func() (U, error) {
		for ev := range sub.All(ctx) {
			if ev.Kind == EventDone || ev.Kind == "" {
				continue
			}
			if annotate != nil {
				annotate(&ev)
			}
			r.emit(ev)
		}
		v, err := sub.Wait(ctx)
		r.setCurrent(sub.ExecutionID(), nil)
		return f(ctx, r.scope(), v, err)
	})
	return r
}

func (r *Run[T]) scope() *Scope {
	return &Scope{emit: r.emit, set: r.setCurrent, client: r.client}
}

// body runs fn and finishes the run with its outcome; a panic in fn ends the
// run with an error instead of killing the program.
func (r *Run[T]) body(fn func() (T, error)) {
	var (
		v   T
		err error
	)
	defer func() {
		if p := recover(); p != nil {
			var zero T
			r.finish(zero, fmt.Errorf("%s: panic: %v", r.name, p))
			return
		}
		r.finish(v, err)
	}()
	v, err = fn()
}

// Join runs one step of a composite run: sub's events (all but its EventDone)
// join the composite's, ExecutionID and Cancel of the composite refer to sub
// while it runs, and sub's outcome is returned.
func Join[X any](ctx context.Context, s *Scope, sub *Run[X]) (X, error) {
	s.set(sub.ExecutionID(), sub.Cancel)
	defer s.set(sub.ExecutionID(), nil)
	for ev := range sub.All(ctx) {
		if ev.Kind != EventDone && ev.Kind != "" {
			s.emit(ev)
		}
	}
	return sub.Wait(ctx)
}
