// Package undercloud gives the example programs one way to reach an
// undercloud: the embedded one (package tripleotest, the default), a real one
// through clouds.yaml or OS_* variables (-cloud), or the Keystone-less one that
// scripts/undercloud starts on 127.0.0.1 (-real).
package undercloud

import (
	"context"
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

// Conn holds the connection flags.
type Conn struct {
	Cloud string
	Real  bool
	Scale float64
}

// Flags registers -cloud, -real and -scale on fs.
func Flags(fs *flag.FlagSet) *Conn {
	c := &Conn{}
	fs.StringVar(&c.Cloud, "cloud", "", "clouds.yaml cloud of a real undercloud (default $OS_CLOUD; OS_AUTH_URL also selects a real undercloud)")
	fs.BoolVar(&c.Real, "real", false, "use the Keystone-less undercloud of scripts/undercloud on 127.0.0.1 (endpoints from MISTRAL_URL, ZAQAR_URL, SWIFT_URL, HEAT_URL, IRONIC_URL)")
	fs.Float64Var(&c.Scale, "scale", DefaultScale, "embedded undercloud only: simulated durations are multiplied by this (1 = real pace)")
	return c
}

// Embedded reports whether Connect uses the embedded undercloud.
func (c *Conn) Embedded() bool {
	return !c.Real && c.Cloud == "" && os.Getenv("OS_CLOUD") == "" && os.Getenv("OS_AUTH_URL") == ""
}

// Connect builds the client; where describes the undercloud; closeFn releases it.
func (c *Conn) Connect(ctx context.Context, opts ...tripleo.Option) (client *tripleo.Client, where string, closeFn func(), err error) {
	cloud := c.Cloud
	if cloud == "" {
		cloud = os.Getenv("OS_CLOUD")
	}
	switch {
	case c.Real:
		ep := tripleo.Endpoints{
			Mistral:   env("MISTRAL_URL", "http://127.0.0.1:8989/v2"),
			Zaqar:     env("ZAQAR_URL", "http://127.0.0.1:8888"),
			Swift:     env("SWIFT_URL", "http://127.0.0.1:8080/v1/AUTH_admin"),
			Heat:      env("HEAT_URL", "http://127.0.0.1:8004/v1/admin"),
			Ironic:    env("IRONIC_URL", "http://127.0.0.1:6385"),
			ProjectID: env("ZAQAR_PROJECT_ID", "admin"),
		}
		client, err = tripleo.NewNoAuthClient(ep, append([]tripleo.Option{messaging.UseZaqar(messaging.ZaqarOpts{})}, opts...)...)
		return client, "local real undercloud (Mistral " + ep.Mistral + ")", func() { closeNotifier(client) }, err
	case cloud != "" || os.Getenv("OS_AUTH_URL") != "":
		client, err = tripleo.NewClientFromCloud(ctx, cloud, append([]tripleo.Option{messaging.UseZaqar(messaging.ZaqarOpts{})}, opts...)...)
		if cloud == "" {
			cloud = "OS_* environment"
		}
		return client, "cloud " + cloud, func() { closeNotifier(client) }, err
	}
	u := tripleotest.New(tripleotest.WithTimeScale(c.Scale))
	client, err = u.Client(opts...)
	if err != nil {
		u.Close()
		return nil, "", nil, err
	}
	return client, fmt.Sprintf("embedded (%s, time scale %g)", u.URL(), c.Scale), func() { closeNotifier(client); u.Close() }, nil
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
