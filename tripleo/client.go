package tripleo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"go.yaml.in/yaml/v3"
)

// Version is the SDK version sent in the User-Agent.
const Version = "0.1.0"

// IronicAPIVersion is the Ironic microversion the SDK speaks (the one tripleo-common pins for Queens).
const IronicAPIVersion = "1.36"

// Client holds the service clients of one undercloud and how runs are followed.
// Build it with NewClient (any gophercloud auth), NewClientFromCloud
// (clouds.yaml or OS_* variables) or NewNoAuthClient (fixed endpoints, no
// Keystone). A Client is safe for concurrent use; do not change its fields while
// operations run.
type Client struct {
	// Workflow is Mistral v2 (required).
	Workflow *gophercloud.ServiceClient
	// Messaging is Zaqar v2, with this client's Client-ID header; nil when the cloud has none.
	Messaging *gophercloud.ServiceClient
	// ObjectStore is Swift; nil when absent.
	ObjectStore *gophercloud.ServiceClient
	// Orchestration is Heat; nil when absent.
	Orchestration *gophercloud.ServiceClient
	// Baremetal is Ironic (microversion IronicAPIVersion); nil when absent.
	Baremetal *gophercloud.ServiceClient
	// Notifier delivers workflow messages; nil means runs are followed by polling Mistral alone.
	Notifier Notifier
	// Logger receives debug logs of requests and runs; nil is silent.
	Logger *slog.Logger
	// Queue is the Zaqar queue runs use when not told otherwise (DefaultQueue).
	Queue string
	// ClientID is the UUID sent as Zaqar's Client-ID.
	ClientID string

	retryMax time.Duration // WithMaxRetryTime; 0 means DefaultMaxRetryTime

	watchMu sync.Mutex
	watch   *watcher // the one execution watcher, made on first use
}

var queueName = regexp.MustCompile(`^[a-zA-Z0-9_\-.]{1,64}$`)

// ValidateQueueName applies Zaqar's rule: 1 to 64 of letters, digits, _ - and .
func ValidateQueueName(q string) error {
	if !queueName.MatchString(q) {
		return Invalid("queue", "%q is not a valid Zaqar queue name (1-64 of letters, digits, _ - .)", q)
	}
	return nil
}

// NewClient builds a Client from an authenticated ProviderClient (any auth
// gophercloud supports), finding the services in its catalog. Mistral is
// required; Zaqar, Swift, Heat and Ironic are optional. The Client's HTTP
// guard (see the package documentation) is installed on pc.HTTPClient, so pc's
// other users get it too; gophercloud's re-authentication keeps the HTTP
// client pc authenticated with.
func NewClient(pc *gophercloud.ProviderClient, opts ...Option) (*Client, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	pc.UserAgent.Prepend("tripleo-go/" + Version)
	g := harden(pc, o)
	c, err := assemble(pc, o)
	if err != nil {
		return nil, err
	}
	g.uploadsTo(c.ObjectStore)
	return withNotifier(c, o)
}

func assemble(pc *gophercloud.ProviderClient, o *options) (*Client, error) {
	c := &Client{Notifier: o.notifier, Logger: o.logger, Queue: o.queue, ClientID: o.clientID, retryMax: o.retryMax}
	var err error
	if c.Workflow, err = openstack.NewWorkflowV2(pc, o.endpoint); err != nil {
		return nil, fmt.Errorf("tripleo: workflow (Mistral) endpoint: %w", err)
	}
	optional := func(sc *gophercloud.ServiceClient, err error) *gophercloud.ServiceClient {
		if err != nil {
			c.Log().Debug("optional service not available", "error", err)
			return nil
		}
		return sc
	}
	if sc := optional(openstack.NewMessagingV2(pc, o.clientID, o.endpoint)); sc != nil {
		sc.Endpoint = versionlessZaqar(sc.Endpoint)
		c.Messaging = sc
	}
	c.ObjectStore = optional(openstack.NewObjectStorageV1(pc, o.endpoint))
	c.Orchestration = optional(openstack.NewOrchestrationV1(pc, o.endpoint))
	if sc := optional(openstack.NewBareMetalV1(pc, o.endpoint)); sc != nil {
		sc.Microversion = IronicAPIVersion
		c.Baremetal = sc
	}
	return c, nil
}

