package tripleo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/gophercloud/gophercloud/v2"
)

// follower follows one execution: messages from the subscription, the
// Client's execution watcher for the Mistral state, and the run's Watchers; it
// alone decides the outcome.
type follower[T any] struct {
	r       *Run[T]
	c       *Client
	sub     Subscription
	queue   string
	decode  Decoder[T]
	secrets []Secret
	watch   *watched // the run's place in the Client's execution watcher

	seen    dedupe   // by Zaqar id and by (execution, body)
	state   string   // last Mistral state seen
	lastOwn *Message // last message of the execution itself
	final   *Message // its first non-RUNNING message

	// the outcome, published by loop once everything the run held (its
	// subscription, watchers, place in the execution watcher) is released
	value T
	err   error
	ended bool
}

func (f *follower[T]) loop(ctx context.Context, watchers []Watcher, immediate bool) {
	defer f.publish() // last: a host that sees Done finds nothing of the run still held
	if f.sub != nil {
		defer f.sub.Close()
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wctx, stopWatchers := context.WithCancel(ctx)
	defer stopWatchers()
	watchErr := make(chan error, len(watchers))
	for _, w := range watchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w(wctx, f.r.emit); err != nil && wctx.Err() == nil {
				watchErr <- err
			}
		}()
	}

	var ready <-chan struct{}
	if f.sub != nil {
		ready = f.sub.Ready()
	}
	defer f.watch.remove()
	if immediate {
		f.watch.check()
	}
	id := f.r.ExecutionID()
	for {
		select {
		case <-ctx.Done():
			f.fail(fmt.Errorf("following %s (execution %s, last state %s%s): %w", f.r.name, id, f.state, f.lastText(), ctx.Err()))
			return
		case err := <-watchErr:
			f.fail(err)
			return
		case <-ready:
			if f.take() {
				f.decide(ctx, f.confirm(ctx))
				return
			}
		case <-f.r.poke:
			f.watch.check()
		case <-f.watch.ready:
			ex, err := f.watch.result()
			switch {
			case errors.Is(err, ErrClientClosed):
				f.fail(fmt.Errorf("following %s (execution %s): %w", f.r.name, id, err))
				return
			case err != nil:
				f.fail(fmt.Errorf("following %s: %w", f.r.name, err))
				return
			case ex == nil:
				continue
			}
			f.observe(ex)
			if Terminal(ex.State) {
				// the watcher's list has the state only: read the whole execution
				full, err := f.c.GetExecution(ctx, id)
				switch {
				case err != nil && ctx.Err() != nil:
					continue // reported by the ctx case
				case err != nil && IsNotFound(err):
					f.fail(fmt.Errorf("following %s: %w", f.r.name, err))
					return
				case err == nil:
					ex = full
				}
				f.flush(ctx)
				f.take()
				f.decide(ctx, ex)
				return
			}
		}
	}
}

// IsNotFound reports whether err is an HTTP 404 from a service: an *APIError
// (errors.Is(err, ErrNotFound)) or gophercloud's own error, not yet wrapped.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || gophercloud.ResponseCodeIs(err, http.StatusNotFound)
}

// take drains the subscription; it reports whether the execution's own final message has arrived.
func (f *follower[T]) take() bool {
	if f.sub == nil {
		return f.final != nil
	}
	id := f.r.ExecutionID()
	own := false
	defer func() {
		if own && f.final == nil && f.watch != nil {
			f.watch.check() // a message names the run: read its state now
		}
	}()
	for _, m := range f.sub.Take() {
		if !m.Payload.Belongs(id) || !f.seen.add(&m) {
			continue
		}
		// Redacted once here, the message is safe wherever it goes next: the
		// event, the Final, a WorkflowError's LastMessage, a ctx error's text.
		m := m.redacted(f.secrets)
		f.r.emit(Event{
			Kind: EventMessage, Source: m.Type, ExecutionID: m.Payload.ExecutionID,
			Status: m.Status(), Text: m.Payload.Message, Message: &m,
		})
		if m.Payload.ExecutionID == id {
			own = true
			f.lastOwn = &m
			if f.final == nil && Terminal(m.Status()) {
				f.final = &m
			}
		}
	}
	return f.final != nil
}

