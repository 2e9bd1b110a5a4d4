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
	s := &Scope{emit: r.emit, set: r.setCurrent, client: c}
	r.emit(Event{Kind: EventStarted, Source: name})
	go func() {
		var (
			v   T
			err error
		)
		defer func() {
			if p := recover(); p != nil {
				var zero T
				r.finish(zero, fmt.Errorf("%s: panic: %v", name, p))
				return
			}
			r.finish(v, err)
		}()
		v, err = body(ctx, s)
	}()
	return r
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
