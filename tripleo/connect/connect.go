package connect

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// DefaultScale is the embedded undercloud's time scale that Flags sets: a
// 20-minute deployment takes about a second, slow enough to watch.
const DefaultScale = 1e-3

// Mode says which kind of undercloud Connect reaches.
type Mode int

// The modes of Opts.Mode.
const (
	// ModeEmbedded is the in-process undercloud of package tripleotest; it lives
	// only as long as the Conn.
	ModeEmbedded Mode = iota
	// ModeNoAuth is a Keystone-less undercloud at fixed URLs (Opts.Endpoints, or
	// scripts/undercloud's defaults with Opts.Real).
	ModeNoAuth
	// ModeCloud authenticates with clouds.yaml or the OS_* variables.
	ModeCloud
)

// String implements fmt.Stringer.
func (m Mode) String() string {
	switch m {
	case ModeNoAuth:
		return "noauth"
	case ModeCloud:
		return "cloud"
	}
	return "embedded"
}

// Opts says which undercloud to reach and how.
type Opts struct {
	// Cloud is the clouds.yaml cloud (empty: $OS_CLOUD).
	Cloud string
	// Real selects the Keystone-less undercloud of scripts/undercloud on
	// 127.0.0.1 (endpoints from MISTRAL_URL, ZAQAR_URL, SWIFT_URL, HEAT_URL,
	// IRONIC_URL and ZAQAR_PROJECT_ID, or their defaults).
	Real bool
	// Scale is the embedded undercloud's time scale (0: tripleotest's default).
	Scale float64
	// Endpoints, when Endpoints.Mistral is set, select a Keystone-less
	// undercloud at these URLs. Runs are followed through Zaqar when
	// Endpoints.Zaqar is set, else by polling Mistral alone.
	Endpoints tripleo.Endpoints
	// Embedded selects the embedded undercloud whatever else is set.
	Embedded bool
	// Zaqar tunes the Zaqar REST Notifier of non-embedded clients.
	Zaqar messaging.ZaqarOpts
	// Undercloud holds more options for the embedded undercloud (fault knobs,
	// a release).
	Undercloud []tripleotest.Option
	// Client holds more options for the client (a logger, an HTTP client).
	Client []tripleo.Option
}

// Flags registers -cloud, -real and -scale on fs and returns the Opts they
// fill once fs is parsed.
func Flags(fs *flag.FlagSet) *Opts {
	o := &Opts{}
	fs.StringVar(&o.Cloud, "cloud", "", "clouds.yaml cloud of a real undercloud (default $OS_CLOUD; OS_AUTH_URL also selects a real undercloud)")
	fs.BoolVar(&o.Real, "real", false, "use the Keystone-less undercloud of scripts/undercloud on 127.0.0.1 (endpoints from MISTRAL_URL, ZAQAR_URL, SWIFT_URL, HEAT_URL, IRONIC_URL)")
	fs.Float64Var(&o.Scale, "scale", DefaultScale, "embedded undercloud only: simulated durations are multiplied by this (1 = real pace)")
	return o
}

// Mode reports which undercloud Connect reaches: Embedded, then Real or
// Endpoints.Mistral (noauth), then Cloud, $OS_CLOUD or $OS_AUTH_URL (cloud);
// the embedded undercloud when nothing is set.
func (o Opts) Mode() Mode {
	switch {
	case o.Embedded:
		return ModeEmbedded
	case o.Real || o.Endpoints.Mistral != "":
		return ModeNoAuth
	case o.cloud() != "" || os.Getenv("OS_AUTH_URL") != "":
		return ModeCloud
	}
	return ModeEmbedded
}

func (o Opts) cloud() string {
	if o.Cloud != "" {
		return o.Cloud
	}
	return os.Getenv("OS_CLOUD")
}

// Conn is a connected client and what it holds.
type Conn struct {
	// Client is the ready client, with a Zaqar Notifier when the undercloud
	// has Zaqar.
	Client *tripleo.Client
	// Where describes the undercloud in one line (no credentials).
	Where string
	// Undercloud is the embedded undercloud in ModeEmbedded (its fault knobs
	// and state), else nil.
	Undercloud *tripleotest.Undercloud

	close func()
}

// Close releases the Client (tripleo.Client.Close: its Notifier, execution
// watcher and idle connections) and the embedded undercloud.
func (c *Conn) Close() {
	if c != nil && c.close != nil {
		c.close()
		c.close = nil
	}
}

// Connect builds the client that o.Mode selects.
func Connect(ctx context.Context, o Opts) (*Conn, error) {
	copts := append([]tripleo.Option{o.notifier()}, o.Client...)
	switch o.Mode() {
	case ModeNoAuth:
		ep := o.Endpoints
		if o.Real {
			ep = tripleo.Endpoints{
				Mistral:   env("MISTRAL_URL", "http://127.0.0.1:8989/v2"),
				Zaqar:     env("ZAQAR_URL", "http://127.0.0.1:8888"),
				Swift:     env("SWIFT_URL", "http://127.0.0.1:8080/v1/AUTH_admin"),
				Heat:      env("HEAT_URL", "http://127.0.0.1:8004/v1/admin"),
				Ironic:    env("IRONIC_URL", "http://127.0.0.1:6385"),
				ProjectID: env("ZAQAR_PROJECT_ID", "admin"),
			}
		}
		client, err := tripleo.NewNoAuthClient(ep, copts...)
		if err != nil {
			return nil, err
		}
		return &Conn{Client: client, Where: "noauth undercloud (Mistral " + ep.Mistral + ")", close: func() { _ = client.Close() }}, nil
	case ModeCloud:
		cloud := o.cloud()
		client, err := tripleo.NewClientFromCloud(ctx, cloud, copts...)
		if err != nil {
			return nil, err
		}
		if cloud == "" {
			cloud = "OS_* environment"
		}
		return &Conn{Client: client, Where: "cloud " + cloud, close: func() { _ = client.Close() }}, nil
	}
	scale := o.Scale
	if scale == 0 {
		scale = tripleotest.DefaultTimeScale
	}
	u := tripleotest.New(append([]tripleotest.Option{tripleotest.WithTimeScale(scale)}, o.Undercloud...)...)
	client, err := u.Client(o.Client...)
	if err != nil {
		u.Close()
		return nil, err
	}
	return &Conn{Client: client, Undercloud: u, Where: fmt.Sprintf("embedded (%s, time scale %g)", u.URL(), scale),
		close: func() { _ = client.Close(); u.Close() }}, nil
}

// notifier gives the client a Zaqar REST Notifier when it has a Zaqar
// endpoint; without one, runs are followed by polling Mistral.
func (o Opts) notifier() tripleo.Option {
	return tripleo.WithNotifierFrom(func(cl *tripleo.Client) (tripleo.Notifier, error) {
		if err := cl.Need("messaging"); err != nil {
			if errors.Is(err, tripleo.ErrNoService) {
				return nil, nil
			}
			return nil, err
		}
		zo := o.Zaqar
		if zo.Logger == nil {
			zo.Logger = cl.Logger
		}
		return messaging.NewZaqar(cl.Messaging, zo), nil
	})
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
