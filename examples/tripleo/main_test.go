package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) {
	for _, k := range []string{"OS_CLOUD", "OS_AUTH_URL", "OS_MISTRAL_URL", "OS_ZAQAR_URL", "OS_SWIFT_URL", "OS_HEAT_URL", "OS_IRONIC_URL"} {
		os.Unsetenv(k)
	}
	goleak.VerifyTestMain(m,
		// Pooled keep-alive connections of http.DefaultTransport (the CLI's
		// clients share it, as a real process would) outlive single tests.
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	)
}

// result is what one command line did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, tail(r.stdout), tail(r.stderr))
}

// tail keeps failure messages readable: the last 2000 bytes.
func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

// flags points the CLI at the embedded undercloud u, with fast Zaqar polls.
func flags(u *tripleotest.Undercloud) []string {
	ep := u.Endpoints()
	return []string{"--mistral-url", ep.Mistral, "--zaqar-url", ep.Zaqar, "--swift-url", ep.Swift,
		"--heat-url", ep.Heat, "--ironic-url", ep.Ironic, "--zaqar-poll", "10ms"}
}

// cli runs one command line against u (nil: no connection flags).
func cli(t *testing.T, u *tripleotest.Undercloud, args ...string) result {
	t.Helper()
	return cliCtx(context.Background(), t, u, nil, args...)
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads, with a
// hook called after each write.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	onWrite func(string)
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	text := s.b.String()
	hook := s.onWrite
	s.mu.Unlock()
	if hook != nil {
		hook(text)
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cliCtx runs one command line with ctx; onStderr (may be nil) sees stderr so
// far after each write (to cancel ctx at the right moment).
func cliCtx(ctx context.Context, t *testing.T, u *tripleotest.Undercloud, onStderr func(string), args ...string) result {
	t.Helper()
	if u != nil {
		args = append(flags(u), args...)
	}
	var stdout, stderr syncBuffer
	stderr.onWrite = onStderr
	code := runContext(ctx, args, strings.NewReader(""), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// ok runs a command that must succeed and returns its stdout.
func ok(t *testing.T, u *tripleotest.Undercloud, args ...string) string {
	t.Helper()
	r := cli(t, u, args...)
	require.Equal(t, 0, r.code, "%s: %s", strings.Join(args, " "), r)
	return r.stdout
}

var (
	uuidRE    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	mistralTS = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)
	isoTS     = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	portRE    = regexp.MustCompile(`127\.0\.0\.1:\d{5}`)
	tempURLRE = regexp.MustCompile(`temp_url_sig=[0-9a-f]{40}&temp_url_expires=\d{10}`)
	deployID  = regexp.MustCompile(`"DeployIdentifier": \d{10}`)
	nestedRE  = regexp.MustCompile(`(overcloud-[A-Za-z]+)-[a-z0-9]{12}`)
)

// normalize makes an output deterministic without changing its layout:
// every replacement has the length of what it replaces. UUIDs become
// 00000000-0000-0000-0000-00000000000N in order of first appearance (the
// same uuid, the same N), except those listed in keep.
func normalize(s string, keep ...string) string {
	seen := map[string]string{}
	s = uuidRE.ReplaceAllStringFunc(s, func(id string) string {
		for _, k := range keep {
			if k == id {
				return id
			}
		}
		if r, ok := seen[id]; ok {
			return r
		}
		r := fmt.Sprintf("00000000-0000-0000-0000-%012d", len(seen)+1)
		seen[id] = r
		return r
	})
	s = mistralTS.ReplaceAllString(s, "2006-01-02 15:04:05")
	s = isoTS.ReplaceAllString(s, "2006-01-02T15:04:05Z")
	s = portRE.ReplaceAllString(s, "127.0.0.1:99999")
	s = tempURLRE.ReplaceAllString(s, "temp_url_sig="+strings.Repeat("0", 40)+"&temp_url_expires=1700000000")
	s = deployID.ReplaceAllString(s, `"DeployIdentifier": 1700000000`)
	s = nestedRE.ReplaceAllString(s, "${1}-xxxxxxxxxxxx")
	return s
}

// golden compares got with testdata/<name> (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing: run go test ./examples/tripleo -update")
	assert.Equal(t, string(want), got, "output differs from %s (go test ./examples/tripleo -update rewrites it)", path)
}

// countExecutions counts the executions of the embedded undercloud.
func countExecutions(u *tripleotest.Undercloud) int { return len(u.Executions()) }