// withNotifier builds the Notifier of WithNotifierFrom, once the Client is complete.
func withNotifier(c *Client, o *options) (*Client, error) {
	if o.notifierFrom != nil {
		n, err := o.notifierFrom(c)
		if err != nil {
			return nil, fmt.Errorf("tripleo: notifier: %w", err)
		}
		c.Notifier = n
	}
	return c, nil
}

// versionlessZaqar strips a version suffix: gophercloud builds every messaging
// URL as ServiceURL("v2", ...), so the endpoint must not carry one.
func versionlessZaqar(u string) string {
	t := strings.TrimRight(u, "/")
	for _, v := range []string{"/v2", "/v2.0", "/v1.1", "/v1"} {
		if strings.HasSuffix(t, v) {
			t = strings.TrimSuffix(t, v)
			break
		}
	}
	return gophercloud.NormalizeURL(t)
}

// NewClientFromCloud authenticates with a clouds.yaml cloud (cloud, or $OS_CLOUD
// when empty) or, when no clouds.yaml names it, with the OS_* environment
// variables, through gophercloud's own config packages. Re-authentication is
// turned on (gophercloud drops clouds.yaml's allow_reauth), except for token auth.
func NewClientFromCloud(ctx context.Context, cloud string, opts ...Option) (*Client, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	ao, eo, tlsConfig, err := clouds.Parse(clouds.WithCloudName(cloud))
	if err != nil {
		if cloud != "" || os.Getenv("OS_CLOUD") != "" || os.Getenv("OS_AUTH_URL") == "" {
			return nil, fmt.Errorf("tripleo: cloud %q: %w", cloud, err)
		}
		// a stackrc-style environment: parsed as a clouds.yaml entry, so that
		// user and project domains are understood as python-openstackclient does
		if ao, eo, tlsConfig, err = clouds.Parse(clouds.WithCloudsYAML(envCloud()), clouds.WithCloudName("envvars")); err != nil {
			return nil, fmt.Errorf("tripleo: OS_* environment: %w", err)
		}
	}
	if ao.TokenID == "" {
		ao.AllowReauth = true
	}
	if !o.endpointSet {
		o.endpoint = eo
	}
	// the guard is in place before the first (Keystone) request: gophercloud's
	// re-authentication keeps a copy of the HTTP client it authenticated with
	var hc http.Client
	if o.httpClient != nil {
		// the caller's client owns its transport (and TLS)
		hc = *o.httpClient
	} else if tlsConfig != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tlsConfig
		hc.Transport = tr
	}
	g := newGuard(hc.Transport, o)
	g.prevRedirect = hc.CheckRedirect
	hc.Transport, hc.CheckRedirect = g, sameOrigin(hc.CheckRedirect)
	pc, err := config.NewProviderClient(ctx, ao, config.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("tripleo: authenticate: %w", err)
	}
	pc.UserAgent.Prepend("tripleo-go/" + Version)
	c, err := assemble(pc, o)
	if err != nil {
		return nil, err
	}
	g.uploadsTo(c.ObjectStore)
	return withNotifier(c, o)
}

// envCloud renders the OS_* variables as a clouds.yaml with one cloud, "envvars".
func envCloud() io.Reader {
	auth := map[string]string{}
	for env, key := range map[string]string{
		"OS_AUTH_URL": "auth_url", "OS_USERNAME": "username", "OS_USER_ID": "user_id", "OS_PASSWORD": "password",
		"OS_PROJECT_NAME": "project_name", "OS_PROJECT_ID": "project_id", "OS_TENANT_NAME": "project_name", "OS_TENANT_ID": "project_id",
		"OS_USER_DOMAIN_NAME": "user_domain_name", "OS_USER_DOMAIN_ID": "user_domain_id",
		"OS_PROJECT_DOMAIN_NAME": "project_domain_name", "OS_PROJECT_DOMAIN_ID": "project_domain_id",
		"OS_DOMAIN_NAME": "domain_name", "OS_DOMAIN_ID": "domain_id", "OS_TOKEN": "token",
		"OS_APPLICATION_CREDENTIAL_ID": "application_credential_id", "OS_APPLICATION_CREDENTIAL_NAME": "application_credential_name",
		"OS_APPLICATION_CREDENTIAL_SECRET": "application_credential_secret",
	} {
		if v := os.Getenv(env); v != "" {
			auth[key] = v
		}
	}
	cloud := map[string]any{"auth": auth}
	for env, key := range map[string]string{"OS_REGION_NAME": "region_name", "OS_INTERFACE": "interface", "OS_AUTH_TYPE": "auth_type", "OS_IDENTITY_API_VERSION": "identity_api_version"} {
		if v := os.Getenv(env); v != "" {
			cloud[key] = v
		}
	}
	b, _ := yaml.Marshal(map[string]any{"clouds": map[string]any{"envvars": cloud}})
	return bytes.NewReader(b)
}

