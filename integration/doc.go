// Package integration holds the SDK's tests and benchmarks against a whole
// undercloud of real OpenStack services: Mistral 15 with the project's
// TripleO-shaped workbooks (integration/workbooks) and Python actions
// (integration/actions), Zaqar 15 (REST and websocket), Swift 2.30, Ironic 21
// and Heat 19, as scripts/undercloud starts them on 127.0.0.1 without
// Keystone.
//
// The tests are behind the build tag "integration" and read the endpoints from
// the variables $UNDERCLOUD_DIR/env.sh exports (MISTRAL_URL, ZAQAR_URL,
// ZAQAR_WS_URL, SWIFT_URL, IRONIC_URL, HEAT_URL); without MISTRAL_URL every
// test skips with a message saying so, and the tests that need Swift, Ironic
// or Heat skip when that service's variable is not set. When MISTRAL_URL is
// unset but UNDERCLOUD_DIR names a directory with an env.sh, that file is read.
//
//	scripts/integration                        # up, go test -race -tags integration ./integration/..., down
//	. .undercloud/env.sh && go test -tags integration -count=1 ./integration/
//	go test -tags integration -run XXX -bench . -benchtime 5x ./integration/   # benchmarks (docs/PERFORMANCE.md)
//
// The suite registers its own small test workbook (testdata/tripleo_go_it.v1.yaml,
// input-driven failure triggers for the engine's execution watcher, cancellation and
// attach tests) at start and deletes it at the end; everything else it runs is
// the project's workbooks. Every test uses its own queue, plan, stack and node
// names, so the suite can run again on the same undercloud.
//
// Zaqar as Debian packages it serves HTTP with wsgiref's single-threaded
// HTTP/1.0 server: an idle keep-alive connection stalls every other client for
// up to 30 s. The clients of these tests therefore talk to Zaqar's REST port
// through an http.Transport with keep-alives disabled (and to every other
// service with keep-alives on), given to the SDK with tripleo.WithHTTPClient.
package integration
