package connect

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

func TestModeFollowsFlagsThenEnvironment(t *testing.T) {
	t.Setenv("OS_CLOUD", "")
	t.Setenv("OS_AUTH_URL", "")
	assert.Equal(t, ModeEmbedded, Opts{}.Mode())
	assert.Equal(t, ModeNoAuth, Opts{Real: true}.Mode())
	assert.Equal(t, ModeNoAuth, Opts{Endpoints: tripleo.Endpoints{Mistral: "http://h:8989/v2"}}.Mode())
	assert.Equal(t, ModeCloud, Opts{Cloud: "undercloud"}.Mode())
	assert.Equal(t, ModeEmbedded, Opts{Cloud: "undercloud", Real: true, Embedded: true}.Mode())
	t.Setenv("OS_AUTH_URL", "http://keystone:5000/v3")
	assert.Equal(t, ModeCloud, Opts{}.Mode())
	t.Setenv("OS_AUTH_URL", "")
	t.Setenv("OS_CLOUD", "undercloud")
	assert.Equal(t, ModeCloud, Opts{}.Mode())
}

func TestConnectNoAuthNeedsNoRequest(t *testing.T) {
	conn, err := Connect(context.Background(), Opts{Endpoints: tripleo.Endpoints{Mistral: "http://127.0.0.1:1/v2"}})
	require.NoError(t, err)
	defer conn.Close()
	assert.Nil(t, conn.Undercloud)
	assert.Nil(t, conn.Client.Notifier, "no Zaqar endpoint: runs are followed by polling Mistral")
	assert.Equal(t, "noauth undercloud (Mistral http://127.0.0.1:1/v2)", conn.Where)
	conn.Close() // a second Close does nothing
}

// Close closes the Client: a run started afterwards is refused before any request.
func TestCloseClosesTheClient(t *testing.T) {
	conn, err := Connect(context.Background(), Opts{Endpoints: tripleo.Endpoints{Mistral: "http://127.0.0.1:1/v2"}})
	require.NoError(t, err)
	c := conn.Client
	conn.Close()
	_, err = tripleo.Start(context.Background(), c, "tripleo.x.v1.y", nil, tripleo.DecodeNothing, tripleo.StartOpts{NoQueue: true})
	assert.ErrorIs(t, err, tripleo.ErrClientClosed)
}