// Endpoints are the fixed URLs of a Keystone-less ("noauth") undercloud.
// Only Mistral is required.
type Endpoints struct {
	Mistral string // e.g. http://127.0.0.1:8989/v2 ("/v2" is added when missing)
	Zaqar   string // e.g. http://127.0.0.1:8888 (a version suffix is stripped)
	Swift   string // e.g. http://127.0.0.1:8080/v1/AUTH_admin
	Heat    string // e.g. http://127.0.0.1:8004/v1/admin
	Ironic  string // e.g. http://127.0.0.1:6385 ("/v1" is added when missing)
	// ProjectID is sent as X-Project-ID to Zaqar, which needs it without Keystone (default "admin").
	ProjectID string
	// Token, when set, is sent as X-Auth-Token.
	Token string
}

// NewNoAuthClient builds a Client on fixed endpoints with no authentication
// (a noauth undercloud, the embedded undercloud of package tripleotest, tests).
func NewNoAuthClient(ep Endpoints, opts ...Option) (*Client, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	if ep.Mistral == "" {
		return nil, Invalid("endpoints.Mistral", "the Mistral endpoint is required")
	}
	urls := map[string]string{
		"workflow":      withSuffix(ep.Mistral, "v2"),
		"message":       ep.Zaqar,
		"object-store":  ep.Swift,
		"orchestration": ep.Heat,
		"baremetal":     ep.Ironic,
	}
	pc := &gophercloud.ProviderClient{}
	pc.UseTokenLock()
	if o.httpClient != nil {
		pc.HTTPClient = *o.httpClient
	}
	if ep.Token != "" {
		pc.SetToken(ep.Token)
	}
	pc.UserAgent.Prepend("tripleo-go/" + Version)
	g := harden(pc, o)
	pc.EndpointLocator = func(eo gophercloud.EndpointOpts) (string, error) {
		if u := urls[eo.Type]; u != "" {
			return gophercloud.NormalizeURL(u), nil
		}
		return "", &gophercloud.ErrEndpointNotFound{}
	}
	c, err := assemble(pc, o)
	if err != nil {
		return nil, err
	}
	g.uploadsTo(c.ObjectStore)
	if c.Messaging != nil {
		project := ep.ProjectID
		if project == "" {
			project = "admin"
		}
		c.Messaging.MoreHeaders["X-Project-ID"] = project
	}
	return withNotifier(c, o)
}

func withSuffix(u, v string) string {
	t := strings.TrimRight(u, "/")
	if strings.HasSuffix(t, "/"+v) {
		return t
	}
	return t + "/" + v
}

// Log returns the Client's Logger, or a logger that discards everything when
// it has none (or c is nil): what the SDK's packages log through.
func (c *Client) Log() *slog.Logger {
	if c != nil && c.Logger != nil {
		return c.Logger
	}
	return discard
}

var discard = slog.New(slog.DiscardHandler)

// need returns ErrNoService naming the service when sc is nil.
func need(sc *gophercloud.ServiceClient, service string) error {
	if sc == nil {
		return fmt.Errorf("%s: %w", service, ErrNoService)
	}
	return nil
}

// Need reports ErrNoService, naming the service, when the client lacks it.
// service is one of "workflow", "messaging", "object-store", "orchestration", "baremetal".
func (c *Client) Need(service string) error {
	switch service {
	case "workflow":
		return need(c.Workflow, service)
	case "messaging":
		return need(c.Messaging, service)
	case "object-store":
		return need(c.ObjectStore, service)
	case "orchestration":
		return need(c.Orchestration, service)
	case "baremetal":
		return need(c.Baremetal, service)
	}
	return errors.New("tripleo: unknown service " + service)
}
