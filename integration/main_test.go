//go:build integration

package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/tripleo"
)

// endpoints are the undercloud's URLs, from the variables of $UNDERCLOUD_DIR/env.sh.
type endpoints struct {
	Mistral, Zaqar, ZaqarWS, Swift, Ironic, Heat, Project string
}

var (
	env endpoints
	// runID makes every name of this run unique (queues, plans, stacks, nodes).
	runID string
	// httpc is the HTTP client of every SDK client and raw request of the suite:
	// keep-alives off for Zaqar's REST port (wsgiref, single-threaded HTTP/1.0),
	// on for every other service.
	httpc *http.Client
	// testWorkbook is the name of the suite's own workbook, registered by TestMain.
	testWorkbook = "tripleo_go_it.v1"
	wfHold       = testWorkbook + ".hold"
	wfBareFail   = testWorkbook + ".bare_fail"
	wfTrivial    = testWorkbook + ".trivial"
	wfWait       = testWorkbook + ".wait"
)

const testWorkbookFile = "testdata/tripleo_go_it.v1.yaml"

func TestMain(m *testing.M) {
	loadEnv()
	runID = randHex(4)
	httpc = &http.Client{Transport: newRouter(env.Zaqar)}
	registered := false
	if env.Mistral != "" {
		if err := registerWorkbook(); err != nil {
			fmt.Fprintf(os.Stderr, "integration: cannot register %s: %v\n", testWorkbookFile, err)
			os.Exit(1)
		}
		registered = true
	}
	code := m.Run()
	if registered {
		if err := deleteWorkbook(); err != nil {
			fmt.Fprintf(os.Stderr, "integration: cannot delete workbook %s: %v\n", testWorkbook, err)
		}
	}
	removeTripleoCLI()
	httpc.CloseIdleConnections()
	// No goroutine of the SDK may outlive the runs, notifiers and watches the
	// tests closed (idle HTTP connections were closed above).
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreTopFunction("internal/poll.runtime_pollWait")); err != nil {
			fmt.Fprintf(os.Stderr, "integration: goroutines left behind: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// loadEnv reads the endpoints from the environment or, when MISTRAL_URL is
// unset, from $UNDERCLOUD_DIR/env.sh.
func loadEnv() {
	get := os.Getenv
	if get("MISTRAL_URL") == "" && get("UNDERCLOUD_DIR") != "" {
		if vars, err := readEnvSh(filepath.Join(get("UNDERCLOUD_DIR"), "env.sh")); err == nil {
			get = func(k string) string { return vars[k] }
		}
	}
	env = endpoints{
		Mistral: get("MISTRAL_URL"), Zaqar: get("ZAQAR_URL"), ZaqarWS: get("ZAQAR_WS_URL"),
		Swift: get("SWIFT_URL"), Ironic: get("IRONIC_URL"), Heat: get("HEAT_URL"), Project: get("ZAQAR_PROJECT_ID"),
	}
	if env.Project == "" {
		env.Project = "admin"
	}
}

// readEnvSh reads the `export K=V` lines of scripts/undercloud's env.sh.
func readEnvSh(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.Index(v, " #"); i >= 0 {
			v = v[:i]
		}
		vars[k] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	return vars, sc.Err()
}

// need skips t unless the undercloud's endpoints for the services are known.
// Services: mistral, zaqar, websocket, swift, ironic, heat.
func need(t testing.TB, services ...string) {
	t.Helper()
	if env.Mistral == "" {
		t.Skip("no undercloud: set MISTRAL_URL, ZAQAR_URL, ZAQAR_WS_URL, SWIFT_URL, IRONIC_URL, HEAT_URL " +
			"(`. $UNDERCLOUD_DIR/env.sh` after `scripts/undercloud up`, or run scripts/integration)")
	}
	for _, s := range services {
		var v, name string
		switch s {
		case "mistral":
			continue
		case "zaqar":
			v, name = env.Zaqar, "ZAQAR_URL"
		case "websocket":
			v, name = env.ZaqarWS, "ZAQAR_WS_URL"
		case "swift":
			v, name = env.Swift, "SWIFT_URL"
		case "ironic":
			v, name = env.Ironic, "IRONIC_URL"
		case "heat":
			v, name = env.Heat, "HEAT_URL"
		default:
			t.Fatalf("need: unknown service %q", s)
		}
		if v == "" {
			t.Skipf("%s not set: this test needs the undercloud's %s", name, s)
		}
	}
}

// router sends Zaqar REST requests through a transport without keep-alives
// and everything else through one that keeps connections.
type router struct {
	zaqarHost   string
	zaqar, rest *http.Transport
}

func newRouter(zaqarURL string) *router {
	base := func() *http.Transport {
		return &http.Transport{
			Proxy:               nil, // everything is on loopback
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        64,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		}
	}
	r := &router{zaqar: base(), rest: base()}
	r.zaqar.DisableKeepAlives = true
	if u, err := url.Parse(zaqarURL); err == nil {
		r.zaqarHost = u.Host
	}
	return r
}

func (r *router) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.zaqarHost != "" && req.URL.Host == r.zaqarHost {
		return r.zaqar.RoundTrip(req)
	}
	return r.rest.RoundTrip(req)
}

func (r *router) CloseIdleConnections() {
	r.zaqar.CloseIdleConnections()
	r.rest.CloseIdleConnections()
}

// notify chooses how a client follows runs.
type notify int

const (
	viaMistral notify = iota // no Notifier: the engine polls Mistral alone
	viaREST                  // messaging.UseZaqar: Zaqar REST polling
	viaWS                    // messaging.UseWebsocket: Zaqar websocket pushes
)

func (n notify) String() string {
	return [...]string{"mistral-only", "zaqar-rest", "zaqar-websocket"}[n]
}

// secrets holds the secret values tests put in requests; no client log may
// contain one (checked when each client is cleaned up).
var secrets struct {
	sync.Mutex
	values []string
}

// newSecret returns a fresh secret value that the suite checks for in logs.
func newSecret() tripleo.Secret {
	s := "Pa55-" + randHex(8)
	secrets.Lock()
	secrets.values = append(secrets.values, s)
	secrets.Unlock()
	return tripleo.Secret(s)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (slog handlers).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newClient builds a noauth client on the undercloud for t: ProjectID admin,
// the suite's HTTP client, a debug logger into a buffer that must never hold a
// secret, and the chosen Notifier (closed when t ends).
func newClient(t testing.TB, n notify, opts ...tripleo.Option) *tripleo.Client {
	t.Helper()
	logs := &syncBuffer{}
	o := []tripleo.Option{
		tripleo.WithHTTPClient(httpc),
		tripleo.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
	switch n {
	case viaREST:
		need(t, "zaqar")
		o = append(o, messaging.UseZaqar(messaging.ZaqarOpts{}))
	case viaWS:
		need(t, "zaqar", "websocket")
		o = append(o, messaging.UseWebsocket(env.ZaqarWS, messaging.WebsocketOpts{}))
	}
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{
		Mistral: env.Mistral, Zaqar: env.Zaqar, Swift: env.Swift, Heat: env.Heat, Ironic: env.Ironic, ProjectID: env.Project,
	}, append(o, opts...)...)
	if err != nil {
		t.Fatalf("NewNoAuthClient: %v", err)
	}
	t.Cleanup(func() {
		if cl, ok := c.Notifier.(io.Closer); ok {
			if err := cl.Close(); err != nil {
				t.Errorf("closing the notifier: %v", err)
			}
		}
		text := logs.String()
		secrets.Lock()
		defer secrets.Unlock()
		for _, s := range secrets.values {
			if strings.Contains(text, s) {
				t.Errorf("a secret value reached the client's log")
			}
		}
	})
	return c
}

// name returns a unique name for this run: "it-<run>-<what>".
func name(what string) string { return "it-" + runID + "-" + what }

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// testCtx is a context bounded by d (and by the test's own end).
func testCtx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// registerWorkbook creates or updates the suite's workbook in Mistral.
func registerWorkbook() error {
	def, err := os.ReadFile(testWorkbookFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := http.Header{"Content-Type": {"text/plain"}}
	st, body, err := rawDo(ctx, http.MethodPost, env.Mistral+"/workbooks", h, def)
	if err == nil && st == http.StatusConflict {
		st, body, err = rawDo(ctx, http.MethodPut, env.Mistral+"/workbooks", h, def)
	}
	if err != nil {
		return err
	}
	if st != http.StatusCreated && st != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", st, body)
	}
	return nil
}

// deleteWorkbook deletes the suite's workbook and its workflows (Mistral keeps
// a deleted workbook's workflows otherwise).
func deleteWorkbook() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if st, body, err := rawDo(ctx, http.MethodDelete, env.Mistral+"/workbooks/"+testWorkbook, nil, nil); err != nil || st >= 300 && st != 404 {
		return fmt.Errorf("delete workbook: %d %s %v", st, body, err)
	}
	for _, wf := range []string{wfHold} {
		if st, body, err := rawDo(ctx, http.MethodDelete, env.Mistral+"/workflows/"+wf, nil, nil); err != nil || st >= 300 && st != 404 {
			return fmt.Errorf("delete workflow %s: %d %s %v", wf, st, body, err)
		}
	}
	return nil
}
