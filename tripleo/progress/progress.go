package progress

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/tripleo-go/sdk/tripleo"
)

// Printer writes events. It is safe for concurrent use.
type Printer struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	start time.Time
	bar   string // the live line shown under the events (terminal only)

	// TerseErrors prints a failed run's EventDone as "<source> failed",
	// without the error, for hosts that report the error themselves.
	TerseErrors bool
}

// New returns a Printer on w; the live bar is drawn only when w is a terminal.
func New(w io.Writer) *Printer {
	return &Printer{w: w, tty: IsTerminal(w), start: time.Now()}
}

// IsTerminal reports whether w is a character device (and TERM is not "dumb").
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Stage prints a stage heading.
func (p *Printer) Stage(format string, args ...any) {
	p.Line("==> " + fmt.Sprintf(format, args...))
}

// Line prints one line above the live bar.
func (p *Printer) Line(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.bar != "" {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintln(p.w, s)
	if p.tty && p.bar != "" {
		fmt.Fprint(p.w, p.bar)
	}
}

// Event prints ev as one line, and updates the live bar from its counters.
func (p *Printer) Event(ev tripleo.Event) {
	if p.TerseErrors && ev.Kind == tripleo.EventDone && ev.Err != nil {
		ev.Err = errTerse
	}
	p.Line(Format(ev, p.start))
	if ev.Progress != nil && p.tty {
		p.mu.Lock()
		p.bar = Bar(ev.Source, ev.Progress, 30)
		fmt.Fprint(p.w, "\r\033[K"+p.bar)
		p.mu.Unlock()
	}
	if ev.Kind == tripleo.EventDone {
		p.Done()
	}
}

// errTerse stands in for the error of a failed run with TerseErrors.
var errTerse = errors.New("see below")

// Done removes the live bar.
func (p *Printer) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.bar != "" {
		fmt.Fprint(p.w, "\r\033[K")
	}
	p.bar = ""
}

// Format renders an event as "[+12.3s] <what>".
func Format(ev tripleo.Event, start time.Time) string {
	var b strings.Builder
	if !ev.Time.IsZero() && !start.IsZero() {
		fmt.Fprintf(&b, "[%+6.1fs] ", ev.Time.Sub(start).Seconds())
	}
	switch ev.Kind {
	case tripleo.EventDone:
		if ev.Err == errTerse {
			fmt.Fprintf(&b, "%s failed", short(ev.Source))
		} else if ev.Err != nil {
			fmt.Fprintf(&b, "%s failed: %v", short(ev.Source), ev.Err)
		} else {
			fmt.Fprintf(&b, "%s finished", short(ev.Source))
		}
		return b.String()
	case tripleo.EventStarted:
		verb := "started"
		if strings.HasPrefix(ev.Text, "attached") {
			verb = "attached"
		}
		fmt.Fprintf(&b, "%s %s", short(ev.Source), verb)
		if ev.ExecutionID != "" {
			fmt.Fprintf(&b, " (execution %s)", ev.ExecutionID)
		}
		return b.String()
	}
	b.WriteString(short(ev.Source))
	if ev.Subject != "" && !strings.Contains(ev.Text, ev.Subject) {
		fmt.Fprintf(&b, " %s", ev.Subject)
	}
	if ev.Status != "" && !strings.HasSuffix(ev.Text, ": "+ev.Status) {
		fmt.Fprintf(&b, " %s", ev.Status)
	}
	if t := strings.TrimSpace(ev.Text); t != "" {
		fmt.Fprintf(&b, ": %s", strings.ReplaceAll(t, "\n", " | "))
	}
	if ev.Progress != nil {
		fmt.Fprintf(&b, " [%s]", ev.Progress)
	}
	return b.String()
}

// Bar renders counters as "label [=====>    ] 12/40".
func Bar(label string, p *tripleo.Progress, width int) string {
	total := p.Total
	if total <= 0 {
		return fmt.Sprintf("%s %d done", short(label), p.Done)
	}
	filled := p.Done * width / total
	if filled > width {
		filled = width
	}
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	s := fmt.Sprintf("%s [%s] %d/%d", short(label), bar, p.Done, total)
	if p.Failed > 0 {
		s += fmt.Sprintf(" (%d failed)", p.Failed)
	}
	return s
}

// short drops the "tripleo." prefix and the workbook version of a workflow name.
func short(name string) string {
	name = strings.TrimPrefix(name, "tripleo.")
	for _, v := range []string{".v1.", ".v2."} {
		if i := strings.Index(name, v); i >= 0 {
			name = name[:i] + "." + name[i+len(v):]
		}
	}
	return name
}
