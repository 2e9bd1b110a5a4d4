package tripleo_test

import (
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const (
	mistralURL = "http://mistral.test/v2"
	zaqarURL   = "http://zaqar.test"
)

// newMockClient returns a noauth Client whose HTTP goes to a per-test httpmock transport.
func newMockClient(t testing.TB, opts ...tripleo.Option) (*tripleo.Client, *httpmock.MockTransport) {
	t.Helper()
	return tripleotest.NewMockClient(t, tripleo.Endpoints{
		Mistral: mistralURL, Zaqar: zaqarURL,
		Swift: "http://swift.test/v1/AUTH_x", Heat: "http://heat.test/v1/admin", Ironic: "http://ironic.test",
	}, opts...)
}

// bounded makes a hung bubble test fail loudly: fake time runs forever when a
// run never ends (its execution watcher keeps ticking), so synctest cannot see a deadlock.
func bounded(t *testing.T) *testing.T {
	go func() {
		select {
		case <-time.After(6 * time.Hour):
			panic("test " + t.Name() + " still running after 6 h of fake time")
		case <-t.Context().Done():
		}
	}()
	return t
}
