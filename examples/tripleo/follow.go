package main

import (
	"context"
	"strings"

	"github.com/tripleo-go/sdk/examples/internal/progress"
	"github.com/tripleo-go/sdk/tripleo"
)

// follow prints the run's events as they come (one line each, with a live
// counter bar on a terminal) and returns its outcome. When ctx ends first
// (Ctrl-C) the run is left going on the server and the error is an
// interruptedError carrying hint(run).
func follow[T any](ctx context.Context, a *app, r *tripleo.Run[T], hint func() string) (T, error) {
	return followWith(ctx, a, a.printer(), r, hint, "")
}

// followWith is follow on a given printer; subject, when set, names what the
// run is about on the events that name nothing (runs side by side).
func followWith[T any](ctx context.Context, a *app, p *progress.Printer, r *tripleo.Run[T], hint func() string, subject string) (T, error) {
	var f eventFilter
	for ev := range r.Events() {
		if ev.Kind == tripleo.EventDone && ctx.Err() != nil {
			break
		}
		if ev.Subject == "" && subject != "" {
			ev.Subject = subject
		}
		if f.keep(ev) {
			p.Event(ev)
		} else {
			p.Update(ev)
		}
	}
	p.Done()
	v, err := r.Wait(context.WithoutCancel(ctx))
	if err != nil && ctx.Err() != nil {
		return v, interrupted("%s", hint())
	}
	return v, err
}

// eventFilter drops events that would print the same line twice: the
// EventStarted (without execution id) of the composite run a typed package
// wraps around one workflow, right before the workflow's own; and the second
// of a message and the progress event a typed package made of it (each
// _introspect message of baremetal.Introspect comes as both, in either order).
type eventFilter struct {
	printed map[string]tripleo.EventKind
}

func (f *eventFilter) keep(ev tripleo.Event) bool {
	switch ev.Kind {
	case tripleo.EventStarted:
		return ev.ExecutionID != "" || !strings.HasPrefix(ev.Source, "tripleo.")
	case tripleo.EventProgress, tripleo.EventMessage:
		if ev.Text == "" {
			return true
		}
		if f.printed == nil {
			f.printed = map[string]tripleo.EventKind{}
		}
		key := ev.Source + "\x00" + ev.Status + "\x00" + ev.Text
		if k, ok := f.printed[key]; ok && k != ev.Kind {
			delete(f.printed, key)
			return false
		}
		f.printed[key] = ev.Kind
	}
	return true
}

// runHint is the usual hint: re-attach to the run's execution.
func runHint[T any](r *tripleo.Run[T]) func() string {
	return func() string { return attachHint(r.ExecutionID()) }
}
