package undercloud

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

// DefaultScale is the embedded undercloud's time scale in the examples: a
// 20-minute deployment takes about a second, slow enough to watch.
const DefaultScale = 1e-3

// Mode says which kind of undercloud Connect reaches.
type Mode int

// Modes of Conn.
const (
	// ModeEmbedded is the in-process undercloud of package tripleotest; it lives
	// only as long as the process.
	ModeEmbedded Mode = iota
	// ModeNoAuth is a Keystone-less undercloud at fixed URLs (Conn.Endpoints, or
	// scripts/undercloud's defaults with Real).
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

// Conn holds the connection settings.
type Conn struct {
	// Cloud is the clouds.yaml cloud (empty: $OS_CLOUD).
	Cloud string
	// Real selects the Keystone-less undercloud of scripts/undercloud on
	// 127.0.0.1 (endpoints from MISTRAL_URL, ZAQAR_URL, ... or the defaults).
	Real bool
	// Scale is the embedded undercloud's time scale (0: tripleotest's default).
	Scale float64
	// Endpoints, when Endpoints.Mistral is set, select a Keystone-less
	// undercloud at these URLs. Runs are followed through Zaqar when
	// Endpoints.Zaqar is set, else by polling Mistral alone.
	Endpoints tripleo.Endpoints
	// ForceEmbedded selects the embedded undercloud whatever else is set.
	ForceEmbedded bool
	// Zaqar tunes the Zaqar REST Notifier of non-embedded clients.
	Zaqar messaging.ZaqarOpts
	// EmbeddedOptions are more options for the embedded undercloud.
	EmbeddedOptions []tripleotest.Option
}

// Flags registers -cloud, -real and -scale on fs.
func Flags(fs *flag.FlagSet) *Conn {
	c := &Conn{}
	fs.StringVar(&c.Cloud, "cloud", "", "clouds.yaml cloud of a real undercloud (default $OS_CLOUD; OS_AUTH_URL also selects a real undercloud)")
	fs.BoolVar(&c.Real, "real", false, "use the Keystone-less undercloud of scripts/undercloud on 127.0.0.1 (endpoints from MISTRAL_URL, ZAQAR_URL, SWIFT_URL, HEAT_URL, IRONIC_URL)")
	fs.Float64Var(&c.Scale, "scale", DefaultScale, "embedded undercloud only: simulated durations are multiplied by this (1 = real pace)")
	return c
}

// Mode reports which undercloud Connect reaches: ForceEmbedded, then Real or
// Endpoints.Mistral (noauth), then Cloud, $OS_CLOUD or $OS_AUTH_URL (cloud);
// the embedded undercloud when nothing is set.
func (c *Conn) Mode() Mode {
	switch {
	case c.ForceEmbedded:
		return ModeEmbedded
	case c.Real || c.Endpoints.Mistral != "":
		return ModeNoAuth
	case c.cloud() != "" || os.Getenv("OS_AUTH_URL") != "":
		return ModeCloud
	}
	return ModeEmbedded
}

// Embedded reports whether Connect uses the embedded undercloud.
func (c *Conn) Embedded() bool { return c.Mode() == ModeEmbedded }

func (c *Conn) cloud() string {
	if c.Cloud != "" {
		return c.Cloud
	}
	return os.Getenv("OS_CLOUD")
}

// Connect builds the client; where describes the undercloud; closeFn releases
// it (the Notifier, and the embedded undercloud).
func (c *Conn) Connect(ctx context.Context, opts ...tripleo.Option) (client *tripleo.Client, where string, closeFn func(), err error) {
	switch c.Mode() {
	case ModeNoAuth:
		ep := c.Endpoints
		if c.Real {
			ep = tripleo.Endpoints{
				Mistral:   env("MISTRAL_URL", "http://127.0.0.1:8989/v2"),
				Zaqar:     env("ZAQAR_URL", "http://127.0.0.1:8888"),
				Swift:     env("SWIFT_URL", "http://127.0.0.1:8080/v1/AUTH_admin"),
				Heat:      env("HEAT_URL", "http://127.0.0.1:8004/v1/admin"),
				Ironic:    env("IRONIC_URL", "http://127.0.0.1:6385"),
				ProjectID: env("ZAQAR_PROJECT_ID", "admin"),
			}
		}
		client, err = tripleo.NewNoAuthClient(ep, append([]tripleo.Option{c.notifier()}, opts...)...)
		if err != nil {
			return nil, "", nil, err
		}
		return client, "noauth undercloud (Mistral " + ep.Mistral + ")", func() { closeNotifier(client) }, nil
	case ModeCloud:
		cloud := c.cloud()
		client, err = tripleo.NewClientFromCloud(ctx, cloud, append([]tripleo.Option{c.notifier()}, opts...)...)
		if err != nil {
			return nil, "", nil, err
		}
		if cloud == "" {
			cloud = "OS_* environment"
		}
		return client, "cloud " + cloud, func() { closeNotifier(client) }, nil
	}
	scale := c.Scale
	if scale == 0 {
		scale = tripleotest.DefaultTimeScale
	}
	u := tripleotest.New(append([]tripleotest.Option{tripleotest.WithTimeScale(scale)}, c.EmbeddedOptions...)...)
	client, err = u.Client(opts...)
	if err != nil {
		u.Close()
		return nil, "", nil, err
	}
	return client, fmt.Sprintf("embedded (%s, time scale %g)", u.URL(), scale), func() { closeNotifier(client); u.Close() }, nil
}

// notifier gives the client a Zaqar REST Notifier when it has a Zaqar
// endpoint; without one, runs are followed by polling Mistral.
func (c *Conn) notifier() tripleo.Option {
	return tripleo.WithNotifierFrom(func(cl *tripleo.Client) (tripleo.Notifier, error) {
		if err := cl.Need("messaging"); err != nil {
			if errors.Is(err, tripleo.ErrNoService) {
				return nil, nil
			}
			return nil, err
		}
		opts := c.Zaqar
		if opts.Logger == nil {
			opts.Logger = cl.Logger
		}
		return messaging.NewZaqar(cl.Messaging, opts), nil
	})
}

func closeNotifier(c *tripleo.Client) {
	if c == nil {
		return
	}
	if cl, ok := c.Notifier.(interface{ Close() error }); ok {
		cl.Close()
	}
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
