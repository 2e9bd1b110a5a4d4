package tripleo

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
)

// listMode is how the watcher reads runs, each mode tried once the one before
// is rejected with a 4xx:
//   - byID: GET /v2/executions?id=in:a,b,c&fields=id,state,state_info, watchBatch
//     ids a request (servers that filter executions by id);
//   - byUpdate: GET /v2/executions?updated_at=gte:T&fields=...: the executions
//     changed since the oldest change of the runs not yet seen, one request
//     whatever the number of runs (Mistral 15 knows no id filter: "Unknown
//     argument: id"); a run that did not change is not in the answer, and its
//     state is the one known already;
//   - perRun: GET /v2/executions/{id} for each run.
//
// In the list modes a run the answer should hold but lacks (an id list, a full
// page) gets its own GET, which also tells a deleted execution (404).
type listMode int

const (
	byID listMode = iota
	byUpdate
	perRun
)

// Window timing: the server time of a list answer (its Date header, whole
// seconds) less windowSlack is the lower bound of the next window, so that a
// change committed while the answer was made is not missed; a page holds up
// to windowLimit executions.
const (
	windowSlack = 5 * time.Second
	windowLimit = 1000
	mistralTime = "2006-01-02 15:04:05"
)

// serverTime parses a Mistral time (UTC), or returns def.
func serverTime(s string, def time.Time) time.Time {
	t, err := time.Parse(mistralTime, s)
	if err != nil {
		return def
	}
	return t
}

// errListRejected: the server rejects the filter of a list mode (a 4xx).
var errListRejected = errors.New("list filter rejected")

// read checks ids (gte: the oldest server time a change of theirs can have).
// An id Mistral answers 404 for is in gone; an id whose read failed otherwise
// is in neither map, and is checked again at its next tick. at is the lower
// bound of the next window (zero when unknown).
func (w *watcher) read(ids []string, gte time.Time) (found map[string]*Execution, gone map[string]error, at time.Time) {
	found = make(map[string]*Execution, len(ids))
	gone = map[string]error{}
	complete := false // every id without news is known unchanged
	var err error
	for {
		w.mu.Lock()
		mode := w.mode
		w.mu.Unlock()
		err = nil
		switch mode {
		case byID:
			complete, err = w.listByID(ids, found)
		case byUpdate:
			complete, at, err = w.listByUpdate(gte, found)
		}
		if !errors.Is(err, errListRejected) {
			break
		}
		w.c.Log().Debug("mistral: execution list filter rejected; trying the next way", "mode", mode, "error", err)
		w.mu.Lock()
		if w.mode == mode {
			w.mode++
		}
		w.mu.Unlock()
		clear(found)
	}
	if err != nil {
		w.c.Log().Debug("mistral: executions not listed; will retry", "error", err)
		return found, gone, time.Time{}
	}
	for _, id := range ids {
		if complete || found[id] != nil || w.ctx.Err() != nil {
			continue
		}
		ex, err := w.get(id)
		switch {
		case err == nil:
			found[id] = ex
		case IsNotFound(err):
			gone[id] = err
		default:
			w.c.Log().Debug("mistral: execution not read; will retry", "execution", id, "error", err)
		}
	}
	return found, gone, at
}

// listByID lists ids by the id filter; the answer is never complete on its
// own (an id it lacks is read with a GET: a deleted execution's 404).
func (w *watcher) listByID(ids []string, found map[string]*Execution) (bool, error) {
	for i := 0; i < len(ids); i += watchBatch {
		batch := ids[i:min(i+watchBatch, len(ids))]
		q := url.Values{}
		q.Set("id", "in:"+strings.Join(batch, ","))
		q.Set("fields", "id,state,state_info")
		q.Set("limit", strconv.Itoa(len(batch)))
		exs, _, err := w.list(q)
		if err != nil {
			return false, err
		}
		asked := make(map[string]bool, len(batch))
		for _, id := range batch {
			asked[id] = true
		}
		for i := range exs {
			if !asked[exs[i].ID] {
				return false, errListRejected // the filter was ignored
			}
			found[exs[i].ID] = &exs[i]
		}
	}
	return false, nil
}

// listByUpdate lists the executions changed since gte; the answer is
// complete unless its page is full. at is the next window's lower bound.
func (w *watcher) listByUpdate(gte time.Time, found map[string]*Execution) (bool, time.Time, error) {
	q := url.Values{}
	q.Set("updated_at", "gte:"+gte.UTC().Format(mistralTime))
	q.Set("fields", "id,state,state_info")
	q.Set("limit", strconv.Itoa(windowLimit))
	exs, date, err := w.list(q)
	if err != nil {
		return false, time.Time{}, err
	}
	for i := range exs {
		found[exs[i].ID] = &exs[i]
	}
	var at time.Time
	if t, err := http.ParseTime(date); err == nil {
		at = t.UTC().Add(-windowSlack)
	}
	return len(exs) < windowLimit && !at.IsZero(), at, nil
}

// list makes one list request (no retry: the next tick is the retry) and
// returns the executions and the answer's Date header.
func (w *watcher) list(q url.Values) ([]Execution, string, error) {
	var body struct {
		Executions []Execution `json:"executions"`
	}
	op := "mistral: list executions"
	resp, err := w.c.Workflow.Get(w.ctx, w.c.Workflow.ServiceURL("executions")+"?"+q.Encode(), &body, &gophercloud.RequestOpts{OkCodes: []int{200}})
	if _, _, err = gophercloud.ParseResponse(resp, err); err != nil {
		if code := statusOf(err); code >= 400 && code < 500 && code != http.StatusTooManyRequests {
			return nil, "", errors.Join(errListRejected, WrapHTTP(op, err))
		}
		return nil, "", WrapHTTP(op, err)
	}
	return body.Executions, resp.Header.Get("Date"), nil
}

// get reads one execution, once (the next tick is the retry).
func (w *watcher) get(id string) (*Execution, error) {
	var ex Execution
	resp, err := w.c.Workflow.Get(w.ctx, w.c.Workflow.ServiceURL("executions", url.PathEscape(id)), &ex, &gophercloud.RequestOpts{OkCodes: []int{200}})
	if _, _, err = gophercloud.ParseResponse(resp, err); err != nil {
		return nil, WrapHTTP("mistral: get execution "+id, err)
	}
	return &ex, nil
}

// statusOf returns the HTTP status of a failed request (0 when it has none).
func statusOf(err error) int {
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) {
		return ue.Actual
	}
	return 0
}
