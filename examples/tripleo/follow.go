package main

import (
	"context"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/progress"
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
	for ev := range r.Events() {
		if ev.Kind == tripleo.EventDone && ctx.Err() != nil {
			break
		}
		if ev.Subject == "" && subject != "" {
			ev.Subject = subject
		}
		p.Event(ev)
	}
	p.Done()
	v, err := r.Wait(context.WithoutCancel(ctx))
	if err != nil && ctx.Err() != nil {
		return v, interrupted("%s", hint())
	}
	return v, err
}

// runHint is the usual hint: re-attach to the run's execution.
func runHint[T any](r *tripleo.Run[T]) func() string {
	return func() string { return attachHint(r.ExecutionID()) }
}