// observe records a Mistral state seen by the execution watcher.
func (f *follower[T]) observe(ex *Execution) {
	if ex.State != f.state {
		f.state = ex.State
		f.r.emit(Event{Kind: EventState, Source: f.r.name, ExecutionID: ex.ID, Status: ex.State, Text: Redact(ex.StateInfo, f.secrets...)})
	}
}

// confirm reads the execution after its final message, briefly waiting for
// Mistral to settle (the workflow posts, then ends), so that the output and
// state_info are at hand. It returns the last execution read (nil if none).
func (f *follower[T]) confirm(ctx context.Context) *Execution {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(20*time.Millisecond),
		backoff.WithMaxInterval(500*time.Millisecond),
		backoff.WithMaxElapsedTime(3*time.Second),
	)
	var last *Execution
	_ = backoff.Retry(func() error {
		ex, err := f.c.GetExecution(ctx, f.r.ExecutionID())
		if err != nil {
			if IsNotFound(err) {
				return backoff.Permanent(err)
			}
			return err
		}
		last = ex
		if !Terminal(ex.State) {
			return fmt.Errorf("still %s", ex.State)
		}
		return nil
	}, backoff.WithContext(b, ctx))
	if last != nil {
		f.observe(last)
	}
	f.take() // messages that were in flight with the final one
	return last
}

// decide is the one place a followed execution's outcome is decided: the Mistral
// state when it is terminal, else the final message's status; a FAILED final
// message fails the run even if Mistral says SUCCESS.
func (f *follower[T]) decide(ctx context.Context, ex *Execution) {
	outcome := Pending
	if ex != nil {
		outcome = Classify(ex.State)
	}
	msgOutcome := Pending
	if f.final != nil {
		msgOutcome = Classify(f.final.Status())
	}
	if outcome == Pending || (outcome == Succeeded && msgOutcome == Failed) {
		outcome = msgOutcome
	}
	switch outcome {
	case Succeeded:
		fin := &Final{Workflow: f.r.name, ExecutionID: f.r.ExecutionID(), Execution: ex, Message: f.final, Events: f.r.Snapshot()}
		v, err := f.decode(fin)
		if err != nil {
			f.fail(fmt.Errorf("%s (execution %s): decode result: %w", f.r.name, fin.ExecutionID, err))
			return
		}
		f.value, f.ended = v, true
	case Failed, Cancelled:
		we := &WorkflowError{Workflow: f.r.name, ExecutionID: f.r.ExecutionID(), LastMessage: f.final}
		if we.LastMessage == nil {
			we.LastMessage = f.lastOwn
		}
		if ex != nil && Terminal(ex.State) && !(ex.State == StateSuccess) {
			we.State = ex.State
			we.StateInfo = Redact(ex.StateInfo, f.secrets...)
		} else {
			we.State = StatusFailed
		}
		if outcome == Cancelled {
			we.State = StateCancelled
		} else if we.StateInfo == "" && (we.LastMessage == nil || we.LastMessage.Payload.Message == "") {
			we.Reason = Redact(f.c.FailureReason(ctx, ex), f.secrets...)
		}
		f.fail(we)
	default:
		f.fail(fmt.Errorf("%s (execution %s): ended without a terminal state", f.r.name, f.r.ExecutionID()))
	}
}

func (f *follower[T]) fail(err error) {
	f.err, f.ended = err, true
}

// publish hands the outcome to the run.
func (f *follower[T]) publish() {
	if !f.ended {
		f.err = fmt.Errorf("%s (execution %s): following ended without an outcome", f.r.name, f.r.ExecutionID())
	}
	f.r.finish(f.value, f.err)
}

func (f *follower[T]) lastText() string {
	if f.lastOwn != nil && f.lastOwn.Payload.Message != "" {
		return fmt.Sprintf(", last message %q", f.lastOwn.Payload.Message)
	}
	return ""
}
