package baremetal

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/tripleo-go/sdk/tripleo"
)

// Node watch timing: the first poll 2 s after the run starts, then backing
// off by 1.5 to every 10 s; any change seen brings the interval back to 2 s.
const (
	watchInterval    = 2 * time.Second
	watchMaxInterval = 10 * time.Second
	watchMultiplier  = 1.5
	// watchErrors is how many polls in a row may fail before the watch says so in an EventWarning.
	watchErrors = 3
)

// nodeWatch watches the Ironic nodes of one run (see the package doc). It is
// primed before the execution is created (the baseline: a node already in a
// failure state is not reported until it changes), then runs as a
// tripleo.Watcher beside the run.
type nodeWatch struct {
	c        *tripleo.Client
	workflow string
	execID   string
	target   string // provision state that counts as done
	stop     bool   // a node failure ends the run
	// pick selects the watched nodes from the whole list when no uuids were given
	// (the *_manageable_nodes workflows select them the same way).
	pick func(NodeState) bool

	mu     sync.Mutex
	order  []string
	nodes  map[string]*watched
	primed bool
	errs   int
	noisy  bool // the watch said it cannot read Ironic
}

// watched is what the watch knows of one node.
type watched struct {
	base, last    NodeState
	hasBase       bool
	blind         bool // the baseline was read only after the run started
	seen          bool
	moved         bool   // it changed since the baseline
	reported      string // state|provision_updated_at of the last failure reported
	maintWarned   bool
	missingWarned bool
}

// newWatch returns the watch of a run, or nil when it is off or the client has no Ironic.
func newWatch(c *tripleo.Client, workflow string, skip, stop bool, target string, uuids []string) *nodeWatch {
	if c == nil || c.Baremetal == nil || skip {
		return nil
	}
	w := &nodeWatch{c: c, workflow: workflow, target: target, stop: stop, nodes: map[string]*watched{}}
	for _, id := range uuids {
		if _, dup := w.nodes[id]; !dup {
			w.order = append(w.order, id)
			w.nodes[id] = &watched{}
		}
	}
	return w
}

// selecting makes the watch pick its nodes from the whole list.
func (w *nodeWatch) selecting(pick func(NodeState) bool) *nodeWatch {
	if w != nil {
		w.pick = pick
	}
	return w
}

// prime reads the baseline. A failure is only logged: the watch then takes
// its first poll as the baseline.
func (w *nodeWatch) prime(ctx context.Context) {
	if w == nil {
		return
	}
	states, _, err := readNodes(ctx, w.c, w.uuids())
	if err != nil {
		w.log("node watch: baseline not read; the first poll stands in", "error", err)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.selectLocked(states)
	for id, n := range w.nodes {
		if s, ok := states[id]; ok {
			n.base, n.hasBase = s, true
		}
	}
}

// uuids returns the watched uuids, or nil when the watch selects from the whole list.
func (w *nodeWatch) uuids() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pick != nil && !w.primed {
		return nil
	}
	return append([]string{}, w.order...)
}

// selectLocked picks the watched nodes (once) when the watch selects them.
func (w *nodeWatch) selectLocked(states map[string]NodeState) {
	if w.pick == nil || w.primed {
		w.primed = true
		return
	}
	w.primed = true
	for _, s := range sortedStates(states) {
		if w.pick(s) {
			w.order = append(w.order, s.UUID)
			w.nodes[s.UUID] = &watched{}
		}
	}
}

// selected returns the uuids the watch watches (after prime).
func (w *nodeWatch) selected() []string {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.order...)
}

// watchers returns the run's watchers: none for a nil watch.
func (w *nodeWatch) watchers(id string) []tripleo.Watcher {
	if w == nil {
		return nil
	}
	w.execID = id
	return []tripleo.Watcher{w.run}
}

// run is the tripleo.Watcher: it polls until ctx ends (the run ended) or,
// with stop, a watched node fails.
func (w *nodeWatch) run(ctx context.Context, emit func(tripleo.Event)) error {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(watchInterval),
		backoff.WithMaxInterval(watchMaxInterval),
		backoff.WithMultiplier(watchMultiplier),
		backoff.WithRandomizationFactor(0),
		backoff.WithMaxElapsedTime(0),
	)
	timer := time.NewTimer(b.NextBackOff())
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		changed, failure := w.poll(ctx, emit)
		if ctx.Err() != nil {
			return nil
		}
		if failure != nil && w.stop {
			w.stopping(ctx, failure, emit)
			return failure
		}
		if changed {
			b.Reset()
		}
		timer.Reset(b.NextBackOff())
	}
}

