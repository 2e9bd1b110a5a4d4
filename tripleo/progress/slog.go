package progress

import (
	"context"
	"log/slog"

	"github.com/tripleo-go/sdk/tripleo"
)

// Log returns a function that logs each event it is given on l, one record per
// event: message "tripleo event", the event's attributes (tripleo.Event's
// LogValue) under "event". Warnings log at level Warn, a failed outcome at
// Error, the rest at Info. Event texts are masked already; Log adds nothing
// that a run did not show. A nil l logs nothing.
func Log(l *slog.Logger) func(tripleo.Event) {
	return func(ev tripleo.Event) {
		if l == nil {
			return
		}
		level := slog.LevelInfo
		switch {
		case ev.Kind == tripleo.EventWarning:
			level = slog.LevelWarn
		case ev.Kind == tripleo.EventDone && ev.Err != nil:
			level = slog.LevelError
		}
		l.LogAttrs(context.Background(), level, "tripleo event", slog.Any("event", ev))
	}
}
