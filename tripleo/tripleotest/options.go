package tripleotest

import (
	"strings"
	"time"
)

// DefaultTimeScale is the factor simulated durations are multiplied by unless
// WithTimeScale says otherwise: a 20-minute Heat deployment takes about 12 ms,
// an introspection round 2 ms, a 2-hour cleaning timeout 72 ms.
const DefaultTimeScale = 1e-5

// Option configures an Undercloud.
type Option func(*config)

type config struct {
	scale   float64
	project string
	seed    int64
	latency time.Duration

	errRate  map[Service]float64 // 503 before the request is processed
	lostRate map[Service]float64 // 502 after it was processed

	dropAll, dupAll  bool
	dropWF, dupWF    map[string]bool
	silentWF         map[string]bool
	failIntrospect   map[string]string // node name, uuid or MAC -> inspector error
	failClean        map[string]string // node name, uuid or MAC -> last_error
	failResources    map[string]string // Heat resource name -> reason
	initialNodes     []NodeSpec
	zaqarMaxPostSize int
}

func defaultConfig() config {
	return config{
		scale:            DefaultTimeScale,
		project:          "admin",
		seed:             1,
		errRate:          map[Service]float64{},
		lostRate:         map[Service]float64{},
		dropWF:           map[string]bool{},
		dupWF:            map[string]bool{},
		silentWF:         map[string]bool{},
		failIntrospect:   map[string]string{},
		failClean:        map[string]string{},
		failResources:    map[string]string{},
		zaqarMaxPostSize: 1 << 20, // the undercloud raises Zaqar's 256 KiB default to 1 MiB (bug 1730663)
	}
}

// WithTimeScale multiplies every simulated duration (Ironic transitions,
// introspection, cleaning, Heat resources, workflow polls and timeouts) by f.
// 1.0 is human pace (demos); the default is DefaultTimeScale.
func WithTimeScale(f float64) Option {
	return func(c *config) {
		if f >= 0 {
			c.scale = f
		}
	}
}

// WithProject sets the project id (default "admin"): Swift account AUTH_<id>,
// Heat's URL segment and the X-Project-ID Zaqar expects.
func WithProject(id string) Option {
	return func(c *config) {
		if id != "" {
			c.project = id
		}
	}
}

// WithSeed seeds the generator behind the injected faults (and generated
// passwords), so a faulty run is reproducible (default 1).
func WithSeed(seed int64) Option { return func(c *config) { c.seed = seed } }

// WithLatency delays every API response by d (real time, not scaled).
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithServerErrors makes a fraction rate (0..1) of the requests to service
// fail with 503 Service Unavailable before they are processed (as a proxy in
// front of an overloaded API does), chosen by the seeded generator.
func WithServerErrors(service Service, rate float64) Option {
	return func(c *config) { c.errRate[service] = rate }
}

// WithLostResponses makes a fraction rate (0..1) of the requests that change
// something (not GET or HEAD) to service be processed and then answered 502
// Bad Gateway, as when a response is lost on the way back: the effect
// happened, the client cannot know it. Retrying such a POST /v2/executions
// with the same execution id must not start the workflow twice. (With the
// default seed the first such request is lost and the second is not.)
func WithLostResponses(service Service, rate float64) Option {
	return func(c *config) { c.lostRate[service] = rate }
}

// DropMessages makes the named workflows (full names; none = every workflow)
// post none of their Zaqar messages: a follower must rely on Mistral.
func DropMessages(workflows ...string) Option {
	return func(c *config) {
		if len(workflows) == 0 {
			c.dropAll = true
		}
		for _, w := range workflows {
			c.dropWF[w] = true
		}
	}
}

// DuplicateMessages makes the named workflows (none = every workflow) post
// each message twice, as a zaqar.queue_post retried after a lost answer does
// (two Zaqar messages, two ids, one body).
func DuplicateMessages(workflows ...string) Option {
	return func(c *config) {
		if len(workflows) == 0 {
			c.dupAll = true
		}
		for _, w := range workflows {
			c.dupWF[w] = true
		}
	}
}

// WorkflowDiesSilently makes executions of workflow end (in the state they
// would have ended in) without posting their final message: only Mistral
// knows the outcome (the race of bug 1842987, or a lost post).
func WorkflowDiesSilently(workflow string) Option {
	return func(c *config) { c.silentWF[workflow] = true }
}

// FailIntrospection makes introspection of the node (name, uuid or MAC) fail
// every time, with inspector's "Introspection timeout" error.
func FailIntrospection(node string) Option {
	return func(c *config) { c.failIntrospect[strings.ToLower(node)] = "Introspection timeout" }
}

// FailCleaning makes every cleaning of the node (name, uuid or MAC), manual or
// automated, fail like a failing clean step on real Ironic: "clean failed",
// last_error and maintenance_reason = lastError, maintenance on, fault "clean failure".
func FailCleaning(node, lastError string) Option {
	return func(c *config) {
		if lastError == "" {
			lastError = "Clean step failed"
		}
		c.failClean[strings.ToLower(node)] = lastError
	}
}

// FailResource makes the Heat resources of that name (in any stack, nested or
// not, e.g. "NetworkDeployment") fail their create or update with reason, which
// fails every enclosing resource and stack as Heat does: "Resource CREATE
// failed: Error: resources.Controller.resources[0].resources.NetworkDeployment:
// <reason>". The default plan's Deployment resource (OS::Heat::TestResource)
// also fails when the plan sets the TestFail parameter.
func FailResource(name, reason string) Option {
	return func(c *config) {
		if reason == "" {
			reason = "Deployment exited with non-zero status code: 1"
		}
		c.failResources[name] = reason
	}
}

// NodeSpec is a node present in Ironic when the undercloud starts.
type NodeSpec struct {
	Name   string
	Driver string // default "ipmi"
	MACs   []string
	// State is the provision state to start in (default "manageable").
	State      string
	Properties map[string]any
}

// WithNodes starts the undercloud with these nodes already enrolled.
func WithNodes(nodes ...NodeSpec) Option {
	return func(c *config) { c.initialNodes = append(c.initialNodes, nodes...) }
}