// poll reads the nodes once and reports what changed; it returns whether
// anything changed and the first new failure.
func (w *nodeWatch) poll(ctx context.Context, emit func(tripleo.Event)) (bool, *NodeError) {
	states, missing, err := readNodes(ctx, w.c, w.uuids())
	if err != nil {
		if ctx.Err() != nil {
			return false, nil
		}
		w.mu.Lock()
		w.errs++
		warn := w.errs == watchErrors && !w.noisy
		if warn {
			w.noisy = true
		}
		w.mu.Unlock()
		w.log("node watch: nodes not read; will retry", "error", err)
		if warn {
			emit(tripleo.Event{Kind: tripleo.EventWarning, Source: SourceIronic, ExecutionID: w.execID,
				Text: fmt.Sprintf("node watch: Ironic could not be read %d times in a row (still trying): %v", watchErrors, err), Err: err})
		}
		return false, nil
	}
	w.mu.Lock()
	w.errs, w.noisy = 0, false
	w.selectLocked(states)
	var (
		evs     []tripleo.Event
		changed []string
		first   *NodeError
	)
	for _, id := range w.order {
		n := w.nodes[id]
		s, ok := states[id]
		if !ok {
			if slices.Contains(missing, id) && !n.missingWarned {
				n.missingWarned = true
				evs = append(evs, tripleo.Event{Kind: tripleo.EventWarning, Source: SourceIronic, ExecutionID: w.execID,
					Subject: id, Text: fmt.Sprintf("node %s: not found in Ironic", id)})
			}
			continue
		}
		if !n.hasBase {
			// No baseline was read: this poll is the baseline, and a failure
			// state in it is reported, since it may be this run's.
			n.base, n.hasBase, n.blind = s, true, true
		}
		prev := n.base
		if n.seen {
			prev = n.last
		}
		if s.ProvisionState != prev.ProvisionState ||
			(s.ProvisionUpdatedAt != prev.ProvisionUpdatedAt && s.ProvisionUpdatedAt != "" && prev.ProvisionUpdatedAt != "") {
			n.moved = true
			changed = append(changed, id)
		}
		n.last, n.seen = s, true
		key := s.ProvisionState + "|" + s.ProvisionUpdatedAt
		newFailure := s.Failed() && key != n.reported &&
			(n.blind || n.moved || s.ProvisionState != n.base.ProvisionState || s.ProvisionUpdatedAt != n.base.ProvisionUpdatedAt)
		switch {
		case newFailure:
			n.reported = key
			n.maintWarned = s.Maintenance
			ne := nodeError(s, "")
			ne.Workflow, ne.ExecutionID = w.workflow, w.execID
			if first == nil {
				first = ne
			}
			text := fmt.Sprintf("node %s entered %q", s.Label(), s.ProvisionState)
			if s.LastError != "" {
				text += ": " + s.LastError
			}
			if s.Maintenance {
				text += " (the node is now in maintenance)"
			}
			evs = append(evs, tripleo.Event{Kind: tripleo.EventWarning, Source: SourceIronic, ExecutionID: w.execID,
				Subject: id, Status: s.ProvisionState, Text: text, Data: s, Err: ne})
		case s.Maintenance && !n.maintWarned && !n.base.Maintenance:
			n.maintWarned = true
			reason := s.MaintenanceReason
			if reason == "" {
				reason = "no reason given"
			}
			evs = append(evs, tripleo.Event{Kind: tripleo.EventWarning, Source: SourceIronic, ExecutionID: w.execID,
				Subject: id, Status: s.ProvisionState, Text: fmt.Sprintf("node %s was put in maintenance: %s", s.Label(), reason), Data: s})
		case !s.Maintenance:
			n.maintWarned = false
		}
	}
	progress := w.progressLocked()
	out := make([]tripleo.Event, 0, len(changed)+len(evs))
	for _, id := range changed {
		out = append(out, w.progressEvent(w.nodes[id], progress))
	}
	w.mu.Unlock()
	for _, ev := range append(out, evs...) {
		emit(ev)
	}
	return len(changed) > 0, first
}

// progressEvent is the EventProgress of a node whose state changed.
func (w *nodeWatch) progressEvent(n *watched, p tripleo.Progress) tripleo.Event {
	s := n.last
	text := fmt.Sprintf("node %s: %s", s.Label(), s.ProvisionState)
	if s.TargetProvisionState != "" && s.TargetProvisionState != s.ProvisionState {
		text += " → " + s.TargetProvisionState
	}
	if s.Failed() && s.LastError != "" {
		text += ": " + s.LastError
	}
	pp := p
	return tripleo.Event{Kind: tripleo.EventProgress, Source: SourceIronic, ExecutionID: w.execID,
		Subject: s.UUID, Status: s.ProvisionState, Text: text, Progress: &pp, Data: s}
}

// progressLocked counts the watched nodes: Done = back in the target state
// after a change, Failed = in a failure state, InProgress = on the way.
func (w *nodeWatch) progressLocked() tripleo.Progress {
	p := tripleo.Progress{Total: len(w.order)}
	for _, id := range w.order {
		n := w.nodes[id]
		if !n.seen {
			continue
		}
		switch s := n.last; {
		case s.Failed() && n.reported != "":
			p.Failed++
		case n.moved && s.ProvisionState == w.target && s.TargetProvisionState == "":
			p.Done++
		case transitional(s.ProvisionState) || s.TargetProvisionState != "":
			p.InProgress++
		}
	}
	return p
}

// stopping tells the host, before the run ends with failure, that the
// Mistral execution is left running and how to stop it.
func (w *nodeWatch) stopping(ctx context.Context, failure *NodeError, emit func(tripleo.Event)) {
	state := "still running"
	if ex, err := w.c.GetExecution(ctx, w.execID); err == nil && tripleo.Terminal(ex.State) {
		state = "already " + ex.State
	}
	text := fmt.Sprintf("node %s is %q: ending the run now; Mistral execution %s (%s) is %s",
		label(failure.Name, failure.UUID), failure.ProvisionState, w.execID, w.workflow, state)
	if state == "still running" {
		text += " and would wait for its own timeout: call Run.Cancel to stop it"
	}
	emit(tripleo.Event{Kind: tripleo.EventWarning, Source: SourceIronic, ExecutionID: w.execID,
		Subject: failure.UUID, Status: failure.ProvisionState, Text: text, Err: failure})
}

func (w *nodeWatch) log(msg string, args ...any) {
	w.c.Log().Debug(msg, append([]any{"workflow", w.workflow, "execution", w.execID}, args...)...)
}

// sortedStates returns the states ordered by name, then uuid.
func sortedStates(states map[string]NodeState) []NodeState {
	return slices.SortedFunc(maps.Values(states), func(a, b NodeState) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.UUID, b.UUID))
	})
}
