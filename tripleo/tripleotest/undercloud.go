package tripleotest

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/tripleo"
)

// Service names one API of the embedded undercloud (for fault knobs and the request log).
type Service string

// The five services, each under its own path prefix of the one server.
const (
	Mistral Service = "mistral" // /mistral/v2
	Zaqar   Service = "zaqar"   // /zaqar/v2 (versionless endpoint /zaqar)
	Swift   Service = "swift"   // /swift/v1/AUTH_<project>
	Ironic  Service = "ironic"  // /ironic/v1
	Heat    Service = "heat"    // /heat/v1/<project>
)

// Undercloud is an embedded undercloud: Mistral, Zaqar, Swift, Ironic and Heat
// subsets on one loopback HTTP server, with the behaviour of the tripleo.*
// workflows and actions. Build it with New or NewT; it is safe for concurrent
// use. Close stops the server and every goroutine it started.
type Undercloud struct {
	srv     *httptest.Server
	cfg     config
	project string

	root   context.Context
	stop   context.CancelFunc
	lifeMu sync.Mutex // guards closed and wg.Add
	wg     sync.WaitGroup
	closed bool

	rngMu sync.Mutex
	rng   *rand.Rand

	mu          sync.Mutex // guards every simulated service state below
	reqs        []Request
	seq         int64
	swift       map[string]*container
	queues      map[string]*queue
	nodes       []*node
	ports       []*port
	stacks      []*stack
	servers     []*server
	execs       []*execution
	execByID    map[string]*execution
	actionExs   []*actionExecution
	envs        map[string]*environment
	inspections map[string]map[string]any
	wfByName    map[string]*wfDef
	actByName   map[string]*actDef

	notifiers []interface{ Close() error }
}

// New starts an embedded undercloud on 127.0.0.1 (a random port). Close it when done.
func New(opts ...Option) *Undercloud {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	u := &Undercloud{
		cfg:       cfg,
		project:   cfg.project,
		rng:       rand.New(rand.NewPCG(uint64(cfg.seed), uint64(cfg.seed)^0x9e3779b97f4a7c15)),
		swift:     map[string]*container{},
		queues:    map[string]*queue{},
		execByID:  map[string]*execution{},
		envs:      map[string]*environment{},
		wfByName:  map[string]*wfDef{},
		actByName: map[string]*actDef{},
	}
	u.root, u.stop = context.WithCancel(context.Background())
	u.loadDefinitions()
	u.srv = httptest.NewServer(u.routes())
	u.seedNodes()
	return u
}

// NewT is New for a test: the undercloud is closed by t.Cleanup.
func NewT(t testing.TB, opts ...Option) *Undercloud {
	t.Helper()
	u := New(opts...)
	t.Cleanup(u.Close)
	return u
}

// Close stops every simulated workflow and state progression, waits for their
// goroutines, closes the Notifiers of the Clients it built and stops the
// server. It is idempotent.
func (u *Undercloud) Close() {
	u.lifeMu.Lock()
	if u.closed {
		u.lifeMu.Unlock()
		return
	}
	u.closed = true
	ns := u.notifiers
	u.notifiers = nil
	u.lifeMu.Unlock()
	for _, n := range ns {
		n.Close()
	}
	u.stop()
	u.srv.CloseClientConnections()
	u.srv.Close()
	u.wg.Wait()
}

// URL is the server's base URL (http://127.0.0.1:<port>).
func (u *Undercloud) URL() string { return u.srv.URL }

// Project is the project id of the undercloud (default "admin"; see WithProject).
func (u *Undercloud) Project() string { return u.project }

// Endpoints returns the five endpoints in the form tripleo.NewNoAuthClient takes.
func (u *Undercloud) Endpoints() tripleo.Endpoints {
	return tripleo.Endpoints{
		Mistral:   u.srv.URL + "/mistral/v2",
		Zaqar:     u.srv.URL + "/zaqar",
		Swift:     u.swiftURL(),
		Heat:      u.srv.URL + "/heat/v1/" + u.project,
		Ironic:    u.srv.URL + "/ironic/v1",
		ProjectID: u.project,
	}
}

func (u *Undercloud) swiftURL() string { return u.srv.URL + "/swift/v1/AUTH_" + u.project }

// Client builds a tripleo.Client on the undercloud's endpoints (no auth) with
// a Zaqar REST Notifier polling fast enough for tests (messaging.UseZaqar); opts
// come after those defaults, so they may replace the Notifier. The Notifier is
// closed by u.Close.
func (u *Undercloud) Client(opts ...tripleo.Option) (*tripleo.Client, error) {
	all := append([]tripleo.Option{messaging.UseZaqar(messaging.ZaqarOpts{
		MinInterval: 2 * time.Millisecond,
		MaxInterval: 25 * time.Millisecond,
		RetryMin:    5 * time.Millisecond,
		RetryMax:    100 * time.Millisecond,
	})}, opts...)
	c, err := tripleo.NewNoAuthClient(u.Endpoints(), all...)
	if err != nil {
		return nil, err
	}
	if n, ok := c.Notifier.(interface{ Close() error }); ok {
		u.lifeMu.Lock()
		closed := u.closed
		if !closed {
			u.notifiers = append(u.notifiers, n)
		}
		u.lifeMu.Unlock()
		if closed {
			n.Close()
		}
	}
	return c, nil
}

// goTrack runs fn in a goroutine that Close waits for; fn must return when ctx ends.
func (u *Undercloud) goTrack(fn func()) bool {
	u.lifeMu.Lock()
	defer u.lifeMu.Unlock()
	if u.closed {
		return false
	}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		fn()
	}()
	return true
}

func (u *Undercloud) randFloat() float64 {
	u.rngMu.Lock()
	defer u.rngMu.Unlock()
	return u.rng.Float64()
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randString returns n characters of alphabet (alnum when empty).
func (u *Undercloud) randString(n int, alphabet string) string {
	if alphabet == "" {
		alphabet = alnum
	}
	u.rngMu.Lock()
	defer u.rngMu.Unlock()
	var b strings.Builder
	for range n {
		b.WriteByte(alphabet[u.rng.IntN(len(alphabet))])
	}
	return b.String()
}

// now is the wall clock (timestamps on the wire are real times).
func now() time.Time { return time.Now().UTC() }

// routes builds the one handler: the request log and fault injection in
// front of the five services.
func (u *Undercloud) routes() http.Handler {
	mux := http.NewServeMux()
	u.mistralRoutes(mux)
	u.zaqarRoutes(mux)
	u.swiftRoutes(mux)
	u.ironicRoutes(mux)
	u.heatRoutes(mux)
	return u.front(mux)
}

func serviceOf(path string) Service {
	for _, s := range []Service{Mistral, Zaqar, Swift, Ironic, Heat} {
		if strings.HasPrefix(path, "/"+string(s)+"/") || path == "/"+string(s) {
			return s
		}
	}
	return ""
}
