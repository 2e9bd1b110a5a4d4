package messaging

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"

	"github.com/tripleo-go/sdk/tripleo"
)

// SlogSink returns a Sink that logs one structured line (level Info, message
// "zaqar message") per message: queue, id, type, status, execution ids, plan
// and deployment status, the rendered text, and the other payload keys as
// JSON. Values of secret-looking keys are masked (tripleo.MaskSecrets), the
// given secrets are redacted from the text, and the extra JSON is cut at 2 KiB.
func SlogSink(l *slog.Logger, secrets ...tripleo.Secret) Sink {
	if l == nil {
		l = discard
	}
	return SinkFunc(func(m tripleo.Message) {
		if !l.Enabled(context.Background(), slog.LevelInfo) {
			return
		}
		attrs := []slog.Attr{
			slog.String("queue", m.Queue),
			slog.String("id", m.ID),
			slog.String("type", m.Type),
			slog.String("status", m.Status()),
			slog.String("execution_id", m.Payload.ExecutionID),
		}
		if m.Payload.RootExecutionID != "" {
			attrs = append(attrs, slog.String("root_execution_id", m.Payload.RootExecutionID))
		}
		if m.Payload.PlanName != "" {
			attrs = append(attrs, slog.String("plan_name", m.Payload.PlanName))
		}
		if m.Payload.DeploymentStatus != "" {
			attrs = append(attrs, slog.String("deployment_status", m.Payload.DeploymentStatus))
		}
		if m.Payload.Message != "" {
			attrs = append(attrs, slog.String("text", tripleo.Redact(m.Payload.Message, secrets...)))
		}
		if extra := maskedExtra(m.Payload.Extra, secrets); extra != "" {
			attrs = append(attrs, slog.String("extra", extra))
		}
		l.LogAttrs(context.Background(), slog.LevelInfo, "zaqar message", attrs...)
	})
}

const maxExtraLog = 2048

// maskedExtra renders the extra payload keys as JSON with secrets masked.
func maskedExtra(extra map[string]json.RawMessage, secrets []tripleo.Secret) string {
	if len(extra) == 0 {
		return ""
	}
	m := make(map[string]any, len(extra))
	for k, raw := range extra {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			v = string(raw)
		}
		m[k] = v
	}
	b, err := json.Marshal(tripleo.MaskSecrets(m))
	if err != nil {
		return ""
	}
	s := tripleo.Redact(string(b), secrets...)
	if len(s) > maxExtraLog {
		s = s[:maxExtraLog] + "..."
	}
	return s
}

// ChannelSink is a Sink that sends each message to a channel without ever
// blocking: when the channel is full the message is dropped and counted
// (Dropped). Size the channel for the bursts you expect.
type ChannelSink struct {
	ch      chan<- tripleo.Message
	dropped atomic.Uint64
}

// ChanSink returns a ChannelSink sending to ch. The sink never closes ch.
func ChanSink(ch chan<- tripleo.Message) *ChannelSink { return &ChannelSink{ch: ch} }

// Receive implements Sink.
func (c *ChannelSink) Receive(m tripleo.Message) {
	select {
	case c.ch <- m:
	default:
		c.dropped.Add(1)
	}
}

// Dropped returns how many messages were dropped because the channel was full.
func (c *ChannelSink) Dropped() uint64 { return c.dropped.Load() }
